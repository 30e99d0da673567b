package dev.forge.compiler.gpu;

import dev.forge.compiler.tile.Kernel;

/**
 * The calling convention between the GPU launcher and the kernels {@link GpuCodegen} emits,
 * defined here and nowhere else.
 *
 * <p>Every kernel is a PTX entry whose parameters are all 8 bytes wide: first {@code i64 programs}
 * (the product of the kernel's grid, evaluated as on the host), then for each kernel argument in
 * the order of {@link Kernel#args()}: {@code u64 data} (a device pointer to the argument's first
 * element) followed by {@code i64 extent[rank]} (the argument's view shape). So a kernel has
 * {@link #parameterCount(Kernel)} parameters, and a launcher passes an array of that many 8-byte
 * values.
 *
 * <p>Launch with {@code gridDim.x = min(programs, MAX_BLOCKS)} blocks of
 * {@link GpuModule.GpuKernel#threadsPerBlock()} threads and its dynamic shared memory: each block
 * runs programs {@code blockIdx.x, blockIdx.x + gridDim.x, ...} below {@code programs} (64-bit
 * program ids), delinearized over the grid with the last grid axis fastest, as on the host.
 * Buffers hold elements as on the host ({@code KernelAbi.storageBytes}), row-major and contiguous.
 */
public final class GpuAbi {

	/** The most blocks a launch asks for (gridDim.x's limit); larger grids loop inside the kernel. */
	public static final long MAX_BLOCKS = (1L << 31) - 1;

	private GpuAbi() {
	}

	/** Parameters of a kernel: programs, then per argument its pointer and its extents. */
	public static int parameterCount(Kernel k) {
		int n = 1;
		for (var a : k.args()) {
			n += 1 + a.rank();
		}
		return n;
	}

	/** Blocks to launch for a grid of {@code programs} programs. */
	public static long blocks(long programs) {
		return Math.min(programs, MAX_BLOCKS);
	}
}
