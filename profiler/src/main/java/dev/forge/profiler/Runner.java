package dev.forge.profiler;

import java.lang.foreign.Arena;
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
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.types.Dim;

/**
 * The run every device shares, written once: seeded random inputs (or given ones), the compiled
 * code on them through an {@link Executor} (host CPU or GPU), the reference interpreter on the same
 * inputs (the Graph IR interpreter for modeling functions, the Tile IR interpreter for kernels), a
 * comparison with the dtype's tolerance, then timing and the report. When the reference would take
 * too long at the requested dims, or not fit in f64 arrays, the check runs on a reduced instance of
 * the same program (dims halved until it is small) and the report says so.
 *
 * <p>Inputs and outputs are {@link HostTensor}s: drawn straight into native memory in their dtype,
 * so that the timed run at the requested dims holds no f64 copy and a tensor of more than 2^31
 * elements runs wherever its native memory fits. Only the check's instance is copied to f64.
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

		/**
		 * Runs the function once on {@code inputs} (each in its buffer's dtype) at {@code dims} and
		 * returns its outputs by buffer name, in memory that lives while they are reachable.
		 */
		Map<String, HostTensor> execute(Map<String, HostTensor> inputs, Map<String, Long> dims);

		/**
		 * Times the function at {@code dims} ({@link Timing#PROFILE_BUDGET} when {@code profile}, else
		 * {@link Timing#RUN_BUDGET}); with {@code keepOutputs} also returns the outputs of a run, and
		 * with {@code profile} each kernel's share.
		 */
		Measured measure(Map<String, HostTensor> inputs, Map<String, Long> dims, boolean profile, boolean keepOutputs);
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
	public record Measured(Timing timing, Map<String, HostTensor> outputs, List<HostRunner.KernelTime> kernels, String method) {
		public Measured {
			kernels = List.copyOf(kernels);
		}
	}

	private Runner() {
	}

	/**
	 * What the correctness gate found.
	 *
	 * @param dims       the dims it checked at: the requested ones, or a reduced instance
	 * @param comparison the outputs against the reference
	 * @param reference  how the reference ran, for the report
	 * @param inputs     the inputs it drew (or was given) at {@code dims}
	 * @param outputs    the device's outputs at {@code dims}
	 */
	public record Check(Map<String, Long> dims, Comparison comparison, String reference, Map<String, HostTensor> inputs,
			Map<String, HostTensor> outputs) {
	}

	/** Checks and times {@code request} on {@code executor}; {@code peaks} (nullable) adds the share of the chip's peaks. */
	public static HostRunner.Result run(HostRunner.Request request, Executor executor, Peaks peaks) {
		return run(request, executor, peaks, HostCapacity.current());
	}

	/** As above, with the host memory the f64 copies and the reference may take. */
	public static HostRunner.Result run(HostRunner.Request request, Executor executor, Peaks peaks, HostCapacity capacity) {
		// 1. Correctness: the same inputs through the compiled code and the reference.
		return time(request, executor, peaks, check(request, executor, capacity));
	}

	/**
	 * Times {@code request} on {@code executor} after its correctness gate found {@code check}: at the
	 * requested dims, on the check's tensors when it ran there, else on new ones drawn in native memory.
	 */
	public static HostRunner.Result time(HostRunner.Request request, Executor executor, Peaks peaks, Check check) {
		TileFunction f = request.tile();
		boolean full = check.dims().equals(request.dims()) && check.inputs() != null;
		// Timed runs repeat on the same memory: outputs that atomics accumulate come from one more single run.
		boolean accumulates = !f.atomicallyUpdated().isEmpty();
		Measured measured;
		Map<String, HostTensor> outputs;
		if (full) {
			measured = executor.measure(check.inputs(), request.dims(), request.profile(), false);
			outputs = check.outputs();
		} else {
			check = new Check(check.dims(), check.comparison(), check.reference(), null, null); // let the reduced instance's tensors go
			try (Arena arena = Arena.ofShared()) { // the full-size inputs, freed as soon as the timing is done
				Map<String, HostTensor> runInputs = inputs(request, request.dims(), arena);
				measured = executor.measure(runInputs, request.dims(), request.profile(), !accumulates);
				outputs = accumulates ? executor.execute(runInputs, request.dims()) : measured.outputs();
			}
		}
		WorkCounts work = work(request);
		RunReport report = RunReport.of(request.function(), request.target(), request.dims(), request.seed(), check.reference(), check.comparison(),
				measured.timing(), work).on(executor.device(), measured.method()).withPeaks(peaks);
		return new HostRunner.Result(report, outputs, request.profile() ? measured.kernels() : List.of());
	}

	/** The FLOPs and bytes of the whole function at the request's dims. */
	public static WorkCounts work(HostRunner.Request request) {
		return request.graph() != null ? WorkCounts.of(request.graph(), request.dims())
				: new WorkCounts(TileWork.flops(request.tile(), request.dims()), TileWork.bytes(request.tile(), request.dims()));
	}

	/**
	 * The correctness gate alone, without timing: the dims checked against the program, the run
	 * admitted by the device and by the host's memory before any input is drawn, then the compiled
	 * code and the reference on the same inputs, on a reduced instance when the reference would take
	 * too long or not fit in the heap at the requested dims ({@link Gate}).
	 *
	 * @throws IllegalArgumentException (one line) for dims the program or the memory cannot take
	 */
	public static Check check(HostRunner.Request request, Executor executor, HostCapacity capacity) {
		return Gate.prepare(request, capacity, executor::admit).check(executor);
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

	/** The inputs at {@code dims} in {@code arena}: the given ones where the dims are the requested ones. */
	private static Map<String, HostTensor> inputs(HostRunner.Request request, Map<String, Long> dims, Arena arena) {
		Map<String, HostTensor> given = dims.equals(request.dims()) ? request.inputs() : Map.of();
		return inputs(request.tile(), request.graph(), dims, request.seed(), given, request.scalarDefaults(), arena);
	}

	/**
	 * Given inputs where there are (converted to the buffer's dtype), the scalar defaults, else seeded
	 * random values in [-1, 1) (one stream per input) drawn straight into native memory of
	 * {@code arena}. A parameter that enters a matmul from the right (a weight) is scaled by 1/sqrt(K),
	 * as a model's initializer does, so that activations stay near 1 through deep programs and a bf16
	 * result can be compared with the f64 reference.
	 */
	public static Map<String, HostTensor> inputs(TileFunction tile, GraphFunction graph, Map<String, Long> dims, long seed,
			Map<String, HostTensor> givenInputs, Map<String, Double> scalarDefaults, Arena arena) {
		Map<String, Double> scales = graph == null ? Map.of() : weightScales(graph, dims);
		SplittableRandom root = new SplittableRandom(seed);
		Map<String, HostTensor> out = new LinkedHashMap<>();
		for (Buffer b : tile.buffers(Buffer.Role.INPUT)) {
			SplittableRandom random = root.split();
			long[] shape = shape(b.shape(), dims);
			HostTensor given = givenInputs.get(b.name());
			if (given != null) {
				if (!Arrays.equals(given.shape(), shape)) {
					throw new IllegalArgumentException("input '" + b.name() + "' has shape " + Arrays.toString(given.shape())
							+ " but the function expects " + Arrays.toString(shape) + " " + b.shape());
				}
				out.put(b.name(), given.as(arena, b.dtype()));
			} else if (b.shape().isEmpty() && scalarDefaults.containsKey(b.name())) {
				out.put(b.name(), HostTensor.of(arena, NdArray.scalar(scalarDefaults.get(b.name())), b.dtype()));
			} else {
				HostTensor values = HostTensor.allocate(arena, shape, b.dtype());
				RandomInputs.fill(values, random, scales.getOrDefault(b.name(), 1.0));
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

	/** As below, with no limit on the reference's memory. */
	static Map<String, Long> reduced(TileFunction f, GraphFunction graph, Map<String, Long> dims) {
		return reduced(f, graph, dims, Long.MAX_VALUE);
	}

	/**
	 * Halves the largest dim while the reference work is over budget or its f64 values do not fit in
	 * {@code heapBytes}, and every view still fits its buffer.
	 */
	static Map<String, Long> reduced(TileFunction f, GraphFunction graph, Map<String, Long> dims, long heapBytes) {
		Map<String, Long> current = new LinkedHashMap<>(dims);
		Set<String> frozen = new HashSet<>();
		while (work(f, graph, current) > REFERENCE_FLOP_BUDGET || !HostFootprint.of(f, graph, current).referenceFits(heapBytes)) {
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

	/** The reference's FLOPs at {@code dims}; past 2^63 it is simply over budget. */
	private static long work(TileFunction f, GraphFunction graph, Map<String, Long> dims) {
		try {
			return graph != null ? WorkCounts.of(graph, dims).flops() : TileWork.flops(f, dims);
		} catch (ArithmeticException e) {
			return Long.MAX_VALUE;
		}
	}

	static boolean consistent(TileFunction f, Map<String, Long> dims) {
		return DimCheck.consistent(f, dims);
	}

	static long[] shape(List<Dim> dims, Map<String, Long> values) {
		long[] s = new long[dims.size()];
		for (int i = 0; i < s.length; i++) {
			s[i] = TileWork.value(dims.get(i), values);
		}
		return s;
	}
}
