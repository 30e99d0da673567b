package dev.forge.profiler.tune;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.forge.compiler.graph.Op;
import dev.forge.compiler.schedule.KernelGroup;
import dev.forge.compiler.schedule.ScheduleFunction;
import dev.forge.compiler.schedule.Tiling;
import dev.forge.targets.Target;
import dev.forge.types.Dim;

/**
 * Ranks candidates before anything is compiled: an estimate of each kernel's time from the chip
 * description's numbers (peak FLOP/s, cache sizes, DRAM bandwidth, cores) and the schedule's tiles.
 * It only orders the candidates; the measurements decide. A matmul pays for the padding of its last
 * blocks, for idle cores when there are fewer programs than cores, and for re-reading A and B once
 * per block of the other operand, from DRAM when a block's working set overflows L2. A row
 * reduction that does not hold its row in one column block reads it three times (max, sum, write).
 */
public final class CostModel {

	/** An estimate, or why the candidate is not worth compiling. */
	public record Estimate(double seconds, Optional<String> pruned) {
	}

	/** More padded work than this many times the real work: pruned, the tiles are too large for the dims. */
	static final double MAX_PADDING = 2.0;

	private CostModel() {
	}

	/** The estimate of {@code schedule} (a @jit function's Schedule IR) at {@code dims} on {@code target}. */
	public static Estimate of(ScheduleFunction schedule, Map<String, Long> dims, Target target) {
		double seconds = 0;
		for (KernelGroup g : schedule.groups()) {
			Estimate e = group(g, dims, target);
			if (e.pruned().isPresent()) {
				return e;
			}
			seconds += e.seconds();
		}
		return new Estimate(seconds, Optional.empty());
	}

	/**
	 * For a @kernel (no Schedule IR to read): the distance of {@code sizes} from the default on a log
	 * scale, so that candidates near the default are tried first.
	 */
	public static Estimate nearDefault(Map<String, Integer> sizes, Map<String, Integer> defaults) {
		double distance = 0;
		for (Map.Entry<String, Integer> e : sizes.entrySet()) {
			Integer d = defaults.get(e.getKey());
			if (d != null && d > 0 && e.getValue() > 0) {
				distance += Math.abs(Math.log(e.getValue()) - Math.log(d));
			}
		}
		return new Estimate(distance, Optional.empty());
	}

	private static Estimate group(KernelGroup g, Map<String, Long> dims, Target target) {
		Tiling t = g.tiling();
		List<Dim> out = g.output().type().dims();
		double flopRate = target.peakFlops("f32").orElse(1e11);
		double dram = Math.max(1e9, target.memoryBandwidth());
		long l2 = target.optLong("memory.l2.size").orElse(1 << 20);
		long l1 = target.optLong("memory.l1d.size").orElse(32 * 1024);
		int cores = Math.max(1, target.isGpu() ? target.sms() : target.cores());
		int lanes = target.isGpu() ? 4 : (int) Math.max(1, target.optLong("vector.bits").orElse(256) / 32);
		double vectorPenalty = target.isGpu() || t.vector() >= lanes ? 1.0 : (double) lanes / Math.max(1, t.vector());
		long outerRows = 1;
		for (int i = 0; i < out.size() - 2; i++) {
			outerRows *= value(out.get(i), dims);
		}
		switch (g.kind()) {
			case MATMUL -> {
				long m = out.size() >= 2 ? value(out.get(out.size() - 2), dims) : 1;
				long n = value(out.get(out.size() - 1), dims);
				long k = g.ops().stream().filter(o -> o instanceof Op.MatMul).map(o -> ((Op.MatMul) o).lhs().type().dims())
						.map(d -> value(d.get(d.size() - 1), dims)).findFirst().orElse(1L);
				int bm = t.block().size() >= 2 ? t.block().get(t.block().size() - 2) : 1;
				int bn = t.block().get(t.block().size() - 1);
				int bk = Math.max(1, t.inner());
				double padded = (double) ceil(m, bm) * bm * ceil(n, bn) * bn * ceil(k, bk) * bk;
				double waste = padded / Math.max(1.0, (double) m * n * k);
				if (waste > MAX_PADDING) {
					return new Estimate(Double.MAX_VALUE, Optional.of("tiles pad the work " + String.format(java.util.Locale.ROOT, "%.1fx", waste)));
				}
				long programs = outerRows * ceil(m, bm) * ceil(n, bn);
				double busy = programs / (double) (ceil(programs, cores) * cores);
				double compute = 2 * padded * outerRows / flopRate * vectorPenalty;
				long workingSet = 4L * ((long) bm * bn + (long) bk * (bm + bn));
				double traffic = 4.0 * outerRows * k * (m * ceil(n, bn) + n * ceil(m, bm));
				double bandwidth = target.isGpu() || workingSet <= l2 ? dram * 8 : dram;
				// The accumulator block lives on the stack: past L1 every k step streams it through L2.
				double spill = !target.isGpu() && 4L * bm * bn > l1 * 8 ? 1.3 : 1.0;
				return new Estimate(Math.max(compute, traffic / bandwidth) * spill / busy, Optional.empty());
			}
			case ROW_REDUCTION -> {
				long cols = value(out.get(out.size() - 1), dims);
				long rows = 1;
				for (int i = 0; i < out.size() - 1; i++) {
					rows *= value(out.get(i), dims);
				}
				int inner = Math.max(1, t.inner());
				double waste = (double) ceil(cols, inner) * inner / Math.max(1, cols);
				if (waste > MAX_PADDING) {
					return new Estimate(Double.MAX_VALUE, Optional.of("column block pads the rows " + String.format(java.util.Locale.ROOT, "%.1fx", waste)));
				}
				int passes = inner >= cols ? 1 : 3;
				double bytes = 4.0 * rows * cols * (passes + 1);
				// A column block past L1 (with a few temporaries) spills.
				double spill = !target.isGpu() && 4L * inner * 4 > l1 ? 1.2 : 1.0;
				double busy = rows / (double) (ceil(rows, cores) * cores);
				return new Estimate(bytes / dram * spill * waste * vectorPenalty / busy, Optional.empty());
			}
			default -> {
				double elements = 1;
				for (Dim d : out) {
					elements *= value(d, dims);
				}
				return new Estimate(elements * 8 / dram * vectorPenalty, Optional.empty());
			}
		}
	}

	private static long ceil(long a, long b) {
		return (a + b - 1) / Math.max(1, b);
	}

	private static long value(Dim d, Map<String, Long> dims) {
		try {
			return Math.max(1, d.evaluate(dims).orElse(64));
		} catch (ArithmeticException e) {
			return 64;
		}
	}
}
