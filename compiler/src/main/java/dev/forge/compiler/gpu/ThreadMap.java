package dev.forge.compiler.gpu;

import dev.forge.compiler.tile.Layout;
import java.util.ArrayList;
import java.util.List;

/**
 * A register tile's elements among the threads of a block, as the GPU backend stores them: each
 * thread holds the same number of registers ("slots"), slot s holding the element at
 * {@link #coords(int, int)}{@code [s]}. Follows {@link Layout.Blocked}: along axis d a thread holds
 * {@code perThread[d]} consecutive elements, repeated every {@code perThread * lanes * warps}
 * ("cover") elements over a larger tile, wrapped modulo the size over a smaller one (several
 * threads then hold the same element). Slots are ordered as {@code LayoutMap.elements} orders
 * elements: {@code order[0]} fastest. A rank-0 tile ({@link Layout.Replicated}) is one slot every
 * thread holds.
 *
 * <p>The same formulas give the coordinates of a concrete thread (to decide at compile time whether
 * two layouts line up) and, in {@link GpuKernelEmitter}, the run-time coordinates of the executing
 * thread.
 */
record ThreadMap(List<Integer> shape, List<Integer> perThread, List<Integer> lanes, List<Integer> warps,
		List<Integer> order) {

	ThreadMap {
		shape = List.copyOf(shape);
		perThread = List.copyOf(perThread);
		lanes = List.copyOf(lanes);
		warps = List.copyOf(warps);
		order = List.copyOf(order);
	}

	/** The map of a tile of {@code shape} in layout {@code l}; null layouts and rank 0 are replicated. */
	static ThreadMap of(Layout l, List<Integer> shape) {
		if (shape.isEmpty() || !(l instanceof Layout.Blocked b)) {
			List<Integer> ones = new ArrayList<>();
			List<Integer> order = new ArrayList<>();
			for (int d = shape.size() - 1; d >= 0; d--) {
				ones.add(1);
				order.add(d);
			}
			// Every thread holds every element of a tile without a register layout (only tiny tiles get none).
			List<Integer> per = new ArrayList<>(shape);
			return new ThreadMap(shape, per, ones, ones, order);
		}
		List<Integer> per = new ArrayList<>();
		for (int d = 0; d < shape.size(); d++) {
			// A thread never holds an element twice: a block wider than the tile shrinks to it.
			per.add(Math.max(1, Math.min(b.perThread().get(d), shape.get(d))));
		}
		return new ThreadMap(shape, per, b.lanes(), b.warps(), b.order());
	}

	int rank() {
		return shape.size();
	}

	int cover(int d) {
		return perThread.get(d) * lanes.get(d) * warps.get(d);
	}

	/** Slots along axis d: the blocks of a thread over the tile, or one block where the tile is narrower than the cover. */
	int count(int d) {
		int size = shape.get(d), cover = cover(d);
		return size >= cover ? ceilDiv(size, cover) * perThread.get(d) : perThread.get(d);
	}

	/** Whether axis d wraps: the tile is narrower than what the threads cover, so threads share elements. */
	boolean wraps(int d) {
		return shape.get(d) < cover(d);
	}

	int slots() {
		int n = 1;
		for (int d = 0; d < rank(); d++) {
			n *= count(d);
		}
		return n;
	}

	/** The per-axis slot index of slot s (order[0] fastest). */
	int[] slotIndex(int s) {
		int[] j = new int[rank()];
		for (int d : order) {
			j[d] = s % count(d);
			s /= count(d);
		}
		return j;
	}

	/** The slot of per-axis slot indices j. */
	int slot(int[] j) {
		int s = 0;
		for (int k = order.size() - 1; k >= 0; k--) {
			int d = order.get(k);
			s = s * count(d) + j[d];
		}
		return s;
	}

	/** The position of the thread along axis d in units of blocks: (warp coordinate * lanes + lane coordinate). */
	int blockOf(int d, int warp, int lane) {
		int[] laneAt = delinearize(lane, lanes);
		int[] warpAt = delinearize(warp, warps);
		return warpAt[d] * lanes.get(d) + laneAt[d];
	}

	/** The element coordinate along axis d of per-axis slot index j for a thread at block position {@code block}, before wrapping. */
	int rawCoordinate(int d, int j, int block) {
		int per = perThread.get(d);
		return (j / per) * cover(d) + block * per + j % per;
	}

	/** Coordinates of every slot of thread {@code lane} of warp {@code warp}; null for a slot past a ragged tile edge. */
	int[][] coords(int warp, int lane) {
		int[][] out = new int[slots()][];
		for (int s = 0; s < out.length; s++) {
			int[] j = slotIndex(s);
			int[] at = new int[rank()];
			for (int d = 0; d < rank(); d++) {
				int x = rawCoordinate(d, j[d], blockOf(d, warp, lane));
				at[d] = wraps(d) ? x % shape.get(d) : x;
				if (at[d] >= shape.get(d)) {
					at = null;
					break;
				}
			}
			out[s] = at;
		}
		return out;
	}

	/** Whether slot s of this thread holds the first copy of its element (the one thread that writes it to shared memory). */
	boolean owns(int warp, int lane, int s) {
		int[] j = slotIndex(s);
		for (int d = 0; d < rank(); d++) {
			if (rawCoordinate(d, j[d], blockOf(d, warp, lane)) >= shape.get(d)) {
				return false;
			}
		}
		return true;
	}

	int[] delinearize(int id, List<Integer> sizes) {
		int[] at = new int[sizes.size()];
		for (int d : order) {
			at[d] = id % sizes.get(d);
			id /= sizes.get(d);
		}
		return at;
	}

	int laneCount() {
		int n = 1;
		for (int x : lanes) {
			n *= x;
		}
		return n;
	}

	int warpCount() {
		int n = 1;
		for (int x : warps) {
			n *= x;
		}
		return n;
	}

	/** The lane-id stride of axis d: the product of the lanes of the axes before it in {@code order}. */
	int laneStride(int d) {
		return stride(d, lanes);
	}

	/** The warp-id stride of axis d. */
	int warpStride(int d) {
		return stride(d, warps);
	}

	private int stride(int d, List<Integer> sizes) {
		int stride = 1;
		for (int k : order) {
			if (k == d) {
				return stride;
			}
			stride *= sizes.get(k);
		}
		throw new IllegalArgumentException("axis " + d);
	}

	/** This map with axis d of size 1 and one element per thread along it (the result of reducing d). */
	ThreadMap reduced(int d) {
		List<Integer> s = new ArrayList<>(shape);
		List<Integer> p = new ArrayList<>(perThread);
		s.set(d, 1);
		p.set(d, 1);
		return new ThreadMap(s, p, lanes, warps, order);
	}

	static int ceilDiv(int a, int b) {
		return (a + b - 1) / b;
	}
}
