package dev.forge.compiler.tile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a {@link Layout} means, computed: which elements a thread holds, which threads hold an
 * element, the shared-memory offset of an element, and how many bank wavefronts a warp's access to
 * a shared tile takes. The race and bank-conflict lints and the GPU backend read layouts only
 * through these functions.
 */
public final class LayoutMap {

	private LayoutMap() {
	}

	/** The coordinates of the elements thread {@code lane} of warp {@code warp} holds, in register order. */
	public static List<int[]> elements(Layout.Blocked l, List<Integer> shape, int warp, int lane) {
		int rank = shape.size();
		int[] laneAt = delinearize(lane, l.lanes(), l.order());
		int[] warpAt = delinearize(warp, l.warps(), l.order());
		List<List<Integer>> perAxis = new ArrayList<>();
		for (int d = 0; d < rank; d++) {
			int per = l.perThread().get(d);
			int cover = per * l.lanes().get(d) * l.warps().get(d);
			int base = (warpAt[d] * l.lanes().get(d) + laneAt[d]) * per;
			int size = shape.get(d);
			List<Integer> xs = new ArrayList<>();
			for (int rep = 0; rep * cover < Math.max(size, 1); rep++) {
				for (int i = 0; i < per; i++) {
					int x = rep * cover + base + i;
					x = size < cover ? x % size : x;
					if (x < size && !xs.contains(x)) {
						xs.add(x);
					}
				}
			}
			perAxis.add(xs);
		}
		List<int[]> out = new ArrayList<>();
		product(perAxis, l.order(), new int[rank], rank - 1, out);
		return out;
	}

	/** The threads (warp * lanes + lane) holding element {@code at}: one, or several where the layout wraps. */
	public static List<Integer> holders(Layout.Blocked l, List<Integer> shape, int[] at) {
		int lanes = product(l.lanes());
		List<Integer> out = new ArrayList<>();
		for (int w = 0; w < product(l.warps()); w++) {
			for (int t = 0; t < lanes; t++) {
				for (int[] e : elements(l, shape, w, t)) {
					if (java.util.Arrays.equals(e, at)) {
						out.add(w * lanes + t);
						break;
					}
				}
			}
		}
		return out;
	}

	/** The element offset of {@code at} in a shared tile of {@code shape} stored with layout {@code s}. */
	public static long offset(Layout.Swizzled s, List<Integer> shape, int[] at) {
		return offset(s, shape, at, 0);
	}

	/** As above, with each row (the contiguous axis) padded by {@code pad} elements (what a padding fix would do). */
	public static long offset(Layout.Swizzled s, List<Integer> shape, int[] at, int pad) {
		int rank = shape.size();
		if (s.panel() > 0) {
			int col = at[s.order().get(0)], row = at[s.order().get(1)];
			long panelStart = (long) (col / s.panel()) * shape.get(s.order().get(1)) * s.panel();
			return panelStart + (long) row * s.panel() + swizzledColumn(s, row, col % s.panel());
		}
		long offset = 0, stride = 1;
		for (int k = 0; k < rank; k++) {
			int d = s.order().get(k);
			offset += (long) at[d] * stride;
			stride *= shape.get(d) + (k == 0 ? pad : 0);
		}
		if (rank < 2 || s.maxPhase() == 1) {
			return offset;
		}
		int col = at[s.order().get(0)];
		int row = at[s.order().get(1)];
		return offset - col + swizzledColumn(s, row, col);
	}

	/** Where column {@code col} of row {@code row} goes within its row: 16-byte groups XOR-permuted by the row's phase. */
	private static int swizzledColumn(Layout.Swizzled s, int row, int col) {
		int phase = (row / s.perPhase()) % s.maxPhase();
		return ((col / s.vector()) ^ phase) * s.vector() + col % s.vector();
	}

	/**
	 * How many wavefronts (bank-conflict ways) the worst access of one warp takes when each thread
	 * reads or writes the elements its register layout gives it, at the shared layout's addresses.
	 * Each thread accesses its contiguous run along the shared tile's contiguous axis as one vector
	 * of up to 16 bytes; a warp's vector accesses are served in phases of banks * bankWidth bytes
	 * (all 32 lanes for 4-byte words, 8 lanes per phase for 16 bytes). 1 means conflict-free.
	 */
	public static int wavefronts(Layout.Blocked reg, Layout.Swizzled shared, List<Integer> shape, int elementBytes, int banks,
			int bankWidth) {
		int lanes = product(reg.lanes());
		int contiguous = shared.order().get(0);
		int run = Math.max(1, Math.min(reg.perThread().get(contiguous), 16 / elementBytes));
		if (reg.order().get(0) != contiguous) {
			run = 1;
		}
		int accessBytes = run * elementBytes;
		int lanesPerPhase = Math.max(1, Math.min(lanes, banks * bankWidth / Math.max(accessBytes, bankWidth)));
		int worst = 1;
		for (int w = 0; w < product(reg.warps()); w++) {
			List<List<int[]>> held = new ArrayList<>();
			for (int t = 0; t < lanes; t++) {
				held.add(elements(reg, shape, w, t));
			}
			int accesses = held.get(0).size();
			for (int a = 0; a < accesses; a += run) {
				for (int phase = 0; phase < lanes; phase += lanesPerPhase) {
					Map<Integer, Set<Long>> wordsPerBank = new HashMap<>();
					for (int t = phase; t < Math.min(lanes, phase + lanesPerPhase); t++) {
						for (int e = a; e < Math.min(a + run, held.get(t).size()); e++) {
							long byteAddress = offset(shared, shape, held.get(t).get(e)) * elementBytes;
							for (long word = byteAddress / bankWidth; word <= (byteAddress + elementBytes - 1) / bankWidth; word++) {
								wordsPerBank.computeIfAbsent((int) (word % banks), b -> new HashSet<>()).add(word);
							}
						}
					}
					for (Set<Long> words : wordsPerBank.values()) {
						worst = Math.max(worst, words.size());
					}
				}
			}
		}
		return worst;
	}

	/**
	 * The wavefronts of the worst 8x8 matrix an ldmatrix reads into operand layout {@code op} from a
	 * shared tile of {@code shape} in layout {@code shared} (16-bit elements): eight 16-byte rows at
	 * once, the rows along the non-contiguous axis, matrix j of a block at (+8 (j & 1), +8 (j >> 1))
	 * (A: rows of m, then k; B: k, then n). 1 means the eight rows fall in distinct banks.
	 */
	public static int ldmatrixWavefronts(Layout.DotOperand op, Layout.Swizzled shared, List<Integer> shape, int banks, int bankWidth) {
		int kAxis = op.operand() == 0 ? 1 : 0;
		int outerAxis = 1 - kAxis;
		int rowAxis = shared.order().get(1);
		int outerStep = op.operand() == 0 ? 16 : 8;
		int worst = 1;
		for (int outer = 0; outer + outerStep <= shape.get(outerAxis); outer += outerStep) {
			for (int k = 0; k + 16 <= shape.get(kAxis); k += 16) {
				for (int j = 0; j < 4; j++) {
					int outerOff = 8 * (op.operand() == 0 ? j & 1 : j >> 1);
					int kOff = 8 * (op.operand() == 0 ? j >> 1 : j & 1);
					if (outerOff >= outerStep) {
						continue;
					}
					Map<Integer, Set<Long>> wordsPerBank = new HashMap<>();
					for (int row = 0; row < 8; row++) {
						int[] at = new int[2];
						at[outerAxis] = outer + outerOff + (rowAxis == outerAxis ? row : 0);
						at[kAxis] = k + kOff + (rowAxis == kAxis ? row : 0);
						long byteAddress = offset(shared, shape, at) * 2;
						for (long word = byteAddress / bankWidth; word < (byteAddress + 16) / bankWidth; word++) {
							wordsPerBank.computeIfAbsent((int) (word % banks), b -> new HashSet<>()).add(word);
						}
					}
					for (Set<Long> words : wordsPerBank.values()) {
						worst = Math.max(worst, words.size());
					}
				}
			}
		}
		return worst;
	}

	private static int[] delinearize(int id, List<Integer> sizes, List<Integer> order) {
		int[] at = new int[sizes.size()];
		for (int d : order) {
			at[d] = id % sizes.get(d);
			id /= sizes.get(d);
		}
		return at;
	}

	/** The cartesian product of the per-axis coordinates, the slowest axis of {@code order} outermost. */
	private static void product(List<List<Integer>> perAxis, List<Integer> order, int[] at, int k, List<int[]> out) {
		if (k < 0) {
			out.add(at.clone());
			return;
		}
		int d = order.get(k);
		for (int x : perAxis.get(d)) {
			at[d] = x;
			product(perAxis, order, at, k - 1, out);
		}
	}

	static int product(List<Integer> xs) {
		int p = 1;
		for (int x : xs) {
			p *= x;
		}
		return p;
	}
}
