package dev.forge.profiler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.Set;
import java.util.SplittableRandom;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.Op;
import dev.forge.compiler.graph.Value;
import dev.forge.compiler.interp.Interpreter;
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.KernelArg;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileInterpreter;
import dev.forge.types.DType;
import dev.forge.types.Dim;

/**
 * The run every device shares, written once: seeded random inputs (or given ones), the compiled
 * code on them through an {@link Executor} (host CPU or GPU), the reference interpreter on the same
 * inputs (the Graph IR interpreter for modeling functions, the Tile IR interpreter for kernels), a
 * comparison with the dtype's tolerance, then timing and the report. When the reference would take
 * too long at the requested dims, the check runs on a reduced instance of the same program (dims
 * halved until it is small) and the report says so.
 */
public final class Runner {

	/** Above this many reference FLOPs the check runs on a reduced instance (the f64 interpreter does ~50-100 MFLOP/s). */
	static final long REFERENCE_FLOP_BUDGET = 60_000_000L;

	/** One compiled function on one device: what differs between the host and a GPU. */
	public interface Executor {

		/** The device's name for the report ("NVIDIA H100 80GB HBM3"), or null where the target says enough (the host). */
		String device();

		/**
		 * Refuses, before any input is drawn, a run at {@code dims} that the device cannot hold (the
		 * host takes whatever the JVM can allocate).
		 */
		default void admit(Map<String, Long> dims) {
		}

		/** Runs the function once on {@code inputs} at {@code dims} and returns its outputs by buffer name. */
		Map<String, NdArray> execute(Map<String, NdArray> inputs, Map<String, Long> dims);

		/**
		 * Times the function at {@code dims} ({@link Timing#PROFILE_BUDGET} when {@code profile}, else
		 * {@link Timing#RUN_BUDGET}); with {@code keepOutputs} also returns the outputs of a run, and
		 * with {@code profile} each kernel's share.
		 */
		Measured measure(Map<String, NdArray> inputs, Map<String, Long> dims, boolean profile, boolean keepOutputs);
	}

	/**
	 * What {@link Executor#measure} found.
	 *
	 * @param timing  the timed runs
	 * @param outputs the outputs by buffer name, or null when not asked for
	 * @param kernels each kernel's mean time (empty unless profiling)
	 * @param method  how the time was taken when it is not plain wall-clock time ("CUDA events, L2 flushed
	 *                before each run"), or null
	 */
	public record Measured(Timing timing, Map<String, NdArray> outputs, List<HostRunner.KernelTime> kernels, String method) {
		public Measured {
			kernels = List.copyOf(kernels);
		}
	}

	private Runner() {
	}

	/** Checks and times {@code request} on {@code executor}; {@code peaks} (nullable) adds the share of the chip's peaks. */
	public static HostRunner.Result run(HostRunner.Request request, Executor executor, Peaks peaks) {
		TileFunction f = request.tile();
		checkDims(f, request.dims());
		executor.admit(request.dims());
		// 1. Correctness: the same inputs through the compiled code and the reference.
		Map<String, Long> checkDims = request.inputs().isEmpty() ? reduced(f, request.graph(), request.dims()) : request.dims();
		boolean full = checkDims.equals(request.dims());
		Map<String, NdArray> checkInputs = inputs(request, checkDims);
		Map<String, NdArray> actual = executor.execute(checkInputs, checkDims);
		Map<String, NdArray> expected = reference(request, checkInputs, checkDims);
		List<NdArray> a = new ArrayList<>();
		List<NdArray> e = new ArrayList<>();
		List<DType> types = new ArrayList<>();
		for (Buffer b : f.buffers(Buffer.Role.OUTPUT)) {
			a.add(actual.get(b.name()));
			e.add(expected.get(b.name()));
			types.add(b.dtype());
		}
		Comparison comparison = Comparison.compareAll(a, e, types);
		String reference = (request.graph() != null ? "Graph IR" : "Tile IR") + " interpreter in f64, "
				+ (full ? "same inputs" : "reduced instance " + Dims.format(checkDims));

		// 2. Timing at the requested dims.
		Map<String, NdArray> runInputs = full ? checkInputs : inputs(request, request.dims());
		Measured measured = executor.measure(runInputs, request.dims(), request.profile(), !full);
		Map<String, NdArray> outputs = full ? actual : measured.outputs();
		WorkCounts work = request.graph() != null ? WorkCounts.of(request.graph(), request.dims())
				: new WorkCounts(TileWork.flops(f, request.dims()), TileWork.bytes(f, request.dims()));
		RunReport report = RunReport.of(request.function(), request.target(), request.dims(), request.seed(), reference, comparison,
				measured.timing(), work).on(executor.device(), measured.method()).withPeaks(peaks);
		return new HostRunner.Result(report, outputs, request.profile() ? measured.kernels() : List.of());
	}

	/** The dim symbols a run must bind: those of the input and output shapes and of dim buffers (e.g. heads). */
	public static SequencedSet<String> freeDims(TileFunction f) {
		SequencedSet<String> out = new LinkedHashSet<>();
		for (Buffer b : f.buffers()) {
			for (Dim d : b.shape()) {
				out.addAll(d.symbols());
			}
			if (b.dim() != null) {
				out.addAll(b.dim().symbols());
			}
		}
		return out;
	}

	private static Map<String, NdArray> reference(HostRunner.Request request, Map<String, NdArray> inputs, Map<String, Long> dims) {
		if (request.graph() == null) {
			return TileInterpreter.run(request.tile(), inputs, dims);
		}
		List<NdArray> results = Interpreter.run(request.graph(), dims, inputs);
		Map<String, NdArray> out = new LinkedHashMap<>();
		List<Buffer> outputs = request.tile().buffers(Buffer.Role.OUTPUT);
		for (int i = 0; i < outputs.size(); i++) {
			out.put(outputs.get(i).name(), results.get(i));
		}
		return out;
	}

	private static Map<String, NdArray> inputs(HostRunner.Request request, Map<String, Long> dims) {
		return inputs(request.tile(), request.graph(), dims, request.seed(), request.inputs(), request.scalarDefaults());
	}

	/**
	 * Given inputs where there are, the scalar defaults, else seeded random values in [-1, 1) (one
	 * stream per input). A parameter that enters a matmul from the right (a weight) is scaled by
	 * 1/sqrt(K), as a model's initializer does, so that activations stay near 1 through deep
	 * programs and a bf16 result can be compared with the f64 reference.
	 */
	public static Map<String, NdArray> inputs(TileFunction tile, GraphFunction graph, Map<String, Long> dims, long seed,
			Map<String, NdArray> givenInputs, Map<String, Double> scalarDefaults) {
		Map<String, Double> scales = graph == null ? Map.of() : weightScales(graph, dims);
		SplittableRandom root = new SplittableRandom(seed);
		Map<String, NdArray> out = new LinkedHashMap<>();
		for (Buffer b : tile.buffers(Buffer.Role.INPUT)) {
			SplittableRandom random = root.split();
			long[] shape = shape(b.shape(), dims);
			NdArray given = givenInputs.get(b.name());
			if (given != null) {
				if (!Arrays.equals(given.shape(), shape)) {
					throw new IllegalArgumentException("input '" + b.name() + "' has shape " + Arrays.toString(given.shape())
							+ " but the function expects " + Arrays.toString(shape) + " " + b.shape());
				}
				out.put(b.name(), given);
			} else if (b.shape().isEmpty() && scalarDefaults.containsKey(b.name())) {
				out.put(b.name(), NdArray.scalar(scalarDefaults.get(b.name())));
			} else {
				NdArray values = RandomInputs.tensor(shape, b.dtype(), random);
				Double scale = scales.get(b.name());
				if (scale != null) {
					double[] d = values.data();
					for (int i = 0; i < d.length; i++) {
						d[i] = Rounding.round(d[i] * scale, b.dtype());
					}
					values = new NdArray(shape, d);
				}
				out.put(b.name(), values);
			}
		}
		return out;
	}

	/** 1/sqrt(K) for each parameter that is (through casts, transposes and views) the right operand of a matmul. */
	static Map<String, Double> weightScales(GraphFunction g, Map<String, Long> dims) {
		Map<Value, Op> definitions = new HashMap<>();
		for (Op op : g.body()) {
			definitions.put(op.result(), op);
		}
		Map<Value, String> params = new HashMap<>();
		for (GraphFunction.Param p : g.params()) {
			params.put(p.value(), p.name());
		}
		Map<String, Double> scales = new HashMap<>();
		for (Op op : g.body()) {
			if (op instanceof Op.MatMul m) {
				List<Dim> lhs = m.lhs().type().dims();
				long k = TileWork.value(lhs.get(lhs.size() - 1), dims);
				Value v = m.rhs();
				while (definitions.get(v) instanceof Op d
						&& (d instanceof Op.Cast || d instanceof Op.Transpose || d instanceof Op.Reshape || d instanceof Op.BroadcastTo)) {
					v = d.operands().get(0);
				}
				if (params.containsKey(v) && k > 0) {
					scales.merge(params.get(v), 1 / Math.sqrt(k), Math::min);
				}
			}
		}
		return scales;
	}

	/** Halves the largest dim while the reference work is over budget and every view still fits its buffer. */
	static Map<String, Long> reduced(TileFunction f, GraphFunction graph, Map<String, Long> dims) {
		Map<String, Long> current = new LinkedHashMap<>(dims);
		Set<String> frozen = new HashSet<>();
		while (work(f, graph, current) > REFERENCE_FLOP_BUDGET) {
			String largest = null;
			for (Map.Entry<String, Long> e : current.entrySet()) {
				if (!frozen.contains(e.getKey()) && e.getValue() > 1 && (largest == null || e.getValue() > current.get(largest))) {
					largest = e.getKey();
				}
			}
			if (largest == null) {
				break;
			}
			Map<String, Long> next = new LinkedHashMap<>(current);
			next.put(largest, (current.get(largest) + 1) / 2);
			if (consistent(f, next)) {
				current = next;
			} else {
				frozen.add(largest);
			}
		}
		return current;
	}

	private static long work(TileFunction f, GraphFunction graph, Map<String, Long> dims) {
		return graph != null ? WorkCounts.of(graph, dims).flops() : TileWork.flops(f, dims);
	}

	/** Every kernel argument's view has its buffer's element count, and no dim is 0. */
	static boolean consistent(TileFunction f, Map<String, Long> dims) {
		for (Kernel k : f.kernels()) {
			for (KernelArg a : k.args()) {
				Buffer b = f.buffer(a.buffer());
				long view = TileWork.elements(a.shape(), dims);
				if (view <= 0 || view != TileWork.elements(b.shape(), dims)) {
					return false;
				}
			}
		}
		return true;
	}

	/** Every free dim bound and positive, every view consistent: else a message that says what to pass. */
	static void checkDims(TileFunction f, Map<String, Long> dims) {
		List<String> missing = new ArrayList<>();
		for (String s : freeDims(f)) {
			if (!dims.containsKey(s)) {
				missing.add(s);
			}
		}
		if (!missing.isEmpty()) {
			throw new IllegalArgumentException("missing dims: " + String.join(", ", missing) + " (pass --dims "
					+ String.join(",", missing.stream().map(s -> s + "=...").toList()) + ")");
		}
		if (!consistent(f, dims)) {
			throw new IllegalArgumentException("the dims " + Dims.format(dims)
					+ " do not fit the function's reshapes (e.g. a dim split into D//heads must divide evenly)");
		}
	}

	static long[] shape(List<Dim> dims, Map<String, Long> values) {
		long[] s = new long[dims.size()];
		for (int i = 0; i < s.length; i++) {
			s[i] = TileWork.value(dims.get(i), values);
		}
		return s;
	}
}
