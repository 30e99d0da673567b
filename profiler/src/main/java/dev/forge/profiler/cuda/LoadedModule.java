package dev.forge.profiler.cuda;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A PTX module loaded into the worker's context, with its kernels looked up and their dynamic
 * shared memory limit raised where a kernel asks for more than 48 KiB (else the launch fails with
 * CUDA_ERROR_INVALID_VALUE). Kept across jobs: the check run and the timed runs of a function load
 * it once.
 */
final class LoadedModule {

	private final CudaDriver cuda;
	private final CudaDriver.Module module;
	private final Map<String, MemorySegment> functions = new HashMap<>();
	private final List<JobResult.KernelStats> stats = new ArrayList<>();

	LoadedModule(CudaDriver cuda, String ptx, List<GpuJob.Kernel> kernels, String name) {
		this.cuda = cuda;
		this.module = cuda.loadModule(ptx, name);
		try {
			for (GpuJob.Kernel k : kernels) {
				MemorySegment f = cuda.function(module.handle(), k.symbol());
				if (k.sharedBytes() > CudaDriver.DEFAULT_SHARED_LIMIT) {
					cuda.setFunctionAttribute(f, k.symbol(), CudaDriver.FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES, k.sharedBytes());
				}
				functions.put(k.symbol(), f);
				stats.add(new JobResult.KernelStats(k.symbol(), cuda.functionAttribute(f, k.symbol(), CudaDriver.FUNC_NUM_REGS),
						cuda.functionAttribute(f, k.symbol(), CudaDriver.FUNC_LOCAL_SIZE_BYTES)));
			}
		} catch (RuntimeException e) {
			cuda.unloadModule(module.handle());
			throw e;
		}
	}

	MemorySegment function(String symbol) {
		MemorySegment f = functions.get(symbol);
		if (f == null) {
			throw new IllegalArgumentException("the module has no kernel @" + symbol + " (kernels: " + functions.keySet() + ")");
		}
		return f;
	}

	List<JobResult.KernelStats> stats() {
		return List.copyOf(stats);
	}

	String infoLog() {
		return module.infoLog();
	}

	void unload() {
		cuda.unloadModule(module.handle());
	}
}
