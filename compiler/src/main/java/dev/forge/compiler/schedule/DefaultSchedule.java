package dev.forge.compiler.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.forge.compiler.graph.Op;
import dev.forge.types.DType;
import dev.forge.types.Dim;

import dev.forge.targets.Target;

/**
 * Schedule IR -> Schedule IR: gives every kernel without a tiling one from a simple cost model of
 * the target's numbers. On a CPU: vectors as wide as the target's, tiles sized to its caches, all
 * cores busy, one thread per program. On a GPU: tiles for its tensor cores, warps per program,
 * vectors of 16 bytes per thread, and a pipeline of asynchronous copies as deep as shared memory
 * allows when the chip has them. Every grid axis is parallel, in the output's axis order.
 */
public final class DefaultSchedule {

	private DefaultSchedule() {
	}

	public static ScheduleFunction apply(ScheduleFunction s, Target target) {
		return apply(s, target, Map.of());
	}

	/** With dim values to fit the tiles to: a tile is no larger than the dim it covers needs. */
	public static ScheduleFunction apply(ScheduleFunction s, Target target, Map<String, Long> dimHints) {
		CostModel model = target.isGpu() ? GpuModel.of(target) : HostModel.of(target);
		List<KernelGroup> groups = new ArrayList<>();
		for (KernelGroup g : s.groups()) {
			groups.add(g.tiling() != null ? g : g.withTiling(fit(model.tiling(g), g, model, dimHints)));
		}
		return s.withGroups(groups);
	}

	/**
	 * Shrinks each block (and the inner step) to the power of two covering its dim, keeping columns
	 * whole vectors; matmul blocks then {@link #balance} padding and parallelism.
	 */
	private static Tiling fit(Tiling t, KernelGroup g, CostModel model, Map<String, Long> hints) {
		if (hints.isEmpty()) {
			return t;
		}
		List<Dim> dims = g.output().type().dims();
		List<Integer> block = new ArrayList<>(t.block());
		for (int i = 0; i < block.size() && i < dims.size(); i++) {
			int vectorFloor = i == dims.size() - 1 ? model.vectorElements() : 1;
			block.set(i, shrink(block.get(i), dims.get(i), hints, vectorFloor));
		}
		int inner = t.inner();
		Dim innerDim = switch (g.kind()) {
			case MATMUL -> g.ops().stream().filter(o -> o instanceof Op.MatMul).map(o -> ((Op.MatMul) o).lhs().type().dims())
					.map(d -> d.get(d.size() - 1)).findFirst().orElse(null);
			case ROW_REDUCTION -> g.ops().stream().filter(o -> o instanceof Op.Reduce).map(o -> o.operands().get(0).type().dims())
					.map(d -> d.get(d.size() - 1)).findFirst().orElse(null);
			default -> null;
		};
		if (inner > 0 && innerDim != null) {
			inner = shrink(inner, innerDim, hints, g.kind() == KernelGroup.Kind.ROW_REDUCTION ? model.vectorElements() : 1);
			if (g.kind() == KernelGroup.Kind.ROW_REDUCTION && model instanceof GpuModel) {
				inner = GpuModel.wholeRow(inner, innerDim, hints, t);
			}
		}
		if (g.kind() == KernelGroup.Kind.MATMUL && dims.size() >= 2 && model instanceof HostModel host) {
			balance(block, dims, hints, host);
		}
		String origin = t.origin() + ", fitted to " + hints.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
				.collect(java.util.stream.Collectors.joining(","));
		return t.withBlock(block, inner, origin);
	}

	/**
	 * Matmul blocks for known dims: halves a block while that cuts the padding of the last, partial
	 * block and the padding is over 1/8 of the dim (768 rows take blocks of 256, not 512 with a
	 * third of the work wasted), then halves the larger block until there are at least two
	 * programs per core, so that no core idles (down to 32 rows and two vectors of columns).
	 */
	private static void balance(List<Integer> block, List<Dim> dims, Map<String, Long> hints, HostModel model) {
		int rank = dims.size();
		long[] d = new long[rank];
		for (int i = 0; i < rank; i++) {
			java.util.OptionalLong v = hint(dims.get(i), hints);
			if (v.isEmpty() || v.getAsLong() <= 0) {
				return;
			}
			d[i] = v.getAsLong();
		}
		int[] floor = { 32, 2 * model.vectorElements() };
		for (int t = 0; t < 2; t++) {
			int i = rank - 2 + t;
			while (block.get(i) / 2 >= floor[t] && padding(d[i], block.get(i)) * 8 > d[i]
					&& padding(d[i], block.get(i) / 2) < padding(d[i], block.get(i))) {
				block.set(i, block.get(i) / 2);
			}
		}
		while (true) {
			long programs = 1;
			for (int i = 0; i < rank; i++) {
				programs *= (d[i] + block.get(i) - 1) / block.get(i);
			}
			if (programs >= 2L * model.cores()) {
				return;
			}
			int rows = rank - 2, cols = rank - 1;
			boolean canRows = block.get(rows) / 2 >= floor[0] && block.get(rows) / 2 < d[rows];
			boolean canCols = block.get(cols) / 2 >= floor[1] && block.get(cols) / 2 < d[cols];
			if (canRows && (!canCols || block.get(rows) >= block.get(cols))) {
				block.set(rows, block.get(rows) / 2);
			} else if (canCols) {
				block.set(cols, block.get(cols) / 2);
			} else {
				return;
			}
		}
	}

	/**
	 * A dim's value at the hints, or none where the hints make it undefined (D//heads at heads=0):
	 * hints only fit tiles, and the run itself reports such dims at their source line.
	 */
	private static java.util.OptionalLong hint(Dim dim, Map<String, Long> hints) {
		try {
			return dim.evaluate(hints);
		} catch (ArithmeticException e) {
			return java.util.OptionalLong.empty();
		}
	}

	private static long padding(long dim, long block) {
		return (dim + block - 1) / block * block - dim;
	}

	private static int shrink(int size, Dim dim, Map<String, Long> hints, int floor) {
		java.util.OptionalLong v = hint(dim, hints);
		if (v.isEmpty() || v.getAsLong() <= 0 || v.getAsLong() >= size) {
			return size;
		}
		int fitted = Math.max(floor, Integer.highestOneBit((int) v.getAsLong() - 1) << 1);
		return Math.min(size, Math.max(1, v.getAsLong() == 1 ? floor : fitted));
	}

	static List<Integer> ones(int rank) {
		List<Integer> b = new ArrayList<>();
		for (int i = 0; i < rank; i++) {
			b.add(1);
		}
		return b;
	}

	static List<Integer> lastTwo(int rank, int rows, int cols) {
		List<Integer> b = ones(rank);
		if (rank >= 1) {
			b.set(rank - 1, cols);
		}
		if (rank >= 2) {
			b.set(rank - 2, rows);
		}
		return b;
	}

	private static String origin(String targetName) {
		return "default: " + targetName + " cost model";
	}

	/** The dtype of a matmul kernel's operands. */
	/** Elements of the group's narrowest input in one 16-byte access: 4 f32, 8 bf16 (at least 1, at most 16). */
	private static int sixteenBytes(KernelGroup g) {
		int bytes = 4;
		for (dev.forge.compiler.graph.Value v : g.inputs()) {
			if (v.type().rank() > 0 && v.type().dtype().bits() >= 8) {
				bytes = Math.min(bytes, v.type().dtype().bits() / 8);
			}
		}
		return 16 / bytes;
	}

	private static DType operandType(KernelGroup g) {
		return g.ops().stream().filter(o -> o instanceof Op.MatMul).map(o -> ((Op.MatMul) o).lhs().type().dtype()).findFirst()
				.orElse(DType.F32);
	}

	/** The tilings a target's numbers lead to. */
	sealed interface CostModel {
		Tiling tiling(KernelGroup g);

		/** The narrowest useful column block, in f32 elements. */
		int vectorElements();
	}

	/** The numbers of a CPU that the cost model reads, and the tilings it derives from them. */
	record HostModel(int vectorElements, long l1Bytes, long l2Bytes, int cores, String targetName) implements CostModel {

		static HostModel of(Target t) {
			int vectorBits = (int) t.optLong("vector.bits").orElse(256);
			long l1 = t.optLong("memory.l1d.size").orElse(32 * 1024);
			long l2 = t.optLong("memory.l2.size").orElse(1024 * 1024);
			return new HostModel(vectorBits / 32, l1, l2, Math.max(1, t.cores()), t.name());
		}

		public Tiling tiling(KernelGroup g) {
			int rank = g.output().rank();
			int grid = g.gridAxes();
			String origin = origin(targetName);
			return switch (g.kind()) {
				case MATMUL -> {
					// Each program loads its own A [BM,K] and B [K,BN] (K steps of BK), so all programs
					// together read M*N*K*(1/BM + 1/BN) elements: on a memory-bound host the output
					// tile should be as large as L2 allows. Per K step the accumulator [BM,BN], the A
					// tile and the packed B tile, plus the epilogue's [BM,BN] temporaries, stay within
					// 3/4 of L2: 512 x 512 x 128 for a plain GEMM with a 2 MiB L2.
					// The accumulator is f64 for f64, else f32; other operand dtypes are loaded as they
					// are, then cast to tiles of the accumulator's dtype.
					int bk = 128;
					int epilogue = Math.max(0, g.ops().size() - 1);
					DType in = operandType(g);
					long accBytes = in == DType.F64 ? 8 : 4;
					long operandBytes = accBytes + (in == DType.F64 || in == DType.F32 ? 0 : Math.max(1, in.bits() / 8));
					int bm = 512, bn = 512;
					while (Math.max(bm, bn) > 16 * vectorElements
							&& accBytes * bm * bn * (1 + epilogue) + operandBytes * bk * (bm + bn) > l2Bytes * 3 / 4) {
						if (bm >= bn) {
							bm /= 2;
						} else {
							bn /= 2;
						}
					}
					yield new Tiling(lastTwo(rank, bm, bn), bk, vectorElements, cores, grid, origin);
				}
				case ROW_REDUCTION -> {
					// One row per program; columns in blocks that, with a few temporaries, fit in L1.
					int cols = (int) Math.max(vectorElements, Math.min(4096, Long.highestOneBit(l1Bytes / (4 * 4))));
					yield new Tiling(ones(rank), cols, vectorElements, cores, grid, origin);
				}
				case ELEMENTWISE, COPY -> {
					// 8 rows of 256 elements: long contiguous runs, a few tiles of temporaries in L1.
					int cols = Math.min(256, 16 * vectorElements);
					yield new Tiling(rank == 0 ? List.of() : rank == 1 ? List.of(cols * 8) : lastTwo(rank, 8, cols), 0,
							vectorElements, cores, grid, origin);
				}
			};
		}
	}

	/**
	 * The numbers of a GPU that the cost model reads: SMs, the warp size, shared memory per block,
	 * whether it has asynchronous copies (cp.async), and the tilings it derives from them.
	 */
	record GpuModel(int sms, int warpSize, long sharedPerBlock, boolean asyncCopies, String targetName) implements CostModel {

		static GpuModel of(Target t) {
			return new GpuModel(Math.max(1, t.sms()), t.warpSize(), t.sharedMemoryPerBlock(), t.hasFeature("cp_async"), t.name());
		}

		/** Most elements of a row one thread keeps in registers, so that a row is read from memory once. */
		static final int ROW_ELEMENTS_PER_THREAD = 64;

		/**
		 * The column step of a row reduction whose row fits in the registers of its threads: the
		 * whole row (a power of two), so that every pass over the row reuses what the first read.
		 */
		static int wholeRow(int inner, Dim rowDim, Map<String, Long> hints, Tiling t) {
			java.util.OptionalLong v = hint(rowDim, hints);
			if (v.isEmpty() || v.getAsLong() <= inner) {
				return inner;
			}
			long row = Long.highestOneBit(v.getAsLong() - 1) << 1;
			long limit = (long) t.warps() * 32 * ROW_ELEMENTS_PER_THREAD;
			return row <= limit ? (int) row : inner;
		}

		/** 16 bytes per thread per access (one 128-bit load), counted in f32 elements. */
		public int vectorElements() {
			return 4;
		}

		public Tiling tiling(KernelGroup g) {
			int rank = g.output().rank();
			int grid = g.gridAxes();
			String origin = origin(targetName);
			return switch (g.kind()) {
				case MATMUL -> {
					// 128 x 128 output tiles over 8 warps feed the tensor cores of 16-bit operands with
					// 32-deep K steps; 32-bit operands take 64 x 64 x 16 over 4 warps. The operand
					// tiles of `stages` K steps in flight must fit in shared memory.
					DType in = operandType(g);
					int bytes = Math.max(1, in.bits() / 8);
					boolean wide = bytes >= 4;
					int bm = wide ? 64 : 128, bn = bm, bk = wide ? 16 : 32, warps = wide ? 4 : 8;
					int stages = asyncCopies ? 3 : 1;
					while (stages > 1 && (long) stages * (bm + bn) * bk * bytes > sharedPerBlock) {
						stages--;
					}
					yield new Tiling(lastTwo(rank, bm, bn), bk, 16 / bytes, sms, Tiling.axes(grid), Tiling.axes(grid), warps,
							stages, origin);
				}
				case ROW_REDUCTION -> {
					// One row per program: 4 warps of 32 threads, 16 bytes each: 512 f32 or 1024 bf16 columns per step.
					int threads = 4 * warpSize;
					int vector = sixteenBytes(g);
					yield new Tiling(ones(rank), threads * vector, vector, sms, Tiling.axes(grid), Tiling.axes(grid), 4, 1, origin);
				}
				case ELEMENTWISE, COPY -> {
					// 4 warps, 16 bytes per thread per row: rows of 512 f32, 4 of them per program.
					int vector = sixteenBytes(g);
					int cols = 4 * vector * warpSize;
					yield new Tiling(rank == 0 ? List.of() : rank == 1 ? List.of(cols * 4) : lastTwo(rank, 4, cols), 0, vector,
							sms, Tiling.axes(grid), Tiling.axes(grid), 4, 1, origin);
				}
			};
		}
	}
}
