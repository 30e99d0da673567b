package dev.forge.compiler.gpu;

import dev.forge.compiler.tile.Layout;
import java.util.ArrayList;
import java.util.List;

/**
 * A register tile's elements among the threads of a block, as the GPU backend stores them: each
 * thread holds the same number of registers ("slots"). Along every axis the element coordinate is a
 * mixed-radix number whose digits ({@link Level}s, least significant first) come from the slot, the
 * lane id or the warp id. A {@link Layout.Blocked} axis is {@code [register perThread, lane, warp,
 * register repeats]}; the tensor-core layouts ({@link Layout.Mma}, {@link Layout.DotOperand}) put
 * register digits between the lane digits, as the mma.sync fragments do. A lane or warp digit no
 * axis reads means replication: those threads hold copies (the operands of a dot are held by every
 * warp of a row or column of warps). An axis whose threads span more than the tile wraps modulo its
 * size (several threads then hold the same element); a rank-0 tile is one slot every thread holds.
 *
 * <p>The same formulas give the coordinates of a concrete thread (to decide at compile time whether
 * two layouts line up) and, in {@link GpuKernelEmitter}, the run-time coordinates of the executing
 * thread.
 */
record ThreadMap(List<Integer> shape, List<List<Level>> axes) {

	enum Source {
		REGISTER, LANE, WARP
	}

	/**
	 * One digit of an axis coordinate: {@code size} values taken from the slot index (REGISTER),
	 * the lane id or the warp id, as {@code (id / stride) % size}.
	 */
	record Level(Source source, int size, int stride) {
	}

	ThreadMap {
		shape = List.copyOf(shape);
		List<List<Level>> copy = new ArrayList<>();
		for (List<Level> a : axes) {
			copy.add(List.copyOf(a));
		}
		axes = List.copyOf(copy);
	}

	/** The map of a tile of {@code shape} in layout {@code l}; null layouts and rank 0 are replicated. */
	static ThreadMap of(Layout l, List<Integer> shape) {
		return switch (l) {
			case Layout.Blocked b when !shape.isEmpty() -> blocked(b, shape);
			case Layout.Mma m -> mma(m, shape);
			case Layout.DotOperand o -> operand(o, shape);
			case null, default -> replicated(shape);
		};
	}

	/** Every thread holds every element (tiles without a register layout: scalars and tiny tiles). */
	private static ThreadMap replicated(List<Integer> shape) {
		List<List<Level>> axes = new ArrayList<>();
		int slotStride = 1;
		long[] strides = new long[shape.size()];
		for (int d = shape.size() - 1; d >= 0; d--) {
			strides[d] = slotStride;
			slotStride *= shape.get(d);
		}
		for (int d = 0; d < shape.size(); d++) {
			axes.add(List.of(reg(shape.get(d), (int) strides[d])));
		}
		return new ThreadMap(shape, axes);
	}

	private static ThreadMap blocked(Layout.Blocked b, List<Integer> shape) {
		int rank = shape.size();
		int[] per = new int[rank];
		int[] reps = new int[rank];
		for (int d = 0; d < rank; d++) {
			// A thread never holds an element twice: a block wider than the tile shrinks to it.
			per[d] = Math.max(1, Math.min(b.perThread().get(d), shape.get(d)));
			int cover = per[d] * b.lanes().get(d) * b.warps().get(d);
			reps[d] = shape.get(d) >= cover ? ceilDiv(shape.get(d), cover) : 1;
		}
		int[] slotStride = new int[rank];
		int[] laneStride = new int[rank];
		int[] warpStride = new int[rank];
		int s = 1, ls = 1, ws = 1;
		for (int d : b.order()) {
			slotStride[d] = s;
			s *= per[d] * reps[d];
			laneStride[d] = ls;
			ls *= b.lanes().get(d);
			warpStride[d] = ws;
			ws *= b.warps().get(d);
		}
		List<List<Level>> axes = new ArrayList<>();
		for (int d = 0; d < rank; d++) {
			axes.add(List.of(reg(per[d], slotStride[d]), new Level(Source.LANE, b.lanes().get(d), laneStride[d]),
					new Level(Source.WARP, b.warps().get(d), warpStride[d]), reg(reps[d], slotStride[d] * per[d])));
		}
		return new ThreadMap(shape, axes);
	}

	/**
	 * The accumulator of mma.sync m16n8k16: in each 16x8 block lane l holds (l/4, 2(l%4) + {0,1}) and
	 * (l/4 + 8, ...), four slots c0..c3 per block. Along m the warps take turns by 16 rows (warp
	 * wmIndex holds rows 16 wmIndex + 16 wm mi + ...: the accumulator layout of wgmma m64nNk16 too,
	 * whose four warps hold 16 rows each); along n each warp holds rn adjacent 8-wide blocks (so
	 * ldmatrix.x4 reads B for two at once). {@code warps} = [wm, wn], warp id = wmIndex * wn + wnIndex.
	 * Slot of c_i of block (mi, ni): i + 4 (ni + rn mi).
	 */
	private static ThreadMap mma(Layout.Mma m, List<Integer> shape) {
		int wm = m.warps().get(0), wn = m.warps().get(1);
		int rm = repeats(shape.get(0), 16 * wm), rn = repeats(shape.get(1), 8 * wn);
		return new ThreadMap(shape, List.of(
				List.of(lane(8, 4), reg(2, 2), warp(wm, wn), reg(rm, 4 * rn)),
				List.of(reg(2, 1), lane(4, 1), reg(rn, 4), warp(wn, 1))));
	}

	/**
	 * The operands of mma.sync m16n8k16 (registers in the order ldmatrix.x4 fills them). A (m x k):
	 * per 16x16 block a0..a7 = (l/4, 2(l%4)+{0,1}), (+8 rows), (+8 columns), (+8 both); slot
	 * i + 8 (ki + rk mi); every warp of a row of warps holds the same copy. B (k x n): per 16x8 block
	 * b0..b3 = (2(l%4)+{0,1}, l/4), (+8 rows); slot i + 4 (ni + rn ki); every warp of a column holds it.
	 */
	private static ThreadMap operand(Layout.DotOperand o, List<Integer> shape) {
		int wm = o.parent().warps().get(0), wn = o.parent().warps().get(1);
		if (o.operand() == 0) {
			int rm = repeats(shape.get(0), 16 * wm), rk = repeats(shape.get(1), 16);
			return new ThreadMap(shape, List.of(
					List.of(lane(8, 4), reg(2, 2), warp(wm, wn), reg(rm, 8 * rk)),
					List.of(reg(2, 1), lane(4, 1), reg(2, 4), reg(rk, 8))));
		}
		int rk = repeats(shape.get(0), 16), rn = repeats(shape.get(1), 8 * wn);
		return new ThreadMap(shape, List.of(
				List.of(reg(2, 1), lane(4, 1), reg(2, 2), reg(rk, 4 * rn)),
				List.of(lane(8, 4), reg(rn, 4), warp(wn, 1))));
	}

	private static int repeats(int size, int block) {
		if (size % block != 0) {
			throw new IllegalArgumentException("a tensor-core tile axis of " + size + " is not a multiple of " + block);
		}
		return size / block;
	}

	private static Level reg(int size, int slotStride) {
		return new Level(Source.REGISTER, size, slotStride);
	}

	private static Level lane(int size, int stride) {
		return new Level(Source.LANE, size, stride);
	}

	private static Level warp(int size, int stride) {
		return new Level(Source.WARP, size, stride);
	}

	int rank() {
		return shape.size();
	}

	int slots() {
		int n = 1;
		for (List<Level> a : axes) {
			for (Level v : a) {
				if (v.source() == Source.REGISTER) {
					n *= v.size();
				}
			}
		}
		return n;
	}

	/** The weight of level i of axis d in the coordinate: the product of the sizes of the levels below it. */
	int weight(int d, int i) {
		int w = 1;
		for (int k = 0; k < i; k++) {
			w *= axes.get(d).get(k).size();
		}
		return w;
	}

	/**
	 * What the threads of axis d span: the product of its levels up to the last lane or warp digit
	 * (register repeats above it cover a larger tile). A tile narrower than that wraps.
	 */
	int span(int d) {
		List<Level> a = axes.get(d);
		int last = -1;
		for (int i = 0; i < a.size(); i++) {
			if (a.get(i).source() != Source.REGISTER) {
				last = i;
			}
		}
		return last < 0 ? weight(d, a.size()) : weight(d, last + 1);
	}

	/** Whether axis d wraps: the tile is narrower than what the threads span, so threads share elements. */
	boolean wraps(int d) {
		return shape.get(d) < span(d);
	}

	/** Consecutive elements of axis d one thread holds in consecutive-stride slots (the lowest digit, when a register one). */
	int perThread(int d) {
		Level first = axes.get(d).get(0);
		return first.source() == Source.REGISTER ? first.size() : 1;
	}

	/** The slot stride of the lowest digit of axis d (when it is a register digit). */
	int slotStep(int d) {
		Level first = axes.get(d).get(0);
		return first.source() == Source.REGISTER ? first.stride() : 0;
	}

	/** Slots along axis d. */
	int count(int d) {
		int n = 1;
		for (Level v : axes.get(d)) {
			if (v.source() == Source.REGISTER) {
				n *= v.size();
			}
		}
		return n;
	}

	/** The per-axis register index of slot s: the register digits of each axis as one number, lowest digit first. */
	int[] slotIndex(int s) {
		int[] j = new int[rank()];
		for (int d = 0; d < rank(); d++) {
			int radix = 1;
			for (Level v : axes.get(d)) {
				if (v.source() == Source.REGISTER) {
					j[d] += (s / v.stride()) % v.size() * radix;
					radix *= v.size();
				}
			}
		}
		return j;
	}

	/** The slot of per-axis register indices j. */
	int slot(int[] j) {
		int s = 0;
		for (int d = 0; d < rank(); d++) {
			int rest = j[d];
			for (Level v : axes.get(d)) {
				if (v.source() == Source.REGISTER) {
					s += rest % v.size() * v.stride();
					rest /= v.size();
				}
			}
		}
		return s;
	}

	/** The element coordinate along axis d of slot s for thread {@code lane} of warp {@code warp}, before wrapping. */
	int rawCoordinate(int d, int s, int warp, int lane) {
		int c = 0, w = 1;
		for (Level v : axes.get(d)) {
			int id = switch (v.source()) {
				case REGISTER -> s;
				case LANE -> lane;
				case WARP -> warp;
			};
			c += (id / v.stride()) % v.size() * w;
			w *= v.size();
		}
		return c;
	}

	/** Coordinates of every slot of thread {@code lane} of warp {@code warp}; null for a slot past a ragged tile edge. */
	int[][] coords(int warp, int lane) {
		int[][] out = new int[slots()][];
		for (int s = 0; s < out.length; s++) {
			int[] at = new int[rank()];
			for (int d = 0; d < rank(); d++) {
				int x = rawCoordinate(d, s, warp, lane);
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
		for (int d = 0; d < rank(); d++) {
			if (rawCoordinate(d, s, warp, lane) >= shape.get(d)) {
				return false;
			}
		}
		return projection(Source.LANE, lane) == lane && projection(Source.WARP, warp) == warp;
	}

	/** The id with the digits no axis reads set to 0: a thread with digits no axis reads holds copies only. */
	int projection(Source source, int id) {
		int p = 0;
		for (List<Level> a : axes) {
			for (Level v : a) {
				if (v.source() == source) {
					p += (id / v.stride()) % v.size() * v.stride();
				}
			}
		}
		return p;
	}

	/** Whether some lane or warp digit is read by no axis (threads then hold copies of each other's elements). */
	boolean replicates(Source source, int ids) {
		int used = 1;
		for (List<Level> a : axes) {
			for (Level v : a) {
				if (v.source() == source) {
					used *= v.size();
				}
			}
		}
		return used < ids;
	}

	/**
	 * Whether axis d has the {@link Layout.Blocked} form {@code [register, lane, warp, register]}: the
	 * form the shuffle reductions are written for.
	 */
	boolean blockedAxis(int d) {
		List<Level> a = axes.get(d);
		return a.size() == 4 && a.get(0).source() == Source.REGISTER && a.get(1).source() == Source.LANE
				&& a.get(2).source() == Source.WARP && a.get(3).source() == Source.REGISTER;
	}

	/** Lanes along a blocked axis d. */
	int lanes(int d) {
		return level(d, Source.LANE).size();
	}

	/** Warps along a blocked axis d. */
	int warps(int d) {
		return level(d, Source.WARP).size();
	}

	/** The lane-id stride of a blocked axis d. */
	int laneStride(int d) {
		return level(d, Source.LANE).stride();
	}

	/** The warp-id stride of a blocked axis d. */
	int warpStride(int d) {
		return level(d, Source.WARP).stride();
	}

	private Level level(int d, Source source) {
		for (Level v : axes.get(d)) {
			if (v.source() == source) {
				return v;
			}
		}
		throw new IllegalArgumentException("axis " + d + " has no " + source + " digit");
	}

	/**
	 * This map with axis d of size 1 (the result of reducing d): its register digits go, its lane
	 * and warp digits stay (those threads then hold copies of the one element), the other register
	 * digits keep their order with compacted slot strides.
	 */
	ThreadMap reduced(int d) {
		List<Integer> s = new ArrayList<>(shape);
		s.set(d, 1);
		List<int[]> registers = new ArrayList<>(); // {axis, level, old stride}
		for (int a = 0; a < rank(); a++) {
			for (int i = 0; i < axes.get(a).size(); i++) {
				Level v = axes.get(a).get(i);
				if (v.source() == Source.REGISTER && a != d) {
					registers.add(new int[] { a, i, v.stride() });
				}
			}
		}
		registers.sort((x, y) -> Integer.compare(x[2], y[2]));
		List<List<Level>> out = new ArrayList<>();
		for (List<Level> a : axes) {
			out.add(new ArrayList<>(a));
		}
		int stride = 1;
		for (int[] r : registers) {
			Level v = axes.get(r[0]).get(r[1]);
			out.get(r[0]).set(r[1], reg(v.size(), stride));
			stride *= v.size();
		}
		List<Level> axis = out.get(d);
		for (int i = 0; i < axis.size(); i++) {
			if (axis.get(i).source() == Source.REGISTER) {
				axis.set(i, reg(1, 1));
			}
		}
		return new ThreadMap(s, out);
	}

	static int ceilDiv(int a, int b) {
		return (a + b - 1) / b;
	}
}
