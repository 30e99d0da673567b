package dev.forge.profiler.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.gpu.GpuModule;
import dev.forge.compiler.host.KernelAbi;
import dev.forge.compiler.interp.NdArray;
import dev.forge.profiler.HostTensor;
import dev.forge.types.DType;
import dev.forge.compiler.tile.LaunchPlan;
import dev.forge.compiler.tile.TileFunction;

/** A launch plan becomes the job the worker runs, in the calling convention of GpuAbi. */
class GpuJobsTest {

	private static final long N = 1000;

	private static LaunchPlan plan() {
		return LaunchPlan.of(SmokeKernels.function(), Map.of(SmokeKernels.N, N), KernelAbi::storageBytes);
	}

	@Test
	void parametersAreProgramsThenEachArgumentsAddressAndExtents() {
		GpuJob job = GpuJobs.job(plan(), SmokeKernels.vadd(), List.of("out"), null);
		GpuJob.Launch launch = job.launches().get(0);
		assertEquals("forge_smoke_vadd", launch.symbol());
		assertEquals(4, launch.programs()); // cdiv(1000, 256)
		assertEquals(List.of(GpuJob.Param.value(4), GpuJob.Param.pointer("x"), GpuJob.Param.value(N), GpuJob.Param.pointer("y"),
				GpuJob.Param.value(N), GpuJob.Param.pointer("out"), GpuJob.Param.value(N)), launch.params());
		assertEquals(List.of(new GpuJob.Kernel("forge_smoke_vadd", "vadd", 256, 0)), job.kernels());
	}

	@Test
	void inputsAreSentAndRotatableOutputsPoisoned() {
		GpuJob job = GpuJobs.job(plan(), SmokeKernels.vadd(), List.of("out"), null);
		assertEquals(List.of(new GpuJob.DeviceBuffer("x", 4 * N, GpuJob.Fill.DATA, true), new GpuJob.DeviceBuffer("y", 4 * N, GpuJob.Fill.DATA, true),
				new GpuJob.DeviceBuffer("out", 4 * N, GpuJob.Fill.POISON, false)), job.buffers());
	}

	@Test
	void dataHoldsEachInputInItsStorage() {
		try (Arena arena = Arena.ofConfined()) {
			HostTensor x = HostTensor.of(arena, NdArray.of(new long[] { N }, i -> i), DType.F32);
			HostTensor y = HostTensor.of(arena, NdArray.of(new long[] { N }, i -> -i / 2.0), DType.F32);
			List<MemorySegment> data = GpuJobs.data(plan(), Map.of("x", x, "y", y), arena);
			assertEquals(2, data.size());
			assertEquals(4 * N, data.get(0).byteSize());
			assertEquals(999f, data.get(0).getAtIndex(ValueLayout.JAVA_FLOAT, 999));
			assertEquals(-499.5f, data.get(1).getAtIndex(ValueLayout.JAVA_FLOAT, 999));
		}
	}

	@Test
	void aModuleWithTheWrongKernelCountIsRefused() {
		TileFunction f = SmokeKernels.function();
		GpuModule empty = new GpuModule("vadd", "", "", "sm_90", List.of());
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> GpuJobs.job(LaunchPlan.of(f, Map.of("N", 8L), KernelAbi::storageBytes), empty, List.of(), null));
		assertEquals("the GPU module of @vadd has 0 kernels, the function 1", e.getMessage());
	}

	@Test
	void aRunTooLargeForTheDeviceNamesTheSizes() {
		DeviceMemoryException e = DeviceMemoryException.of("vadd", new java.util.LinkedHashMap<>(Map.of("x", 64L << 30)), "NVIDIA H100 80GB HBM3",
				(long) (79.1 * (1L << 30)), 80L << 30);
		assertEquals("@vadd needs 64 GiB of device memory (x 64 GiB) but the NVIDIA H100 80GB HBM3 has 79.1 GiB free of 80 GiB", e.getMessage());
	}
}
