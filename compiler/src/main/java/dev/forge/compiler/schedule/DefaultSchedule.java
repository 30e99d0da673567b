package dev.forge.compiler.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.forge.compiler.graph.Op;
import dev.forge.types.Dim;

import dev.forge.targets.Target;

/**
 * Schedule IR -> Schedule IR: gives every kernel without a tiling one from a simple cost model of
 * the target's numbers: vectors as wide as the target's, tiles sized to its caches, all cores busy.
 */
public final class DefaultSchedule {

	private DefaultSchedule() {
	}

	public static ScheduleFunction apply(ScheduleFunction s, Target target) {
		return apply(s, target, Map.of());
	}

	/** With dim values to fit the tiles to: a tile is no larger than the dim it covers needs. */
	public static ScheduleFunction apply(ScheduleFunction s, Target target, Map<String, Long> dimHints) {
		HostModel model = HostModel.of(target);
		List<KernelGroup> groups = new ArrayList<>();
		for (KernelGroup g : s.groups()) {
			groups.add(g.tiling() != null ? g : g.withTiling(fit(model.tiling(g), g, model, dimHints)));
		}
		return s.withGroups(groups);
	}

	/** Shrinks each block (and the inner step) to the power of two covering its dim, keeping columns whole vectors. */
	private static Tiling fit(Tiling t, KernelGroup g, HostModel model, Map<String, Long> hints) {
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
		}
		String origin = t.origin() + ", fitted to " + hints.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
				.collect(java.util.stream.Collectors.joining(","));
		return new Tiling(block, inner, t.vector(), t.threads(), origin);
	}

	private static int shrink(int size, Dim dim, Map<String, Long> hints, int floor) {
		java.util.OptionalLong v = dim.evaluate(hints);
		if (v.isEmpty() || v.getAsLong() <= 0 || v.getAsLong() >= size) {
			return size;
		}
		int fitted = Math.max(floor, Integer.highestOneBit((int) v.getAsLong() - 1) << 1);
		return Math.min(size, Math.max(1, v.getAsLong() == 1 ? floor : fitted));
	}

	/** The numbers of a CPU that the cost model reads, and the tilings it derives from them. */
	record HostModel(int vectorElements, long l1Bytes, long l2Bytes, int cores, String targetName) {

		static HostModel of(Target t) {
			int vectorBits = (int) t.optLong("vector.bits").orElse(256);
			long l1 = t.optLong("memory.l1d.size").orElse(32 * 1024);
			long l2 = t.optLong("memory.l2.size").orElse(1024 * 1024);
			return new HostModel(vectorBits / 32, l1, l2, Math.max(1, t.cores()), t.name());
		}

		Tiling tiling(KernelGroup g) {
			int rank = g.output().rank();
			String origin = "default: " + targetName + " cost model";
			return switch (g.kind()) {
				case MATMUL -> {
					// A [BM,BK] panel of A and a [BK,BN] panel of B stay in L2 while the register
					// micro-kernel walks them; BN a multiple of two vectors, BM of the micro-kernel rows.
					int bk = 256;
					int bn = 16 * vectorElements;
					int bm = 64;
					yield new Tiling(lastTwo(rank, bm, bn), bk, vectorElements, cores, origin);
				}
				case ROW_REDUCTION -> {
					// One row per program; columns in blocks that, with a few temporaries, fit in L1.
					int cols = (int) Math.max(vectorElements, Math.min(4096, Long.highestOneBit(l1Bytes / (4 * 4))));
					yield new Tiling(ones(rank), cols, vectorElements, cores, origin);
				}
				case ELEMENTWISE, COPY -> {
					// 8 rows of 256 elements: long contiguous runs, a few tiles of temporaries in L1.
					int cols = Math.min(256, 16 * vectorElements);
					yield new Tiling(rank == 0 ? List.of() : rank == 1 ? List.of(cols * 8) : lastTwo(rank, 8, cols), 0,
							vectorElements, cores, origin);
				}
			};
		}

		private static List<Integer> ones(int rank) {
			List<Integer> b = new ArrayList<>();
			for (int i = 0; i < rank; i++) {
				b.add(1);
			}
			return b;
		}

		private static List<Integer> lastTwo(int rank, int rows, int cols) {
			List<Integer> b = ones(rank);
			if (rank >= 1) {
				b.set(rank - 1, cols);
			}
			if (rank >= 2) {
				b.set(rank - 2, rows);
			}
			return b;
		}
	}
}
