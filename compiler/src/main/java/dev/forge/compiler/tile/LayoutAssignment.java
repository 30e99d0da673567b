package dev.forge.compiler.tile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.forge.targets.Target;

/**
 * Tile IR -> Tile IR: spreads each program over the target's threads and gives every tile value a
 * {@link Layout}. On a CPU a program is one thread and nothing changes ({@link Threads#ONE}). On a
 * GPU a program has the warps its schedule asks for, of the chip's warp size; register tiles are
 * {@link Layout.Blocked}: the schedule's vector of elements along the last axis per thread, the lanes of a warp along
 * the last axis first, warps along the first axis first; shared tiles are {@link Layout.Swizzled}
 * with the schedule's swizzle ("xor": rows of one bank-row XOR-permuted by 16-byte groups).
 */
public final class LayoutAssignment {

	private LayoutAssignment() {
	}

	public static TileFunction apply(TileFunction f, Target target) {
		List<Kernel> kernels = new ArrayList<>();
		for (Kernel k : f.kernels()) {
			kernels.add(target.isGpu()
					? BulkCopies.apply(distribute(WarpGroupDots.apply(TensorCoreOperands.apply(k, target), target), target), target)
					: k.withThreads(Threads.ONE));
		}
		return new TileFunction(f.name(), f.buffers(), kernels);
	}

	private static Kernel distribute(Kernel k, Target target) {
		int warps = k.threads().warps();
		int lanes = target.warpSize();
		int bankRowBytes = target.sharedMemoryBanks() * target.sharedMemoryBankWidth();
		Map<Integer, Layout> layouts = new HashMap<>();
		for (Stmt s : Stmt.flatten(k.body())) {
			for (TileValue v : Stmt.defined(s)) {
				layouts.put(v.id(), layout(v.type(), warps, lanes, k.threads().vector(), k.threads().swizzle(), bankRowBytes));
			}
		}
		tensorCoreLayouts(k, warps, target, layouts);
		return k.withThreads(new Threads(warps, lanes, k.threads().vector(), k.threads().swizzle(), layouts));
	}

	/**
	 * Dots that run on tensor cores: the accumulator, the result and every value a loop carries
	 * into or out of them get the instruction's accumulator layout (so that a k-loop's accumulator
	 * stays in it), the operands the fragment layouts ldmatrix fills.
	 */
	private static void tensorCoreLayouts(Kernel k, int warps, Target target, Map<Integer, Layout> layouts) {
		Map<Integer, Integer> parent = new HashMap<>();
		List<Stmt> all = Stmt.flatten(k.body());
		for (Stmt s : all) {
			if (s instanceof Stmt.For f) {
				for (int i = 0; i < f.carried().size(); i++) {
					union(parent, f.carried().get(i).id(), f.inits().get(i).id());
					union(parent, f.carried().get(i).id(), f.yielded().get(i).id());
					union(parent, f.carried().get(i).id(), f.results().get(i).id());
				}
			} else if (s instanceof Stmt.Dot d) {
				union(parent, d.result().id(), d.acc().id());
			}
		}
		for (Stmt s : all) {
			if (!(s instanceof Stmt.Dot d)) {
				continue;
			}
			boolean warpGroup = d.a().type().space() == TileType.Space.SHARED;
			List<Integer> split = warpGroup ? TensorCoreOperands.wgmmaWarps(d, warps, target) : TensorCoreOperands.mmaWarps(d, warps, target);
			if (split == null) {
				continue;
			}
			Layout.Mma mma = new Layout.Mma(split, warpGroup);
			int root = find(parent, d.result().id());
			for (Stmt t : all) {
				for (TileValue v : Stmt.defined(t)) {
					if (find(parent, v.id()) == root && v.type().shape().equals(d.result().type().shape())
							&& v.type().space() == TileType.Space.REGISTERS) {
						layouts.put(v.id(), mma);
					}
				}
			}
			if (warpGroup) {
				// Every region a pipelined operand passes through (the loop-carried stages) gets wgmma's layout.
				for (TileValue operand : List.of(d.a(), d.b())) {
					int group = find(parent, operand.id());
					for (Stmt t : all) {
						for (TileValue v : Stmt.defined(t)) {
							if (find(parent, v.id()) == group) {
								layouts.put(v.id(), wgmmaShared(v.type()));
							}
						}
					}
				}
			} else {
				layouts.put(d.a().id(), new Layout.DotOperand(0, mma));
				layouts.put(d.b().id(), new Layout.DotOperand(1, mma));
			}
		}
	}

	/**
	 * A 16-bit wgmma operand in shared memory: row-major, rows of 32, 64 or 128 bytes in the swizzle
	 * of that width (CuTe's Swizzle<1|2|3,4,3>: 16-byte group g of row r moves to g ^ (r / (128 /
	 * row bytes)) mod (row bytes / 16)), a longer contiguous axis in panels of 64 elements.
	 */
	static Layout.Swizzled wgmmaShared(TileType t) {
		int row = TensorCoreOperands.wgmmaRow(t.shape().get(1));
		int rowBytes = row * 2;
		return new Layout.Swizzled(8, 128 / rowBytes, rowBytes / 16, List.of(1, 0), row);
	}

	private static int find(Map<Integer, Integer> parent, int x) {
		int p = parent.getOrDefault(x, x);
		if (p == x) {
			return x;
		}
		int root = find(parent, p);
		parent.put(x, root);
		return root;
	}

	private static void union(Map<Integer, Integer> parent, int a, int b) {
		int ra = find(parent, a), rb = find(parent, b);
		if (ra != rb) {
			parent.put(ra, rb);
		}
	}

	/**
	 * The layout of a tile of type {@code t}. Register tiles of one shape get one layout whatever
	 * their dtype (the kernel's {@code vector} per thread), so elementwise ops need no conversions;
	 * shared tiles group 16 bytes of their own dtype.
	 */
	public static Layout layout(TileType t, int warps, int lanes, int threadVector, String swizzle, int bankRowBytes) {
		int rank = t.rank();
		if (rank == 0) {
			return new Layout.Replicated();
		}
		int bytes = Math.max(1, t.dtype().bits() / 8);
		List<Integer> shape = t.shape();
		int last = shape.get(rank - 1);
		int vector = Math.max(1, Math.min(last, 16 / bytes));
		int perThread = Math.max(1, Math.min(last, threadVector));
		List<Integer> order = new ArrayList<>();
		for (int d = rank - 1; d >= 0; d--) {
			order.add(d);
		}
		if (t.space() == TileType.Space.SHARED) {
			if (!"xor".equals(swizzle) || rank < 2) {
				return new Layout.Swizzled(1, 1, 1, order);
			}
			int rowBytes = last * bytes;
			int perPhase = Math.max(1, bankRowBytes / rowBytes);
			// The XOR of a group index with the phase must stay a group of the row: a power of two of groups.
			int groups = last % vector == 0 ? last / vector : 1;
			int maxPhase = Math.max(1, Math.min(Integer.lowestOneBit(groups), bankRowBytes / 16));
			return new Layout.Swizzled(vector, perPhase, maxPhase, order);
		}
		int[] per = new int[rank];
		int[] lane = new int[rank];
		int[] warp = new int[rank];
		java.util.Arrays.fill(per, 1);
		per[rank - 1] = perThread;
		int left = lanes;
		for (int d = rank - 1; d >= 0; d--) {
			lane[d] = Math.min(left, Integer.highestOneBit(Math.max(1, ceilDiv(shape.get(d), per[d]))));
			left /= lane[d];
		}
		lane[rank - 1] *= left;
		left = warps;
		for (int d = 0; d < rank && Integer.bitCount(warps) == 1; d++) {
			warp[d] = Math.min(left, Integer.highestOneBit(Math.max(1, ceilDiv(shape.get(d), per[d] * lane[d]))));
			left /= warp[d];
		}
		warp[0] *= left;
		return new Layout.Blocked(list(per), list(lane), list(warp), order);
	}

	private static int ceilDiv(int a, int b) {
		return (a + b - 1) / b;
	}

	private static List<Integer> list(int[] a) {
		List<Integer> l = new ArrayList<>();
		for (int x : a) {
			l.add(x);
		}
		return l;
	}
}
