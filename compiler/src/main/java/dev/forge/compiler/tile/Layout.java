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
	 * The accumulator of a tensor-core dot (mma.sync m16n8k16, sm_80+): each warp owns a block of
	 * 16x8 instruction tiles, the warps laid out {@code warps} = [along m, along n] over the result
	 * (warp id = m index * warps[1] + n index). Which thread holds which element is the instruction's
	 * fragment layout (PTX ISA, "Matrix Fragments for mma.m16n8k16"); see the GPU backend's ThreadMap.
	 * With {@code warpGroup} the dot runs as Hopper's wgmma.mma_async (sm_90a): the warps are [w, 1]
	 * with w a multiple of 4, each group of four consecutive warps (a warp group) issues one m64nNk16
	 * instruction per 64 rows, reading both operands straight from shared memory; the accumulator
	 * fragments are the same (warp w of a group holds rows 16w..16w+15 of its 64).
	 */
	record Mma(List<Integer> warps, boolean warpGroup) implements Layout {
		public Mma {
			warps = List.copyOf(warps);
		}

		public Mma(List<Integer> warps) {
			this(warps, false);
		}

		@Override
		public String toString() {
			return (warpGroup ? "wgmma m64nNk16" : "mma m16n8k16") + ", warps " + warps;
		}
	}

	/**
	 * An operand of a tensor-core dot in the registers the instruction reads: {@code operand} 0 is
	 * A (m x k, held by every warp of a row of {@code parent}'s warps), 1 is B (k x n, held by every
	 * warp of a column); ldmatrix fills them from shared memory.
	 */
	record DotOperand(int operand, Mma parent) implements Layout {
		@Override
		public String toString() {
			return "dot_operand " + (operand == 0 ? "a" : "b") + " of " + parent;
		}
	}

	/**
	 * A shared tile stored row-major along {@code order} ({@code order[0]} the contiguous axis), with
	 * the XOR swizzle of the contiguous axis that spreads a column of rows over the banks: in row r,
	 * the group of {@code vector} elements g moves to group {@code g ^ ((r / perPhase) % maxPhase)}.
	 * {@code maxPhase} 1 is no swizzle. {@code panel} > 0 (2-D tiles only) cuts the contiguous axis
	 * into panels of that many elements stored one after the other, each a row-major tile of its
	 * own: the operand layout of Hopper's wgmma, whose swizzled rows are at most 128 bytes.
	 */
	record Swizzled(int vector, int perPhase, int maxPhase, List<Integer> order, int panel) implements Layout {
		public Swizzled {
			order = List.copyOf(order);
		}

		public Swizzled(int vector, int perPhase, int maxPhase, List<Integer> order) {
			this(vector, perPhase, maxPhase, order, 0);
		}

		@Override
		public String toString() {
			String panels = panel > 0 ? ", panel " + panel : "";
			return maxPhase == 1 ? "shared order " + order + panels
					: "swizzled vector " + vector + ", per_phase " + perPhase + ", max_phase " + maxPhase + panels + ", order " + order;
		}
	}
}
