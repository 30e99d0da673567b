package dev.forge.driver;

import dev.forge.compiler.gpu.GpuModule;
import dev.forge.profiler.HostRunner;
import dev.forge.targets.Target;

/**
 * The seam between the command line and the CUDA runner of the profiler module: what the attached
 * GPU is, and running compiled kernels on it with the same gate, timing and report as the host.
 * {@link GpuBackends#attached()} gives the implementation; tests can pass their own.
 */
public interface GpuBackend {

	/** The attached GPU as the driver names it, e.g. "NVIDIA H100 80GB HBM3", and its compute capability (90 for 9.0). */
	record Device(String name, int computeCapability) {
	}

	/** The first attached NVIDIA GPU; throws {@link NoGpuException} when there is none. */
	Device device();

	/**
	 * Runs {@code request} (as {@link HostRunner#run} would on the CPU) with the kernels of
	 * {@code module}, compiled for {@code target}, on {@link #device()}.
	 */
	HostRunner.Result run(HostRunner.Request request, GpuModule module, Target target);
}
