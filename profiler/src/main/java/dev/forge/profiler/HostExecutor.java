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
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.LaunchPlan;
import dev.forge.compiler.tile.TileFunction;

/**
 * The host CPU under the {@link Runner}: native buffers in an arena that lives as long as this
 * executor, the JIT-compiled kernels over all cores, wall-clock timing ({@link Timing}).
 */
final class HostExecutor implements Runner.Executor, AutoCloseable {

	private final HostExecutable exe;
	private final int threads;
	private final HostCapacity capacity;
	private final Arena arena = Arena.ofShared();

	HostExecutor(HostExecutable exe, int threads, HostCapacity capacity) {
		this.exe = exe;
		this.threads = threads;
		this.capacity = capacity;
	}

	/** Refuses a run whose native buffers and f64 copies exceed the machine's available memory. */
	@Override
	public void admit(Map<String, Long> dims) {
		HostMemoryException.checkNative(exe.function().name(), Dims.format(dims), HostFootprint.of(exe.function(), null, dims), capacity);
	}

	@Override
	public String device() {
		return null;
	}

	@Override
	public Map<String, NdArray> execute(Map<String, NdArray> inputs, Map<String, Long> dims) {
		Map<String, MemorySegment> memory = memory(inputs, dims);
		exe.run(memory, dims, threads);
		return outputs(memory, dims);
	}

	@Override
	public Runner.Measured measure(Map<String, NdArray> inputs, Map<String, Long> dims, boolean profile, boolean keepOutputs) {
		Map<String, MemorySegment> memory = memory(inputs, dims);
		Timing timing = Timing.measure(() -> exe.run(memory, dims, threads), profile ? Timing.PROFILE_BUDGET : Timing.RUN_BUDGET);
		return new Runner.Measured(timing, keepOutputs ? outputs(memory, dims) : null, profile ? kernelTimes(memory, dims) : List.of(), null);
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

	private Map<String, MemorySegment> memory(Map<String, NdArray> inputs, Map<String, Long> dims) {
		Map<String, MemorySegment> memory = new HashMap<>();
		for (Buffer b : exe.function().buffers()) {
			switch (b.role()) {
				case INPUT -> memory.put(b.name(), HostMemory.write(arena, inputs.get(b.name()), b.dtype()));
				case OUTPUT -> {
					// All bits set: NaN in every float dtype, so an element no kernel writes cannot pass as 0;
					// an output that atomics update starts at zero.
					MemorySegment s = HostMemory.allocate(arena, TileWork.elements(b.shape(), dims), b.dtype());
					s.fill(exe.function().atomicallyUpdated().contains(b.name()) ? (byte) 0 : (byte) 0xFF);
					memory.put(b.name(), s);
				}
				default -> {
				}
			}
		}
		return memory;
	}

	private Map<String, NdArray> outputs(Map<String, MemorySegment> memory, Map<String, Long> dims) {
		Map<String, NdArray> out = new LinkedHashMap<>();
		for (Buffer b : exe.function().buffers(Buffer.Role.OUTPUT)) {
			out.put(b.name(), HostMemory.read(memory.get(b.name()), Runner.shape(b.shape(), dims), b.dtype()));
		}
		return out;
	}

	@Override
	public void close() {
		arena.close();
	}
}
