package dev.forge.profiler;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.SplittableRandom;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.host.HostExecutable;
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
 * Runs a compiled function on the host CPU and checks it: seeded random inputs (or given ones),
 * the compiled code, the reference interpreter on the same inputs (the Graph IR interpreter for
 * modeling functions, the Tile IR interpreter for kernels), a comparison with the dtype's
 * tolerance, then timing. When the reference would take too long at the requested dims, both run
 * on a reduced instance of the same program (dims halved until it is small) and the report says so.
 */
public final class HostRunner {

	/** Above this many reference FLOPs the check runs on a reduced instance (the f64 interpreter does ~50-100 MFLOP/s). */
	static final long REFERENCE_FLOP_BUDGET = 60_000_000L;

	/**
	 * What to run. {@code graph} is null for a @kernel; {@code scalarDefaults} gives the values of
	 * scalar parameters not in {@code inputs}; {@code inputs} may give any input (shapes are checked).
	 */
	public record Request(String function, TileFunction tile, GraphFunction graph, Map<String, Long> dims, long seed,
			Map<String, NdArray> inputs, Map<String, Double> scalarDefaults, boolean profile, String target) {
	}

	/** The report and the outputs of the compiled code at the requested dims (for --save-outputs). */
	public record Result(RunReport report, Map<String, NdArray> outputs, List<KernelTime> kernels) {
	}

	/** One kernel's share of a profiled run: its mean time over the profiled runs. */
	public record KernelTime(String name, long programs, double meanMs) {
	}

	private HostRunner() {
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

	public static Result run(Request request) {
		TileFunction f = request.tile();
		checkDims(f, request.dims());
		int threads = Runtime.getRuntime().availableProcessors();
		try (HostExecutable exe = HostExecutable.compile(f); Arena arena = Arena.ofShared()) {
			// 1. Correctness: the same inputs through the compiled code and the reference.
			Map<String, Long> checkDims = request.inputs().isEmpty() ? reduced(f, request.graph(), request.dims())
					: request.dims();
			boolean full = checkDims.equals(request.dims());
			Map<String, NdArray> checkInputs = inputs(request, checkDims);
			Map<String, NdArray> actual = execute(exe, arena, checkInputs, checkDims, threads);
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
			Map<String, MemorySegment> memory = memory(f, arena, runInputs, request.dims());
			Timing timing = Timing.measure(() -> exe.run(memory, request.dims(), threads),
					request.profile() ? Timing.PROFILE_BUDGET : Timing.RUN_BUDGET);
			Map<String, NdArray> outputs = full ? actual : outputs(f, memory, request.dims());
			WorkCounts work = request.graph() != null ? WorkCounts.of(request.graph(), request.dims())
					: new WorkCounts(TileWork.flops(f, request.dims()), TileWork.bytes(f, request.dims()));
			RunReport report = RunReport.of(request.function(), request.target(), request.dims(), request.seed(), reference,
					comparison, timing, work);
			List<KernelTime> kernels = request.profile() ? kernelTimes(exe, memory, request.dims(), threads) : List.of();
			return new Result(report, outputs, kernels);
		}
	}

	private static List<KernelTime> kernelTimes(HostExecutable exe, Map<String, MemorySegment> memory, Map<String, Long> dims,
			int threads) {
		List<KernelTime> out = new ArrayList<>();
		TileFunction f = exe.function();
		long[] nanos = new long[f.kernels().size()];
		int[] runs = new int[1];
		Timing.measure(() -> {
			exe.run(memory, dims, threads, nanos);
			runs[0]++;
		}, Duration.ofMillis(1000));
		for (int k = 0; k < f.kernels().size(); k++) {
			Kernel kk = f.kernels().get(k);
			Map<String, long[]> extents = TileWork.extents(f, kk, dims);
			long programs = 1;
			for (var g : kk.grid()) {
				programs *= g.evaluate(extents);
			}
			out.add(new KernelTime(kk.name(), programs, nanos[k] / 1e6 / Math.max(1, runs[0])));
		}
		return out;
	}

	private static Map<String, NdArray> execute(HostExecutable exe, Arena arena, Map<String, NdArray> inputs, Map<String, Long> dims,
			int threads) {
		Map<String, MemorySegment> memory = memory(exe.function(), arena, inputs, dims);
		exe.run(memory, dims, threads);
		return outputs(exe.function(), memory, dims);
	}

	private static Map<String, MemorySegment> memory(TileFunction f, Arena arena, Map<String, NdArray> inputs, Map<String, Long> dims) {
		Map<String, MemorySegment> memory = new HashMap<>();
		for (Buffer b : f.buffers()) {
			switch (b.role()) {
				case INPUT -> memory.put(b.name(), HostMemory.write(arena, inputs.get(b.name()), b.dtype()));
				case OUTPUT -> {
					// All bits set: NaN in every float dtype, so an element no kernel writes cannot pass as 0.
					MemorySegment s = HostMemory.allocate(arena, TileWork.elements(b.shape(), dims), b.dtype());
					s.fill((byte) 0xFF);
					memory.put(b.name(), s);
				}
				default -> {
				}
			}
		}
		return memory;
	}

	private static Map<String, NdArray> outputs(TileFunction f, Map<String, MemorySegment> memory, Map<String, Long> dims) {
		Map<String, NdArray> out = new LinkedHashMap<>();
		for (Buffer b : f.buffers(Buffer.Role.OUTPUT)) {
			out.put(b.name(), HostMemory.read(memory.get(b.name()), shape(b.shape(), dims), b.dtype()));
		}
		return out;
	}

	private static Map<String, NdArray> reference(Request request, Map<String, NdArray> inputs, Map<String, Long> dims) {
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

	/**
	 * Given inputs where there are, the scalar defaults, else seeded random values in [-1, 1) (one
	 * stream per input). A parameter that enters a matmul from the right (a weight) is scaled by
	 * 1/sqrt(K), as a model's initializer does, so that activations stay near 1 through deep
	 * programs and a bf16 result can be compared with the f64 reference.
	 */
	private static Map<String, NdArray> inputs(Request request, Map<String, Long> dims) {
		return inputs(request.tile(), request.graph(), dims, request.seed(), request.inputs(), request.scalarDefaults());
	}

	/** The inputs `forge run --seed seed` draws for {@code tile} (null {@code graph} for a kernel) when none are given. */
	public static Map<String, NdArray> inputs(TileFunction tile, GraphFunction graph, Map<String, Long> dims, long seed,
			Map<String, Double> scalarDefaults) {
		return inputs(tile, graph, dims, seed, Map.of(), scalarDefaults);
	}

	private static Map<String, NdArray> inputs(TileFunction tile, GraphFunction graph, Map<String, Long> dims, long seed,
			Map<String, NdArray> givenInputs, Map<String, Double> scalarDefaults) {
		Request request = new Request(null, tile, graph, dims, seed, givenInputs, scalarDefaults, false, null);
		Map<String, Double> scales = request.graph() == null ? Map.of() : weightScales(request.graph(), dims);
		SplittableRandom root = new SplittableRandom(request.seed());
		Map<String, NdArray> out = new LinkedHashMap<>();
		for (Buffer b : request.tile().buffers(Buffer.Role.INPUT)) {
			SplittableRandom random = root.split();
			long[] shape = shape(b.shape(), dims);
			NdArray given = request.inputs().get(b.name());
			if (given != null) {
				if (!java.util.Arrays.equals(given.shape(), shape)) {
					throw new IllegalArgumentException("input '" + b.name() + "' has shape " + java.util.Arrays.toString(given.shape())
							+ " but the function expects " + java.util.Arrays.toString(shape) + " " + b.shape());
				}
				out.put(b.name(), given);
			} else if (b.shape().isEmpty() && request.scalarDefaults().containsKey(b.name())) {
				out.put(b.name(), NdArray.scalar(request.scalarDefaults().get(b.name())));
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
		Map<dev.forge.compiler.graph.Value, dev.forge.compiler.graph.Op> definitions = new HashMap<>();
		for (dev.forge.compiler.graph.Op op : g.body()) {
			definitions.put(op.result(), op);
		}
		Map<dev.forge.compiler.graph.Value, String> params = new HashMap<>();
		for (GraphFunction.Param p : g.params()) {
			params.put(p.value(), p.name());
		}
		Map<String, Double> scales = new HashMap<>();
		for (dev.forge.compiler.graph.Op op : g.body()) {
			if (op instanceof dev.forge.compiler.graph.Op.MatMul m) {
				List<Dim> lhs = m.lhs().type().dims();
				long k = TileWork.value(lhs.get(lhs.size() - 1), dims);
				dev.forge.compiler.graph.Value v = m.rhs();
				while (definitions.get(v) instanceof dev.forge.compiler.graph.Op d && (d instanceof dev.forge.compiler.graph.Op.Cast
						|| d instanceof dev.forge.compiler.graph.Op.Transpose || d instanceof dev.forge.compiler.graph.Op.Reshape
						|| d instanceof dev.forge.compiler.graph.Op.BroadcastTo)) {
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
		java.util.Set<String> frozen = new java.util.HashSet<>();
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

	private static long[] shape(List<Dim> dims, Map<String, Long> values) {
		long[] s = new long[dims.size()];
		for (int i = 0; i < s.length; i++) {
			s[i] = TileWork.value(dims.get(i), values);
		}
		return s;
	}
}
