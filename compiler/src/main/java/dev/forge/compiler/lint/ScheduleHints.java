package dev.forge.compiler.lint;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.forge.compiler.tile.Index;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.KernelArg;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileValue;
import dev.forge.targets.Target;
import dev.forge.types.DType;
import dev.forge.types.Dim;

/**
 * FORGE-L-HINT: a roofline model of a function's kernels (docs/lints.md). Every free dim takes one assumed
 * value ({@link #ASSUMED_DIM}, said in the message); the grid, the loop trip counts (program ids at the middle of
 * their grid axis) and every global access, dot and element-wise operation of the GPU Tile IR are counted:
 * DRAM bytes (each tile.load/store/async copy of an argument read from DRAM once: no cache reuse), tensor-core
 * FLOPs (a dot of 16- or 8-bit operands, against {@code peak.matrix}) and CUDA-core FLOPs (other dots and one per
 * element of every element-wise operation or reduction, against {@code peak.vector.f32}). The roofline time is
 * the larger of bytes over {@code memory.dram.bandwidth} and FLOPs over the peaks; the predicted time divides it
 * by the wave efficiency (programs over whole waves of SMs x resident blocks per SM, occupancy as
 * FORGE-L-RESOURCE computes it), which is the only inefficiency modelled: "% of the roofline" is that fraction.
 * The one change: for a kernel with a dot, doubling or halving the dot's m or n block (main-loop DRAM traffic of
 * A and B scales with 1/n + 1/m, the programs with 1/(m n), shared memory with the blocks), kept when it fits
 * the chip and is predicted at least 5% faster. Predictions only: no measurement feeds this yet.
 */
public final class ScheduleHints {

	/** The value every free dim (M, N, K, ...) takes for the prediction. */
	public static final long ASSUMED_DIM = 4096;

	private static final double MIN_GAIN = 1.05;

	/** L2 bandwidth over DRAM bandwidth where the chip description gives no L2 bandwidth (assumed). */
	static final double L2_OVER_DRAM = 2.0;

	private ScheduleHints() {
	}

	/** What the model counts for one kernel at the assumed dims. */
	record Counts(double programs, double dramBytes, double bytes, double loopBytes, double matrixFlops, double vectorFlops, String matrixDtype,
			int dotM, int dotN) {
	}

	/** The prediction for one kernel. */
	record Prediction(Kernel kernel, Counts counts, double seconds, double rooflineSeconds, boolean memoryBound, String change,
			double gain) {
	}

	/**
	 * One information diagnostic per function with GPU kernels, on the first kernel's range (the driver moves it
	 * to the schedule statement, or the def line); empty for a CPU target or a function without kernels.
	 */
	public static List<LintDiagnostic> check(TileFunction f, Target target) {
		if (!target.isGpu()) {
			return List.of();
		}
		List<Prediction> predictions = new ArrayList<>();
		for (Kernel k : f.kernels()) {
			if (k.threads().distributed()) {
				predictions.add(predict(k, target));
			}
		}
		if (predictions.isEmpty()) {
			return List.of();
		}
		Prediction slowest = predictions.get(0);
		double total = 0;
		for (Prediction p : predictions) {
			total += p.seconds();
			if (p.seconds() > slowest.seconds()) {
				slowest = p;
			}
		}
		String message;
		if (predictions.size() == 1) {
			message = "predicted " + time(total) + " " + assumption() + ": " + describe(slowest, target);
		} else {
			message = "predicted " + time(total) + " for " + predictions.size() + " kernels " + assumption() + "; the slowest, @"
					+ slowest.kernel().name() + " (" + time(slowest.seconds()) + "): " + describe(slowest, target);
		}
		return List.of(new LintDiagnostic(LintDiagnostic.HINT, LintDiagnostic.Severity.INFO, message,
				predictions.get(0).kernel().range(), List.of(), List.of()));
	}

	private static String assumption() {
		return "(roofline model, every dim = " + ASSUMED_DIM + " assumed)";
	}

	private static String describe(Prediction p, Target target) {
		Counts c = p.counts();
		double flops = c.matrixFlops() + c.vectorFlops();
		double percent = 100 * p.rooflineSeconds() / p.seconds();
		StringBuilder s = new StringBuilder();
		boolean l2 = c.bytes() / l2Bandwidth(target) > c.dramBytes() / target.memoryBandwidth();
		s.append(p.memoryBound() ? (l2 ? "memory-bound (L2: tiles re-read " + num(c.bytes() / c.dramBytes()) + "x) at " + pct(percent)
				+ " of L2 bandwidth (" + num(l2Bandwidth(target) / 1e12) + " TB/s assumed)"
				: "memory-bound at " + pct(percent) + " of DRAM bandwidth (" + num(target.memoryBandwidth() / 1e12) + " TB/s)")
				: "compute-bound at " + pct(percent) + " of the " + (c.matrixFlops() > 0 ? "tensor-core " + c.matrixDtype() : "f32 CUDA-core")
						+ " peak");
		s.append(", intensity ").append(num(c.dramBytes() > 0 ? flops / c.dramBytes() : 0)).append(" FLOP/B of DRAM");
		if (p.change() != null) {
			s.append("; ").append(p.change()).append(" predicts ").append(String.format(Locale.ROOT, "%.2fx", p.gain()));
		} else {
			s.append("; no block change predicted to help");
		}
		return s.toString();
	}

	static Prediction predict(Kernel k, Target target) {
		Map<String, Long> dims = new TreeMap<>();
		for (KernelArg a : k.args()) {
			for (Dim d : a.shape()) {
				for (String sym : d.symbols()) {
					dims.put(sym, ASSUMED_DIM);
				}
			}
		}
		long[] grid = new long[k.grid().size()];
		for (int i = 0; i < grid.length; i++) {
			grid[i] = Math.max(1, eval(k.grid().get(i), k, dims, null));
		}
		double programs = 1;
		for (long g : grid) {
			programs *= g;
		}
		double[] perProgram = new double[4]; // bytes, loop bytes, matrix flops, vector flops
		String[] matrixDtype = { null };
		int[] dot = { 0, 0 };
		java.util.Set<String> touched = new java.util.TreeSet<>();
		walk(k.body(), 1, false, k, dims, grid, perProgram, matrixDtype, dot, touched);
		double compulsory = 0;
		for (String name : touched) {
			KernelArg a = k.arg(name);
			double size = Math.max(1, a.dtype().bits() / 8);
			for (Dim d : a.shape()) {
				size *= d.evaluate(dims).orElse(ASSUMED_DIM);
			}
			compulsory += size;
		}
		Counts c = new Counts(programs, Math.min(compulsory, perProgram[0] * programs), perProgram[0] * programs, perProgram[1] * programs, perProgram[2] * programs,
				perProgram[3] * programs, matrixDtype[0], dot[0], dot[1]);
		long sharedBytes = Resources.sharedBytes(k);
		Prediction base = time(k, c, target, sharedBytes, null);
		if (c.dotM() == 0 || c.loopBytes() == 0) {
			return base;
		}
		Prediction best = null;
		for (int axis = 0; axis < 2; axis++) {
			for (double factor : new double[] { 2, 0.5 }) {
				int m = c.dotM(), n = c.dotN();
				int from = axis == 0 ? m : n;
				int to = (int) (from * factor);
				if (to < 16 || to > 256) {
					continue;
				}
				double m2 = axis == 0 ? to : m, n2 = axis == 1 ? to : n;
				double traffic = (1 / n2 + 1 / m2) / (1.0 / n + 1.0 / m);
				Counts changed = new Counts(programs * m * n / (m2 * n2), c.dramBytes(), c.bytes() - c.loopBytes() + c.loopBytes() * traffic,
						c.loopBytes() * traffic, c.matrixFlops(), c.vectorFlops(), c.matrixDtype(), (int) m2, (int) n2);
				long shared = (long) (sharedBytes * (m2 + n2) / (m + n));
				String field = axis == 0 ? "m" : "n";
				Prediction p = time(k, changed, target, shared, field + "=" + from + " -> " + field + "=" + to);
				if (p == null) {
					continue;
				}
				double gain = base.seconds() / p.seconds();
				if (gain >= MIN_GAIN && (best == null || gain > best.gain())) {
					best = new Prediction(k, c, base.seconds(), base.rooflineSeconds(), base.memoryBound(), p.change(), gain);
				}
			}
		}
		return best != null ? best : base;
	}

	/** The prediction for counts {@code c}; null when the blocks would not fit the chip (shared memory). */
	private static Prediction time(Kernel k, Counts c, Target target, long sharedBytes, String change) {
		double bw = target.memoryBandwidth();
		double vector = target.peakVectorFlops("f32").orElse(1e13);
		double matrix = c.matrixDtype() == null ? vector : target.peakMatrixFlops(c.matrixDtype()).orElse(vector);
		double memory = Math.max(c.dramBytes() / bw, c.bytes() / l2Bandwidth(target));
		double compute = c.matrixFlops() / matrix + c.vectorFlops() / vector;
		double roofline = Math.max(memory, compute);
		if (sharedBytes > target.sharedMemoryPerBlock()) {
			return null;
		}
		// The busiest SM decides: programs spread evenly, an SM with fewer resident blocks still gets its share.
		double sms = target.sms();
		double efficiency = c.programs() / (Math.ceil(c.programs() / sms) * sms);
		return new Prediction(k, c, roofline / efficiency, roofline, memory >= compute, change, 1);
	}

	/**
	 * The L2 bandwidth: {@code memory.l2.bandwidth} where the chip description gives it, else
	 * {@link #L2_OVER_DRAM} times the DRAM bandwidth (an assumption: the H100 description has no L2 figure).
	 */
	static double l2Bandwidth(Target target) {
		return target.optDouble("memory.l2.bandwidth").orElse(L2_OVER_DRAM * target.memoryBandwidth());
	}

	private static void walk(List<Stmt> body, double trips, boolean inLoop, Kernel k, Map<String, Long> dims, long[] grid, double[] out,
			String[] matrixDtype, int[] dot, java.util.Set<String> touched) {
		for (Stmt s : body) {
			switch (s) {
				case Stmt.For f -> {
					long lo = eval(f.lo(), k, dims, grid);
					long hi = eval(f.hi(), k, dims, grid);
					long n = Math.max(0, (hi - lo + f.step() - 1) / Math.max(1, f.step()));
					walk(f.body(), trips * n, true, k, dims, grid, out, matrixDtype, dot, touched);
				}
				case Stmt.Load l when k.arg(l.arg()) != null -> global(k.arg(l.arg()), l.result(), trips, inLoop, out, touched);
				case Stmt.AsyncCopy a when k.arg(a.arg()) != null -> global(k.arg(a.arg()), a.result(), trips, inLoop, out, touched);
				case Stmt.Store st when k.arg(st.arg()) != null -> global(k.arg(st.arg()), st.value(), trips, inLoop, out, touched);
				case Stmt.Atomic at when k.arg(at.arg()) != null -> global(k.arg(at.arg()), at.value(), trips, inLoop, out, touched);
				case Stmt.Dot d -> {
					List<Integer> a = d.a().type().shape();
					List<Integer> r = d.result().type().shape();
					double flops = 2.0 * d.result().type().elements() * a.get(a.size() - 1) * trips;
					DType t = d.a().type().dtype();
					if (t.isFloat() && t.bits() <= 16) {
						out[2] += flops;
						matrixDtype[0] = t.sourceName().replace("fp8", "f8");
					} else {
						out[3] += flops;
					}
					if (r.size() >= 2 && dot[0] == 0) {
						dot[0] = r.get(r.size() - 2);
						dot[1] = r.get(r.size() - 1);
					}
				}
				case Stmt.Unary u -> out[3] += u.result().type().elements() * trips;
				case Stmt.Binary b -> out[3] += b.result().type().elements() * trips;
				case Stmt.Select sel -> out[3] += sel.result().type().elements() * trips;
				case Stmt.Reduce red -> out[3] += red.x().type().elements() * trips;
				default -> {
				}
			}
		}
	}

	private static void global(KernelArg arg, TileValue tile, double trips, boolean inLoop, double[] out, java.util.Set<String> touched) {
		if (tile == null) {
			return;
		}
		touched.add(arg.name());
		double bytes = tile.type().elements() * Math.max(1, arg.dtype().bits() / 8) * trips;
		out[0] += bytes;
		if (inLoop) {
			out[1] += bytes;
		}
	}

	/** An index at the assumed dims: program ids at the middle of their axis ({@code grid} null: 0), loop variables 0. */
	private static long eval(Index i, Kernel k, Map<String, Long> dims, long[] grid) {
		try {
			return i.evaluate(leaf -> switch (leaf) {
				case Index.Extent e -> {
					KernelArg a = k.arg(e.arg());
					yield a == null || e.axis() >= a.shape().size() ? ASSUMED_DIM : a.shape().get(e.axis()).evaluate(dims).orElse(ASSUMED_DIM);
				}
				case Index.ProgramId p -> grid == null || p.axis() >= grid.length ? 0 : grid[p.axis()] / 2;
				default -> 0;
			});
		} catch (RuntimeException e) {
			return 1;
		}
	}

	private static String time(double seconds) {
		if (seconds >= 1e-3) {
			return num(seconds * 1e3) + " ms";
		}
		return num(seconds * 1e6) + " us";
	}

	private static String pct(double p) {
		return String.format(Locale.ROOT, "%.0f%%", Math.min(100, p));
	}

	/** Three significant digits, fixed notation. */
	private static String num(double v) {
		if (v >= 100) {
			return String.format(Locale.ROOT, "%.0f", v);
		}
		if (v >= 10) {
			return String.format(Locale.ROOT, "%.1f", v);
		}
		return String.format(Locale.ROOT, "%.2f", v);
	}
}
