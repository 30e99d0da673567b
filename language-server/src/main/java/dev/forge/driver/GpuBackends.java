package dev.forge.driver;

import dev.forge.compiler.gpu.GpuModule;
import dev.forge.profiler.GpuRunner;
import dev.forge.profiler.HostRunner;
import dev.forge.profiler.cuda.DeviceInfo;
import dev.forge.profiler.cuda.GpuUnavailableException;
import dev.forge.profiler.cuda.GpuWorkerException;
import dev.forge.profiler.cuda.KernelFaultException;
import dev.forge.targets.Target;

/**
 * Where {@link GpuBackend} comes from: the profiler's CUDA runner ({@link GpuRunner}, whose device
 * work happens in a worker process), its failures turned into what the command line reports.
 */
public final class GpuBackends {

	private GpuBackends() {
	}

	/** The backend of the GPU attached to this machine. */
	public static GpuBackend attached() {
		return new Cuda();
	}

	private static final class Cuda implements GpuBackend {

		@Override
		public Device device() {
			try {
				DeviceInfo d = GpuRunner.device();
				return new Device(d.name(), d.ccMajor() * 10 + d.ccMinor());
			} catch (GpuUnavailableException e) {
				throw NoGpuException.because(e.getMessage());
			}
		}

		@Override
		public HostRunner.Result run(HostRunner.Request request, GpuModule module, Target target) {
			try {
				return GpuRunner.run(request, module, target);
			} catch (GpuUnavailableException e) {
				throw NoGpuException.because(e.getMessage());
			} catch (KernelFaultException e) {
				// A @kernel can index out of bounds: the program's failure, reported with its line, not Forge's.
				throw new RunFailedException(e.getMessage() + "; compute-sanitizer --tool memcheck on this command shows the faulting line");
			} catch (GpuWorkerException e) {
				throw new RunFailedException("the GPU worker process failed: " + e.getMessage());
			}
		}
	}
}
