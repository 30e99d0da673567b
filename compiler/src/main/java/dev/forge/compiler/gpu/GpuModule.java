package dev.forge.compiler.gpu;

import java.util.List;

/**
 * A Tile IR function compiled for an NVIDIA GPU: one PTX module holding every kernel of the
 * function, the LLVM IR it came from (for {@code --emit llvm}), and what a launcher needs to know
 * about each kernel, in the function's kernel order. The calling convention is {@link GpuAbi}.
 *
 * @param ptx      the PTX text (with {@code .loc} line info mapping to the {@code .forge} source)
 * @param llvmIr   the LLVM IR text the PTX was generated from
 * @param smVersion the PTX target, e.g. {@code sm_90} or {@code sm_90a}
 * @param kernels  one entry per kernel of the function, in order
 */
public record GpuModule(String function, String ptx, String llvmIr, String smVersion, List<GpuKernel> kernels) {
	public GpuModule {
		kernels = List.copyOf(kernels);
	}

	/**
	 * One kernel: its PTX entry symbol, the Tile IR kernel it implements, the threads of a block
	 * (blockDim.x; blockDim.y = blockDim.z = 1) and the dynamic shared memory it needs in bytes
	 * (above 48 KiB the launcher must raise the function's limit first), and the TMA tensor maps it
	 * takes after its 8-byte parameters ({@link GpuAbi#tensorMaps}).
	 */
	public record GpuKernel(String symbol, String kernel, int threadsPerBlock, int sharedBytes, List<GpuAbi.TensorMap> tensorMaps) {
		public GpuKernel {
			tensorMaps = List.copyOf(tensorMaps);
		}

		public GpuKernel(String symbol, String kernel, int threadsPerBlock, int sharedBytes) {
			this(symbol, kernel, threadsPerBlock, sharedBytes, List.of());
		}
	}
}
