package dev.forge.profiler;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.host.HostExecutable;
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.TileFunction;

/**
 * Runs a compiled function on the host CPU and checks it: the shared {@link Runner} (seeded
 * inputs, the reference interpreter as the correctness gate, timing, report) over a
 * {@link HostExecutor}. The request and result types here are those of every runner ({@link GpuRunner} too).
 */
public final class HostRunner {

	/**
	 * What to run. {@code graph} is null for a @kernel; {@code scalarDefaults} gives the values of
	 * scalar parameters not in {@code inputs}; {@code inputs} may give any input (shapes are checked;
	 * values are converted to the parameter's dtype).
	 */
	public record Request(String function, TileFunction tile, GraphFunction graph, Map<String, Long> dims, long seed,
			Map<String, HostTensor> inputs, Map<String, Double> scalarDefaults, boolean profile, String target) {
	}

	/**
	 * The report and the outputs of the compiled code at the requested dims (for --save-outputs), in
	 * native memory that lives while they are reachable: an output may have more than 2^31 elements.
	 */
	public record Result(RunReport report, Map<String, HostTensor> outputs, List<KernelTime> kernels) {
	}

	/** One kernel's share of a profiled run: its mean time over the profiled runs. */
	public record KernelTime(String name, long programs, double meanMs) {
	}

	private HostRunner() {
	}

	/** The dim symbols a run must bind: those of the input and output shapes and of dim buffers (e.g. heads). */
	public static SequencedSet<String> freeDims(TileFunction f) {
		return Runner.freeDims(f);
	}

	public static Result run(Request request) {
		try (HostExecutable exe = HostExecutable.compile(request.tile())) {
			return run(request, exe);
		}
	}

	/** As above, with the function already compiled (or loaded from the artifact cache) into {@code exe}. */
	public static Result run(Request request, HostExecutable exe) {
		HostCapacity capacity = HostCapacity.current();
		return Runner.run(request, new HostExecutor(exe, Runtime.getRuntime().availableProcessors(), capacity), null, capacity);
	}

	/** {@code exe} on all cores behind the runner's executor seam (what the autotuner gates and times). */
	public static Runner.Executor executor(HostExecutable exe) {
		return new HostExecutor(exe, Runtime.getRuntime().availableProcessors(), HostCapacity.current());
	}

	/**
	 * The correctness gate alone (no timing) within {@code capacity}: what a test of many dims runs.
	 * Dims the program or the memory cannot take are refused before any input is allocated.
	 */
	public static Runner.Check check(Request request, HostCapacity capacity) {
		try (HostExecutable exe = HostExecutable.compile(request.tile())) {
			return Runner.check(request, new HostExecutor(exe, Runtime.getRuntime().availableProcessors(), capacity), capacity);
		}
	}

	/**
	 * The inputs `forge run --seed seed` draws for {@code tile} (null {@code graph} for a kernel) when
	 * none are given, as the reference interpreter sees them (f64 arrays: at most 2^31 elements each).
	 */
	public static Map<String, NdArray> inputs(TileFunction tile, GraphFunction graph, Map<String, Long> dims, long seed,
			Map<String, Double> scalarDefaults) {
		try (Arena arena = Arena.ofConfined()) {
			Map<String, NdArray> out = new LinkedHashMap<>();
			Runner.inputs(tile, graph, dims, seed, Map.of(), scalarDefaults, arena).forEach((name, t) -> out.put(name, t.toNdArray()));
			return out;
		}
	}

	/** {@code arrays} (input name to values) as tensors in the dtypes of {@code tile}'s inputs: given inputs for a {@link Request}. */
	public static Map<String, HostTensor> given(TileFunction tile, Map<String, NdArray> arrays) {
		Map<String, HostTensor> out = new LinkedHashMap<>();
		arrays.forEach((name, a) -> {
			Buffer b = tile.buffer(name);
			if (b == null || b.role() != Buffer.Role.INPUT) {
				throw new IllegalArgumentException("@" + tile.name() + " has no input '" + name + "'");
			}
			out.put(name, HostTensor.of(a, b.dtype()));
		});
		return out;
	}
}
