package dev.forge.compiler.gpu;

import java.util.ArrayList;
import java.util.List;

import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.Layout;
import dev.forge.compiler.tile.Stmt;

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
 *
 * <p>A kernel with bulk copies ({@code async_copy.tma}) takes, after those, one 128-byte
 * {@code CUtensorMap} by value per entry of {@link #tensorMaps(Kernel)}: the launcher encodes it with
 * {@code cuTensorMapEncodeTiled} over the argument's buffer (rank and dims of the argument, innermost
 * first; row-major strides; the entry's box; element strides 1; no interleave; the entry's swizzle;
 * L2 promotion 128 B; out-of-bounds elements zero). The kernel uses them only when every mapped
 * argument's rows are a multiple of 16 bytes (TMA's stride rule), else it copies per thread; the
 * launcher passes zeros for a map it cannot encode.
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

	/**
	 * A TMA tensor map a kernel takes: over argument {@code arg} (its index in the kernel's
	 * arguments), a box of {@code box} elements per argument axis (outermost first), elements of
	 * {@code elementBytes}, swizzled in spans of {@code swizzleBytes} (32, 64 or 128).
	 */
	public record TensorMap(int arg, List<Integer> box, int elementBytes, int swizzleBytes) {
		public TensorMap {
			box = List.copyOf(box);
		}
	}

	/** The tensor maps of k's bulk copies, one per distinct argument and box, in the order of first use. */
	public static List<TensorMap> tensorMaps(Kernel k) {
		List<TensorMap> maps = new ArrayList<>();
		for (Stmt s : Stmt.flatten(k.body())) {
			if (s instanceof Stmt.AsyncCopy a && a.bulk()) {
				TensorMap m = tensorMap(k, a);
				if (!maps.contains(m)) {
					maps.add(m);
				}
			}
		}
		return maps;
	}

	/** The tensor map bulk copy a reads through: one box per 64-element panel of its wgmma layout. */
	public static TensorMap tensorMap(Kernel k, Stmt.AsyncCopy a) {
		Layout.Swizzled l = (Layout.Swizzled) k.threads().of(a.result());
		int elementBytes = a.result().type().dtype().bits() / 8;
		List<Integer> box = new ArrayList<>();
		for (int axis : a.access().tileAxis()) {
			box.add(axis < 0 ? 1 : axis == 0 ? a.result().type().shape().get(0) : l.panel());
		}
		int arg = 0;
		while (!k.args().get(arg).name().equals(a.arg())) {
			arg++;
		}
		return new TensorMap(arg, box, elementBytes, l.panel() * elementBytes);
	}

	/** Blocks to launch for a grid of {@code programs} programs. */
	public static long blocks(long programs) {
		return Math.min(programs, MAX_BLOCKS);
	}
}
