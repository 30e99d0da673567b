package dev.forge.profiler;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.forge.compiler.host.HostExecutable;
import dev.forge.compiler.host.KernelAbi;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.LaunchPlan;
import dev.forge.compiler.tile.TileFunction;

/**
 * The host CPU under the {@link Runner}: the JIT-compiled kernels over all cores, reading the input
 * tensors where they lie (native memory in the buffers' dtypes, no copy) and writing outputs into new
 * native tensors, with wall-clock timing ({@link Timing}).
 */
final class HostExecutor implements Runner.Executor {

	private final HostExecutable exe;
	private final int threads;
	private final HostCapacity capacity;

	HostExecutor(HostExecutable exe, int threads, HostCapacity capacity) {
		this.exe = exe;
		this.threads = threads;
		this.capacity = capacity;
	}

	/** Refuses a run whose native inputs, outputs and temporaries exceed the machine's available memory. */
	@Override
	public void admit(Map<String, Long> dims) {
		HostMemoryException.checkNative(exe.function().name(), Dims.format(dims), HostFootprint.of(exe.function(), null, dims), capacity);
	}

	@Override
	public String device() {
		return null;
	}

	@Override
	public Map<String, HostTensor> execute(Map<String, HostTensor> inputs, Map<String, Long> dims) {
		Map<String, HostTensor> outputs = outputs(dims, Arena.ofAuto());
		exe.run(memory(inputs, outputs), dims, threads);
		return outputs;
	}

	@Override
	public Runner.Measured measure(Map<String, HostTensor> inputs, Map<String, Long> dims, boolean profile, boolean keepOutputs) {
		// Outputs not kept are freed when the timing is done, not when a collector gets to them.
		try (Arena scratch = Arena.ofShared()) {
			Map<String, HostTensor> outputs = outputs(dims, keepOutputs ? Arena.ofAuto() : scratch);
			Map<String, MemorySegment> memory = memory(inputs, outputs);
			Timing timing = Timing.measure(() -> exe.run(memory, dims, threads), profile ? Timing.PROFILE_BUDGET : Timing.RUN_BUDGET);
			return new Runner.Measured(timing, keepOutputs ? outputs : null, profile ? kernelTimes(memory, dims) : List.of(), null);
		}
	}

	private List<HostRunner.KernelTime> kernelTimes(Map<String, MemorySegment> memory, Map<String, Long> dims) {
		TileFunction f = exe.function();
		long[] nanos = new long[f.kernels().size()];
		int[] runs = new int[1];
		Timing.measure(() -> {
			exe.run(memory, dims, threads, nanos);
			runs[0]++;
		}, Duration.ofMillis(1000));
		List<LaunchPlan.KernelLaunch> launches = LaunchPlan.of(f, dims, KernelAbi::storageBytes).kernels();
		List<HostRunner.KernelTime> out = new ArrayList<>();
		for (int k = 0; k < launches.size(); k++) {
			out.add(new HostRunner.KernelTime(launches.get(k).kernel().name(), launches.get(k).programs(), nanos[k] / 1e6 / Math.max(1, runs[0])));
		}
		return out;
	}

	private Map<String, MemorySegment> memory(Map<String, HostTensor> inputs, Map<String, HostTensor> outputs) {
		Map<String, MemorySegment> memory = new HashMap<>();
		for (Buffer b : exe.function().buffers(Buffer.Role.INPUT)) {
			HostTensor t = inputs.get(b.name());
			if (t == null || t.dtype() != b.dtype()) {
				throw new IllegalArgumentException("input '" + b.name() + "' of @" + exe.function().name() + " needs a " + b.dtype().sourceName() + " tensor, got " + t);
			}
			memory.put(b.name(), t.data());
		}
		outputs.forEach((name, t) -> memory.put(name, t.data()));
		return memory;
	}

	/**
	 * New output tensors in {@code arena} with all bits set: NaN in every float dtype, so an element
	 * no kernel writes cannot pass as 0; an output that atomics update starts at zero.
	 */
	private Map<String, HostTensor> outputs(Map<String, Long> dims, Arena arena) {
		Map<String, HostTensor> out = new LinkedHashMap<>();
		for (Buffer b : exe.function().buffers(Buffer.Role.OUTPUT)) {
			HostTensor t = HostTensor.allocate(arena, Runner.shape(b.shape(), dims), b.dtype());
			t.data().fill(exe.function().atomicallyUpdated().contains(b.name()) ? (byte) 0 : (byte) 0xFF);
			out.put(b.name(), t);
		}
		return out;
	}
}
