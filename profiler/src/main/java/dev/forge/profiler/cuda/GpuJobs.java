package dev.forge.profiler.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.forge.compiler.gpu.GpuAbi;
import dev.forge.compiler.gpu.GpuModule;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.KernelArg;
import dev.forge.compiler.tile.LaunchPlan;
import dev.forge.profiler.HostTensor;

/**
 * Turns a {@link LaunchPlan} and the function's compiled {@link GpuModule} into the {@link GpuJob}
 * the worker runs, following the calling convention of {@link GpuAbi}: per launch {@code programs},
 * then per argument its buffer's device address and its extents.
 */
public final class GpuJobs {

	private GpuJobs() {
	}

	/** The job for one run of {@code plan}; {@code timing} null for a single checked run. */
	public static GpuJob job(LaunchPlan plan, GpuModule module, List<String> readBack, GpuJob.Timing timing) {
		if (module.kernels().size() != plan.kernels().size()) {
			throw new IllegalArgumentException("the GPU module of @" + plan.function().name() + " has " + module.kernels().size()
					+ " kernels, the function " + plan.kernels().size());
		}
		Set<String> written = new HashSet<>();
		for (LaunchPlan.KernelLaunch k : plan.kernels()) {
			k.kernel().args().stream().filter(KernelArg::output).forEach(a -> written.add(a.buffer()));
		}
		List<GpuJob.DeviceBuffer> buffers = new ArrayList<>();
		for (LaunchPlan.BufferSize b : plan.buffers()) {
			GpuJob.Fill fill = switch (b.role()) {
				case INPUT, DIM -> GpuJob.Fill.DATA;
				// NaN everywhere: an element no kernel writes cannot pass as 0; an output atomics update starts at 0.
				case OUTPUT -> plan.function().atomicallyUpdated().contains(b.name()) ? GpuJob.Fill.ZERO : GpuJob.Fill.POISON;
				case TEMP -> GpuJob.Fill.NONE; // every temporary is written before it is read
			};
			buffers.add(new GpuJob.DeviceBuffer(b.name(), b.bytes(), fill, b.role() == Buffer.Role.INPUT && !written.contains(b.name())));
		}
		List<GpuJob.Kernel> kernels = new ArrayList<>();
		List<GpuJob.Launch> launches = new ArrayList<>();
		for (int i = 0; i < plan.kernels().size(); i++) {
			LaunchPlan.KernelLaunch launch = plan.kernels().get(i);
			GpuModule.GpuKernel gpu = module.kernels().get(i);
			kernels.add(new GpuJob.Kernel(gpu.symbol(), launch.kernel().name(), gpu.threadsPerBlock(), gpu.sharedBytes()));
			launches.add(new GpuJob.Launch(gpu.symbol(), launch.programs(), params(launch, gpu.tensorMaps())));
		}
		return new GpuJob(plan.function().name(), module.ptx(), kernels, buffers, launches, readBack, timing);
	}

	private static List<GpuJob.Param> params(LaunchPlan.KernelLaunch launch, List<GpuAbi.TensorMap> maps) {
		List<GpuJob.Param> params = new ArrayList<>();
		params.add(GpuJob.Param.value(launch.programs()));
		for (int a = 0; a < launch.kernel().args().size(); a++) {
			params.add(GpuJob.Param.pointer(launch.kernel().args().get(a).buffer()));
			for (long extent : launch.extents().get(a)) {
				params.add(GpuJob.Param.value(extent));
			}
		}
		if (params.size() != GpuAbi.parameterCount(launch.kernel())) {
			throw new IllegalStateException("@" + launch.kernel().name() + ": " + params.size() + " parameters built, the ABI says "
					+ GpuAbi.parameterCount(launch.kernel()));
		}
		for (GpuAbi.TensorMap m : maps) {
			long[] extents = launch.extents().get(m.arg());
			List<Long> dims = new ArrayList<>();
			List<Integer> box = new ArrayList<>();
			for (int d = extents.length - 1; d >= 0; d--) {
				dims.add(extents[d]);
				box.add(m.box().get(d));
			}
			int swizzle = switch (m.swizzleBytes()) {
				case 32 -> 1;
				case 64 -> 2;
				default -> 3;
			};
			params.add(GpuJob.Param.tensorMap(
					new GpuJob.TensorMap(launch.kernel().args().get(m.arg()).buffer(), dims, m.elementBytes(), box, swizzle)));
		}
		return params;
	}

	/**
	 * The contents of the job's DATA buffers (inputs, then DIM scalars as they come), in the plan's
	 * buffer order: the input tensors' own memory (in the buffers' dtypes), no copy.
	 */
	public static List<MemorySegment> data(LaunchPlan plan, Map<String, HostTensor> inputs, Arena arena) {
		List<MemorySegment> data = new ArrayList<>();
		for (LaunchPlan.BufferSize b : plan.buffers()) {
			switch (b.role()) {
				case INPUT -> {
					HostTensor input = inputs.get(b.name());
					if (input == null || input.dtype() != b.buffer().dtype()) {
						throw new IllegalArgumentException("no " + b.buffer().dtype().sourceName() + " input for '" + b.name() + "': " + input);
					}
					data.add(input.data().asSlice(0, b.bytes()));
				}
				case DIM -> data.add(arena.allocate(LaunchPlan.SCALAR_BYTES).copyFrom(
						MemorySegment.ofArray(LaunchPlan.scalarBytes(b.buffer().dtype(), b.dimValue()))));
				default -> {
				}
			}
		}
		return data;
	}
}
