package dev.forge.profiler;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

/**
 * What {@code forge run} and {@code forge profile} tell about one function: where and how it ran,
 * whether its results match the f64 reference, and how fast it was. Rendered as a few aligned lines
 * for people ({@link #toText}) or as JSON for scripts ({@link #toJson}).
 *
 * @param function      the function's name
 * @param target        the chip description it was compiled for
 * @param dims          the dim bindings it ran with, in the order given
 * @param seed          the seed of the random inputs
 * @param verified      whether the results match the reference ({@link Comparison#verified})
 * @param maxRelError   the largest relative error against the reference
 * @param maxAbsError   the largest absolute error against the reference
 * @param medianMs      the median time of one call
 * @param minMs         the fastest call
 * @param runs          the number of timed calls
 * @param gflops        GFLOP/s at the median time
 * @param gbps          GB/s at the median time
 * @param reference     how the reference was computed, e.g. {@code "Graph IR interpreter in f64, same inputs"}
 *                      or {@code "..., reduced instance B=2, S=16"} when it ran on smaller dims
 * @param mismatches    the first few mismatching elements
 * @param mismatchCount how many elements mismatch
 * @param problem       why results could not be compared element by element, or null
 * @param device        the device it ran on as its driver names it ("NVIDIA H100 80GB HBM3"), or null
 *                      where the target says enough (the host)
 * @param timingMethod  how the time was taken when not plain wall-clock time ("CUDA events, L2 flushed
 *                      before each run"), or null
 * @param peaks         the chip's peak rates the throughput is put against, or null
 */
public record RunReport(String function, String target, Map<String, Long> dims, long seed, boolean verified, double maxRelError,
		double maxAbsError, double medianMs, double minMs, int runs, double gflops, double gbps, String reference, List<Comparison.Mismatch> mismatches,
		long mismatchCount, String problem, String device, String timingMethod, Peaks peaks) {

	public RunReport {
		dims = Collections.unmodifiableMap(new LinkedHashMap<>(dims)); // keeps the caller's order
		mismatches = List.copyOf(mismatches);
	}

	/** A report with no device name, timing method or peaks (a host run). */
	public RunReport(String function, String target, Map<String, Long> dims, long seed, boolean verified, double maxRelError, double maxAbsError,
			double medianMs, double minMs, int runs, double gflops, double gbps, String reference, List<Comparison.Mismatch> mismatches,
			long mismatchCount, String problem) {
		this(function, target, dims, seed, verified, maxRelError, maxAbsError, medianMs, minMs, runs, gflops, gbps, reference, mismatches,
				mismatchCount, problem, null, null, null);
	}

	/** This report, run on {@code device} with time taken by {@code timingMethod} (either may be null). */
	public RunReport on(String device, String timingMethod) {
		return new RunReport(function, target, dims, seed, verified, maxRelError, maxAbsError, medianMs, minMs, runs, gflops, gbps, reference,
				mismatches, mismatchCount, problem, device, timingMethod, peaks);
	}

	/** This report, its throughput put against {@code peaks} (null: none). */
	public RunReport withPeaks(Peaks peaks) {
		return new RunReport(function, target, dims, seed, verified, maxRelError, maxAbsError, medianMs, minMs, runs, gflops, gbps, reference,
				mismatches, mismatchCount, problem, device, timingMethod, peaks);
	}

	/** GFLOP/s as a percentage of the peak FLOP/s for the function's dtype; NaN without peaks or FLOPs. */
	public double peakFlopsPercent() {
		return peaks == null || gflops <= 0 || !(peaks.flopsPerSecond() > 0) ? Double.NaN : 100 * gflops * 1e9 / peaks.flopsPerSecond();
	}

	/** GB/s as a percentage of the DRAM bandwidth; NaN without peaks. */
	public double peakBandwidthPercent() {
		return peaks == null || !(peaks.bytesPerSecond() > 0) ? Double.NaN : 100 * gbps * 1e9 / peaks.bytesPerSecond();
	}

	/** The report of a verified and timed run, from its parts. */
	public static RunReport of(String function, String target, Map<String, Long> dims, long seed, String reference, Comparison comparison, Timing timing,
			WorkCounts work) {
		return new RunReport(function, target, dims, seed, comparison.verified(), comparison.maxRelError(), comparison.maxAbsError(),
				timing.medianMs(), timing.minMs(), timing.runs(), work.gflops(timing.medianMs()), work.gbps(timing.medianMs()), reference,
				comparison.mismatches(), comparison.mismatchCount(), comparison.problem());
	}

	/**
	 * Aligned lines for a terminal, for instance:
	 *
	 * <pre>
	 * function   matmul
	 * target     host
	 * dims       M=512, N=512, K=512
	 * seed       0
	 * verified   yes (max rel error 3.1e-06 vs the Graph IR interpreter in f64, same inputs)
	 * time       1.234 ms median of 200 runs (min 1.180 ms)
	 * throughput 217.5 GFLOP/s, 2.5 GB/s
	 * </pre>
	 *
	 * A GPU run adds a {@code device} line after the target, says how the time was taken, gives
	 * TFLOP/s from 1000 GFLOP/s up, and with peaks a {@code roofline} line: {@code 41.2% of the bf16
	 * peak (989 TFLOP/s), 12.0% of DRAM bandwidth (3350 GB/s)}.
	 */
	public String toText() {
		StringBuilder out = new StringBuilder();
		line(out, "function", function);
		line(out, "target", target);
		if (device != null) {
			line(out, "device", device);
		}
		StringJoiner d = new StringJoiner(", ");
		dims.forEach((name, value) -> d.add(name + "=" + value));
		line(out, "dims", dims.isEmpty() ? "(none)" : d.toString());
		line(out, "seed", Long.toString(seed));
		String against = "vs the " + reference;
		if (verified) {
			line(out, "verified", "yes (max rel error " + sci(maxRelError) + " " + against + ")");
		} else if (problem != null) {
			line(out, "verified", "NO: " + problem);
		} else {
			line(out, "verified", "NO: " + mismatchCount + (mismatchCount == 1 ? " element differs" : " elements differ") + " (max rel error "
					+ sci(maxRelError) + ", max abs error " + sci(maxAbsError) + " " + against + ")");
			for (Comparison.Mismatch m : mismatches) {
				line(out, "", (m.output() > 0 ? "result " + m.output() + " " : "") + "at " + m.index() + ": " + num(m.actual()) + ", expected "
						+ num(m.expected()));
			}
			if (mismatchCount > mismatches.size()) {
				line(out, "", "... " + (mismatchCount - mismatches.size()) + " more");
			}
		}
		line(out, "time", time(medianMs) + " median of " + runs + (runs == 1 ? " run" : " runs") + " (min " + time(minMs)
				+ (timingMethod == null ? "" : "; " + timingMethod) + ")");
		line(out, "throughput", (gflops >= 1000 ? rate(gflops / 1000) + " TFLOP/s, " : rate(gflops) + " GFLOP/s, ") + rate(gbps) + " GB/s");
		if (peaks != null) {
			StringJoiner roofline = new StringJoiner(", ");
			if (Double.isFinite(peakFlopsPercent())) {
				roofline.add(percent(peakFlopsPercent()) + " of the " + peaks.dtype() + " peak (" + significant(peaks.flopsPerSecond() / 1e12) + " TFLOP/s)");
			}
			if (Double.isFinite(peakBandwidthPercent())) {
				roofline.add(percent(peakBandwidthPercent()) + " of DRAM bandwidth (" + significant(peaks.bytesPerSecond() / 1e9) + " GB/s)");
			}
			if (roofline.length() > 0) {
				line(out, "roofline", roofline.toString());
			}
		}
		return out.toString();
	}

	/**
	 * One JSON object with snake_case keys: {@code function, target, dims, seed, reference, verified,
	 * max_rel_error, max_abs_error, mismatch_count, mismatches, problem, median_ms, min_ms, runs, gflops,
	 * gbps}, then where known {@code device, timing_method, peak_flops_percent, peak_bandwidth_percent}
	 * (a host run has none of these). JSON has no NaN or infinity: such numbers are written as the strings {@code "NaN"},
	 * {@code "Infinity"} and {@code "-Infinity"} (an error is infinite where a result is NaN or
	 * infinite and the reference is not; NaN where shapes did not allow a comparison).
	 */
	public String toJson() {
		JsonObject o = new JsonObject();
		o.add("function", string(function));
		o.add("target", string(target));
		JsonObject d = new JsonObject();
		dims.forEach(d::addProperty);
		o.add("dims", d);
		o.addProperty("seed", seed);
		o.add("reference", string(reference));
		o.addProperty("verified", verified);
		o.add("max_rel_error", number(maxRelError));
		o.add("max_abs_error", number(maxAbsError));
		o.addProperty("mismatch_count", mismatchCount);
		JsonArray list = new JsonArray();
		for (Comparison.Mismatch m : mismatches) {
			JsonObject e = new JsonObject();
			e.addProperty("result", m.output());
			JsonArray index = new JsonArray();
			m.index().forEach(index::add);
			e.add("index", index);
			e.add("actual", number(m.actual()));
			e.add("expected", number(m.expected()));
			list.add(e);
		}
		o.add("mismatches", list);
		o.add("problem", string(problem));
		o.add("median_ms", number(medianMs));
		o.add("min_ms", number(minMs));
		o.addProperty("runs", runs);
		o.add("gflops", number(gflops));
		o.add("gbps", number(gbps));
		if (device != null) {
			o.addProperty("device", device);
		}
		if (timingMethod != null) {
			o.addProperty("timing_method", timingMethod);
		}
		if (Double.isFinite(peakFlopsPercent())) {
			o.addProperty("peak_flops_percent", peakFlopsPercent());
		}
		if (Double.isFinite(peakBandwidthPercent())) {
			o.addProperty("peak_bandwidth_percent", peakBandwidthPercent());
		}
		return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o);
	}

	// ---------------------------------------------------------------- formatting

	private static void line(StringBuilder out, String label, String text) {
		out.append(String.format(Locale.ROOT, "%-10s %s", label, text).stripTrailing()).append('\n');
	}

	/** An error: {@code 3.1e-06}. */
	private static String sci(double x) {
		return Double.isFinite(x) ? String.format(Locale.ROOT, "%.1e", x) : num(x);
	}

	/** A value in a mismatch: enough digits to see the difference. */
	private static String num(double x) {
		if (Double.isNaN(x)) {
			return "nan";
		}
		if (Double.isInfinite(x)) {
			return x > 0 ? "inf" : "-inf";
		}
		return String.format(Locale.ROOT, "%.6g", x);
	}

	/** A time: milliseconds down to 1 ms, microseconds below. */
	private static String time(double ms) {
		return ms >= 1 ? String.format(Locale.ROOT, "%.3f ms", ms) : String.format(Locale.ROOT, "%.1f us", ms * 1e3);
	}

	/** A rate: one decimal, three significant digits below 1. */
	private static String rate(double x) {
		return x >= 1 || x == 0 ? String.format(Locale.ROOT, "%.1f", x) : String.format(Locale.ROOT, "%.3g", x);
	}

	/** A share of a peak: one decimal, two significant digits below 1%. */
	private static String percent(double x) {
		return x >= 1 || x == 0 ? String.format(Locale.ROOT, "%.1f%%", x) : String.format(Locale.ROOT, "%.2g%%", x);
	}

	/** A peak: three significant digits, no trailing zeros after the point (66.9, 3350, 989). */
	private static String significant(double x) {
		return new BigDecimal(x).round(new MathContext(3)).stripTrailingZeros().toPlainString();
	}

	private static JsonElement number(double x) {
		return Double.isFinite(x) ? new JsonPrimitive(x) : new JsonPrimitive(Double.toString(x));
	}

	private static JsonElement string(String s) {
		return s == null ? JsonNull.INSTANCE : new JsonPrimitive(s);
	}
}
