package dev.forge.compiler.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * The schedule of one kernel.
 *
 * @param block the tile of the output each program computes, one size per output axis (leading axes 1)
 * @param inner the step of the inner loop (K for a matmul, the column block of a row reduction; 0 when there is none)
 * @param vector the SIMD width in elements (on a GPU: elements per thread per memory access)
 * @param threads how many programs run at once (cores on a CPU, SMs on a GPU)
 * @param order the loop order over the blocks of the output (the grid axes), outermost first; the
 *        inner loop always runs inside. Programs are enumerated with the last of {@code order} fastest.
 * @param parallel the grid axes whose blocks are separate programs run in parallel; every other grid
 *        axis is a sequential loop inside each program, in {@code order}
 * @param warps the threads of one program, in warps (1 on a CPU: a program is one thread)
 * @param stages the depth of the software pipeline of the inner loop's operand loads (1: none; on a
 *        GPU the loads become asynchronous copies into {@code stages} shared buffers)
 * @param origin where it came from ("default: host cost model", "user: 34:1")
 */
public record Tiling(List<Integer> block, int inner, int vector, int threads, List<Integer> order, List<Integer> parallel,
		int warps, int stages, String origin) {

	public Tiling {
		block = List.copyOf(block);
		order = List.copyOf(order);
		parallel = List.copyOf(parallel);
	}

	/** Every one of {@code gridAxes} axes parallel, in their natural order; one thread per program, no pipeline. */
	public Tiling(List<Integer> block, int inner, int vector, int threads, int gridAxes, String origin) {
		this(block, inner, vector, threads, axes(gridAxes), axes(gridAxes), 1, 1, origin);
	}

	public Tiling withBlock(List<Integer> newBlock, int newInner, String newOrigin) {
		return new Tiling(newBlock, newInner, vector, threads, order, parallel, warps, stages, newOrigin);
	}

	public Tiling withThreadsAndStages(int newWarps, int newStages) {
		return new Tiling(block, inner, vector, threads, order, parallel, newWarps, newStages, origin);
	}

	public Tiling withLoops(List<Integer> newOrder, List<Integer> newParallel) {
		return new Tiling(block, inner, vector, threads, newOrder, newParallel, warps, stages, origin);
	}

	public boolean isParallel(int axis) {
		return parallel.contains(axis);
	}

	/** 0, 1, ..., n-1. */
	public static List<Integer> axes(int n) {
		List<Integer> a = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			a.add(i);
		}
		return a;
	}

	@Override
	public String toString() {
		return "block " + block + (inner > 0 ? ", inner " + inner : "") + ", vector " + vector + ", threads " + threads
				+ ", order " + order + ", parallel " + parallel + ", warps " + warps + ", stages " + stages + "  (" + origin + ")";
	}
}
