package dev.forge.profiler;

import dev.forge.compiler.gpu.GpuModule;
import dev.forge.profiler.cuda.DeviceInfo;
import dev.forge.profiler.cuda.GpuExecutor;
import dev.forge.profiler.cuda.GpuWorkerClient;
import dev.forge.targets.Target;

/**
 * Runs a function compiled for an NVIDIA GPU on the attached one and checks it, as
 * {@link HostRunner} does on the CPU: the shared {@link Runner} (seeded inputs, the reference
 * interpreter as the correctness gate, timing, report) over a {@link GpuExecutor}, whose device work
 * happens in the GPU worker process ({@link GpuWorkerClient#shared()}), never in this one.
 *
 * <p>Failures: {@link dev.forge.profiler.cuda.GpuUnavailableException} (no NVIDIA driver or GPU: a
 * one-line message, exit 2), {@link dev.forge.profiler.cuda.DeviceMemoryException} (the run does not
 * fit the device; an {@link IllegalArgumentException}), {@link dev.forge.profiler.cuda.KernelFaultException}
 * (a kernel faulted; the next run gets a fresh worker), {@link dev.forge.profiler.cuda.CudaException}
 * (a driver call failed, e.g. the PTX does not load, with the JIT's log),
 * {@link dev.forge.profiler.cuda.GpuWorkerException} (the worker died or hung).
 */
public final class GpuRunner {

	private GpuRunner() {
	}

	/**
	 * Checks and times {@code request}'s function, compiled into {@code module}, on the attached GPU.
	 * {@code chip} is the chip description whose peaks the throughput is put against (null: none).
	 */
	public static HostRunner.Result run(HostRunner.Request request, GpuModule module, Target chip) {
		GpuExecutor executor = new GpuExecutor(GpuWorkerClient.shared(), module, request.tile());
		return Runner.run(request, executor, chip == null ? null : Peaks.of(chip, request.tile()));
	}

	/** The attached GPU, as its driver reports it (for {@code --target gpu}: which chip description to compile for). */
	public static DeviceInfo device() {
		return GpuWorkerClient.shared().device();
	}
}
