package dev.forge.compiler.tile;

import java.util.List;

/**
 * Where the elements of a tile live among the threads of a program (a register tile) or in shared
 * memory (a shared tile). Explicit enough to compute which thread holds which element and which
 * shared-memory address each element has: {@link LayoutMap} does both, for the race and
 * bank-conflict analyses and the GPU backend.
 */
public sealed interface Layout {

	/** Every thread holds every element: the layout of a scalar (a rank-0 tile). */
	record Replicated() implements Layout {
		@Override
		public String toString() {
			return "replicated";
		}
	}

	/**
	 * A register tile spread over the threads of a program in blocks: along axis d each thread holds
	 * {@code perThread[d]} consecutive elements, the lanes of a warp {@code lanes[d]} such blocks side
	 * by side, the warps {@code warps[d]} of those. The covered block ({@code perThread * lanes * warps})
	 * repeats over a larger tile (a thread then holds several blocks) and wraps over a smaller one
	 * (several threads then hold the same element). Lane and warp ids are linearized with
	 * {@code order[0]} the fastest axis.
	 */
	record Blocked(List<Integer> perThread, List<Integer> lanes, List<Integer> warps, List<Integer> order) implements Layout {
		public Blocked {
			perThread = List.copyOf(perThread);
			lanes = List.copyOf(lanes);
			warps = List.copyOf(warps);
			order = List.copyOf(order);
		}

		public int rank() {
			return perThread.size();
		}

		@Override
		public String toString() {
			return "blocked per_thread " + perThread + ", lanes " + lanes + ", warps " + warps + ", order " + order;
		}
	}

	/**
	 * A shared tile stored row-major along {@code order} ({@code order[0]} the contiguous axis), with
	 * the XOR swizzle of the contiguous axis that spreads a column of rows over the banks: in row r,
	 * the group of {@code vector} elements g moves to group {@code g ^ ((r / perPhase) % maxPhase)}.
	 * {@code maxPhase} 1 is no swizzle.
	 */
	record Swizzled(int vector, int perPhase, int maxPhase, List<Integer> order) implements Layout {
		public Swizzled {
			order = List.copyOf(order);
		}

		@Override
		public String toString() {
			return maxPhase == 1 ? "shared order " + order
					: "swizzled vector " + vector + ", per_phase " + perPhase + ", max_phase " + maxPhase + ", order " + order;
		}
	}
}
