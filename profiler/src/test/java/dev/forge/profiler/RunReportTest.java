package dev.forge.profiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.forge.compiler.interp.NdArray;
import dev.forge.types.DType;

class RunReportTest {

	private static Map<String, Long> dims() {
		Map<String, Long> dims = new LinkedHashMap<>();
		dims.put("M", 512L);
		dims.put("N", 256L);
		dims.put("K", 128L);
		return dims;
	}

	private static RunReport verified() {
		return new RunReport("matmul", "host", new LinkedHashMap<>(dims()), 7, true, 3.1e-6, 2.5e-7, 1.2344, 1.18, 200, 123.4, 45.6, "Graph IR interpreter in f64, same inputs", List.of(), 0, null);
	}

	@Test
	void rendersAlignedText() {
		assertEquals("""
				function   matmul
				target     host
				dims       M=512, N=256, K=128
				seed       7
				verified   yes (max rel error 3.1e-06 vs the Graph IR interpreter in f64, same inputs)
				time       1.234 ms median of 200 runs (min 1.180 ms)
				throughput 123.4 GFLOP/s, 45.6 GB/s
				""", verified().toText());
	}

	@Test
	void rendersMismatchesAndAReducedReference() {
		List<Comparison.Mismatch> first = List.of(new Comparison.Mismatch(0, List.of(0L, 3L), 0.51, 0.5), new Comparison.Mismatch(1, List.of(2L), Double.NaN, 1));
		RunReport r = new RunReport("f", "h100", Map.of("B", 2L), 0, false, Double.POSITIVE_INFINITY, 0.25, 0.0123, 0.01, 1, 0.00123, 0, "Graph IR interpreter in f64, reduced instance B=2, S=16",
				first, 37, null);
		assertEquals("""
				function   f
				target     h100
				dims       B=2
				seed       0
				verified   NO: 37 elements differ (max rel error inf, max abs error 2.5e-01 vs the Graph IR interpreter in f64, reduced instance B=2, S=16)
				           at [0, 3]: 0.510000, expected 0.500000
				           result 1 at [2]: nan, expected 1.00000
				           ... 35 more
				time       12.3 us median of 1 run (min 10.0 us)
				throughput 0.00123 GFLOP/s, 0.0 GB/s
				""", r.toText());
	}

	@Test
	void rendersAProblem() {
		RunReport r = new RunReport("f", "host", Map.of(), 0, false, Double.NaN, Double.NaN, 2, 2, 5, 1, 1, "full", List.of(), 0,
				"shape [2, 3] does not match the reference's [3, 2]");
		assertTrue(r.toText().contains("\ndims       (none)\n"), r.toText());
		assertTrue(r.toText().contains("\nverified   NO: shape [2, 3] does not match the reference's [3, 2]\n"), r.toText());
	}

	@Test
	void rendersJsonWithSnakeCaseKeys() {
		JsonObject o = JsonParser.parseString(verified().toJson()).getAsJsonObject();
		assertEquals(List.of("function", "target", "dims", "seed", "reference", "verified", "max_rel_error", "max_abs_error", "mismatch_count", "mismatches",
				"problem", "median_ms", "min_ms", "runs", "gflops", "gbps"), List.copyOf(o.keySet()));
		assertEquals("matmul", o.get("function").getAsString());
		assertEquals("host", o.get("target").getAsString());
		assertEquals(List.of("M", "N", "K"), List.copyOf(o.getAsJsonObject("dims").keySet()));
		assertEquals(256, o.getAsJsonObject("dims").get("N").getAsLong());
		assertEquals(7, o.get("seed").getAsLong());
		assertEquals("Graph IR interpreter in f64, same inputs", o.get("reference").getAsString());
		assertTrue(o.get("verified").getAsBoolean());
		assertEquals(3.1e-6, o.get("max_rel_error").getAsDouble());
		assertEquals(2.5e-7, o.get("max_abs_error").getAsDouble());
		assertEquals(1.2344, o.get("median_ms").getAsDouble());
		assertEquals(1.18, o.get("min_ms").getAsDouble());
		assertEquals(200, o.get("runs").getAsInt());
		assertEquals(123.4, o.get("gflops").getAsDouble());
		assertEquals(45.6, o.get("gbps").getAsDouble());
		assertTrue(o.get("problem").isJsonNull());
		assertEquals(0, o.getAsJsonArray("mismatches").size());
	}

	@Test
	void jsonWritesNonFiniteNumbersAsStrings() {
		RunReport r = new RunReport("f", "host", Map.of(), 0, false, Double.POSITIVE_INFINITY, Double.NaN, 1, 1, 5, 1, 1, "full",
				List.of(new Comparison.Mismatch(0, List.of(1L, 2L), Double.NEGATIVE_INFINITY, 3)), 1, null);
		JsonObject o = JsonParser.parseString(r.toJson()).getAsJsonObject();
		assertEquals("Infinity", o.get("max_rel_error").getAsString());
		assertEquals("NaN", o.get("max_abs_error").getAsString());
		JsonObject m = o.getAsJsonArray("mismatches").get(0).getAsJsonObject();
		assertEquals("[1,2]", m.get("index").toString());
		assertEquals("-Infinity", m.get("actual").getAsString());
		assertEquals(3.0, m.get("expected").getAsDouble());
		assertEquals(1, o.get("mismatch_count").getAsLong());
	}

	/** The parts put together: a comparison, a timing and work counts. */
	@Test
	void assemblesFromItsParts() {
		NdArray ref = new NdArray(new long[] { 2 }, new double[] { 1, 2 });
		NdArray got = new NdArray(new long[] { 2 }, new double[] { 1, 2.5 });
		Comparison c = Comparison.compare(got, ref, DType.F32);
		Timing t = new Timing(2.0, 1.5, 3.0, 40);
		WorkCounts w = new WorkCounts(4_000_000, 1_000_000);
		RunReport r = RunReport.of("f", "host", dims(), 3, "full", c, t, w);
		assertEquals(new RunReport("f", "host", new LinkedHashMap<>(dims()), 3, false, 0.25, 0.5, 2.0, 1.5, 40, 2.0, 0.5, "full",
				List.of(new Comparison.Mismatch(0, List.of(1L), 2.5, 2)), 1, null), r);
	}
}
