package dev.forge.compiler.schedule;

import java.util.ArrayList;
import java.util.List;

import dev.forge.targets.Target;

/**
 * Schedule IR -> Schedule IR: gives every kernel without a tiling one from a simple cost model of
 * the target's numbers: vectors as wide as the target's, tiles sized to its caches, all cores busy.
 */
public final class DefaultSchedule {

	private DefaultSchedule() {
	}

	public static ScheduleFunction apply(ScheduleFunction s, Target target) {
		HostModel model = HostModel.of(target);
		List<KernelGroup> groups = new ArrayList<>();
		for (KernelGroup g : s.groups()) {
			groups.add(g.tiling() != null ? g : g.withTiling(model.tiling(g)));
		}
		return s.withGroups(groups);
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
