package dev.forge.compiler.lint;

import java.util.ArrayList;
import java.util.List;

import dev.forge.compiler.gpu.RegisterElements;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.Layout;
import dev.forge.compiler.tile.LayoutMap;
import dev.forge.compiler.tile.LayoutAssignment;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TensorCoreOperands;
import dev.forge.compiler.tile.TileType;
import dev.forge.compiler.tile.TileValue;
import dev.forge.targets.Target;

/**
 * The shared-memory instructions the GPU backend emits for one statement of the Tile IR, lane by
 * lane, and their bank cost ({@link BankModel}). This mirrors {@code GpuKernelEmitter}: a copy
 * between registers and shared memory moves each thread's slots (a store only by the thread holding
 * an element's first copy), runs of consecutive slots along the shared tile's contiguous axis as one
 * vector of up to 16 bytes where the addresses are consecutive and aligned (LLVM's load/store
 * vectorizer merges them: the PTX of the samples has them as ld/st.shared.v4); a copy into a
 * tensor-core operand is ldmatrix.x4 (x2 for an odd n block of B) with the emitter's row addresses; an
 * async copy is cp.async of 16 bytes per thread in a blocked layout of 16-byte vectors. Emitter-internal
 * traffic (the scratch area of relayouts and reductions) is not Tile IR and not counted.
 */
final class SharedAccesses {

	private SharedAccesses() {
	}

	/** The bank cost of one statement's shared-memory traffic, per warp-level request. */
	record Summary(Stmt stmt, TileValue shared, String instruction, boolean load, int requests, long wavefronts, long ideal,
			BankModel.Cost worst) {
		/** Wavefronts per request, as ncu's wavefronts over requests gives it. */
		double perRequest() {
			return requests == 0 ? 0 : (double) wavefronts / requests;
		}

		double idealPerRequest() {
			return requests == 0 ? 0 : (double) ideal / requests;
		}
	}

	/** The shared tile a copy or async copy touches, or null when {@code s} touches none. */
	static TileValue sharedOf(Stmt s) {
		return switch (s) {
			case Stmt.Copy c when c.result().type().space() == TileType.Space.SHARED -> c.result();
			case Stmt.Copy c when c.x().type().space() == TileType.Space.SHARED -> c.x();
			case Stmt.AsyncCopy a -> a.result();
			default -> null;
		};
	}

	/**
	 * The shared tile statement s reaches through the load/store unit's banks: {@link #sharedOf}
	 * but for bulk copies, which TMA writes without bank accesses.
	 */
	static TileValue bankAccessOf(Stmt s) {
		return s instanceof Stmt.AsyncCopy a && a.bulk() ? null : sharedOf(s);
	}

	/** The layout the emitter stores a shared tile in: its assigned one, or unswizzled row-major. */
	static Layout.Swizzled layoutOf(Kernel k, TileValue v) {
		if (k.threads().of(v) instanceof Layout.Swizzled s) {
			return s;
		}
		List<Integer> order = new ArrayList<>();
		for (int d = v.type().rank() - 1; d >= 0; d--) {
			order.add(d);
		}
		return new Layout.Swizzled(1, 1, 1, order);
	}

	/** The cost of statement {@code s} with its shared tile in {@code layout}, rows padded by {@code pad}; null when it has no shared traffic. */
	static Summary measure(Kernel k, Stmt s, Target target, Layout.Swizzled layout, int pad) {
		return measure(k, s, target, layout, pad, null);
	}

	/** As above with the register side of a copy in layout {@code register} instead of its own (null: its own). */
	static Summary measure(Kernel k, Stmt s, Target target, Layout.Swizzled layout, int pad, Layout register) {
		TileValue shared = sharedOf(s);
		if (shared == null) {
			return null;
		}
		List<Integer> shape = shared.type().shape();
		int bytes = RegisterElements.storageBytes(shared.type().dtype());
		int banks = target.sharedMemoryBanks(), bankWidth = target.sharedMemoryBankWidth();
		int lanes = k.threads().lanes(), warps = k.threads().warps();
		if (s instanceof Stmt.Copy c && c.x() == shared && k.threads().of(c.result()) instanceof Layout.DotOperand op
				&& ldmatrixFits(target, shared, layout, pad)) {
			return ldmatrix(c, shared, op, layout, pad, warps, lanes, banks, bankWidth);
		}
		RegisterElements map;
		boolean load;
		String prefix;
		boolean async = false;
		if (s instanceof Stmt.AsyncCopy a) {
			int vector = Math.max(1, 16 / bytes);
			TileType inRegisters = new TileType(shape, shared.type().dtype());
			map = RegisterElements.of(LayoutAssignment.layout(inRegisters, warps, lanes, vector, "none", 128), shape);
			load = false;
			int axis = a.access().rank() == 0 ? -1 : a.access().tileAxis().get(a.access().rank() - 1);
			async = target.hasFeature("cp_async") && axis == layout.order().get(0) && map.perThread(axis) >= vector
					&& bytes * vector == 16 && (layout.maxPhase() == 1 || layout.vector() % vector == 0) && pad * bytes % 16 == 0;
			prefix = async ? "cp.async" : "st.shared";
		} else {
			Stmt.Copy c = (Stmt.Copy) s;
			load = c.x() == shared;
			TileValue reg = load ? c.result() : c.x();
			map = RegisterElements.of(register != null ? register : k.threads().of(reg), shape);
			prefix = load ? "ld.shared" : "st.shared";
		}
		int contiguous = layout.order().get(0);
		int run = async ? Math.max(1, 16 / bytes) : runLength(map, layout, shape, bytes, pad, warps, lanes, contiguous);
		int width = run * bytes;
		int requests = 0;
		long wavefronts = 0, ideal = 0;
		BankModel.Cost worst = null;
		int[][][] coords = new int[lanes][][];
		boolean[] starts = new boolean[map.slots()];
		for (int slot = 0; slot < starts.length; slot++) {
			starts[slot] = runStart(map, slot, contiguous, run);
		}
		long[] address = new long[lanes];
		boolean[] active = new boolean[lanes];
		for (int w = 0; w < warps; w++) {
			for (int l = 0; l < lanes; l++) {
				coords[l] = map.coords(w, l);
			}
			for (int slot = 0; slot < map.slots(); slot++) {
				if (!starts[slot]) {
					continue;
				}
				java.util.Arrays.fill(active, false);
				boolean any = false;
				for (int l = 0; l < lanes; l++) {
					int[] at = coords[l][slot];
					if (at == null || (!load && !map.owns(w, l, slot))) {
						continue;
					}
					active[l] = true;
					any = true;
					address[l] = LayoutMap.offset(layout, shape, at, pad) * bytes;
				}
				if (!any) {
					continue;
				}
				BankModel.Cost cost = BankModel.request(address, active, width, load, banks, bankWidth);
				requests++;
				wavefronts += cost.wavefronts();
				ideal += cost.ideal();
				if (worst == null || worse(cost, worst)) {
					worst = cost;
				}
			}
		}
		String instruction = prefix + " " + width + " B";
		return new Summary(s, shared, instruction, load, requests, wavefronts, ideal, worst == null ? new BankModel.Cost(0, 0) : worst);
	}

	private static boolean worse(BankModel.Cost a, BankModel.Cost b) {
		return (long) a.wavefronts() * Math.max(1, b.ideal()) > (long) b.wavefronts() * Math.max(1, a.ideal());
	}

	/** Whether slot s starts a run of {@code run} slots along axis c. */
	private static boolean runStart(RegisterElements map, int s, int c, int run) {
		return run == 1 || map.slotIndex(s)[c] % run == 0;
	}

	/**
	 * The vector length of the emitter's accesses: the largest power of two up to 16 bytes that
	 * divides the thread's run along the contiguous axis and whose runs lie consecutive and aligned
	 * in shared memory for every thread.
	 */
	private static int runLength(RegisterElements map, Layout.Swizzled layout, List<Integer> shape, int bytes, int pad, int warps,
			int lanes, int c) {
		if (map.wraps(c) || map.slotStep(c) == 0) {
			return 1;
		}
		int per = map.perThread(c);
		int run = Integer.highestOneBit(Math.max(1, Math.min(per, 16 / bytes)));
		while (per % run != 0) {
			run /= 2;
		}
		int[][][][] coords = new int[warps][lanes][][];
		for (int w = 0; w < warps; w++) {
			for (int l = 0; l < lanes; l++) {
				coords[w][l] = map.coords(w, l);
			}
		}
		for (; run > 1; run /= 2) {
			if (consecutive(map, coords, layout, shape, bytes, pad, warps, lanes, c, run)) {
				return run;
			}
		}
		return 1;
	}

	private static boolean consecutive(RegisterElements map, int[][][][] coords, Layout.Swizzled layout, List<Integer> shape, int bytes, int pad, int warps,
			int lanes, int c, int run) {
		int step = map.slotStep(c);
		boolean[] starts = new boolean[map.slots()];
		for (int s = 0; s < starts.length; s++) {
			starts[s] = runStart(map, s, c, run);
		}
		for (int w = 0; w < warps; w++) {
			for (int l = 0; l < lanes; l++) {
				int[][] at = coords[w][l];
				for (int s = 0; s < at.length; s++) {
					if (at[s] == null || !starts[s]) {
						continue;
					}
					long first = LayoutMap.offset(layout, shape, at[s], pad);
					if (first * bytes % ((long) run * bytes) != 0) {
						return false;
					}
					for (int i = 1; i < run; i++) {
						int[] next = s + i * step < at.length ? at[s + i * step] : null;
						if (next == null || LayoutMap.offset(layout, shape, next, pad) != first + i) {
							return false;
						}
					}
				}
			}
		}
		return true;
	}

	/** The emitter's condition for ldmatrix: tensor cores, a 2-D tile of 16-bit elements, 16-byte rows the swizzle keeps whole. */
	static boolean ldmatrixFits(Target target, TileValue shared, Layout.Swizzled l, int pad) {
		TileType t = shared.type();
		return TensorCoreOperands.hasMma(target) && t.rank() == 2 && RegisterElements.storageBytes(t.dtype()) == 2
				&& t.shape().get(l.order().get(0)) % 8 == 0 && (l.maxPhase() == 1 || l.vector() % 8 == 0) && pad % 8 == 0;
	}

	/** ldmatrix.x4/x2 as GpuKernelEmitter.ldmatrix issues them: lane l gives row l%8 of matrix l/8. */
	private static Summary ldmatrix(Stmt.Copy c, TileValue shared, Layout.DotOperand op, Layout.Swizzled layout, int pad, int warps,
			int lanes, int banks, int bankWidth) {
		List<Integer> shape = shared.type().shape();
		int kAxis = op.operand() == 0 ? 1 : 0;
		int outerAxis = 1 - kAxis;
		int rowAxis = layout.order().get(1);
		int wm = op.parent().warps().get(0), wn = op.parent().warps().get(1);
		int rk = shape.get(kAxis) / 16;
		int requests = 0;
		long wavefronts = 0, ideal = 0;
		BankModel.Cost worst = null;
		boolean x2 = false;
		for (int w = 0; w < warps; w++) {
			List<int[]> instructions = new ArrayList<>(); // {outer base, k base, x4 ? 4 : 2, A/B pattern}
			if (op.operand() == 0) {
				int rm = shape.get(0) / (16 * wm);
				int warpBase = ((w / wn) % wm) * 16;
				for (int mi = 0; mi < rm; mi++) {
					for (int ki = 0; ki < rk; ki++) {
						instructions.add(new int[] { warpBase + 16 * wm * mi, 16 * ki, 4 });
					}
				}
			} else {
				int rn = shape.get(1) / (8 * wn);
				int warpBase = (w % wn) * 8 * rn;
				for (int ki = 0; ki < rk; ki++) {
					for (int ni = 0; ni < rn; ni += 2) {
						boolean pair = ni + 1 < rn;
						instructions.add(new int[] { warpBase + 8 * ni, 16 * ki, pair ? 4 : 2 });
						x2 |= !pair;
					}
				}
			}
			for (int[] ins : instructions) {
				long[] rows = new long[lanes];
				for (int l = 0; l < lanes; l++) {
					int row = l & 7, matrix = (l >> 3) & 3;
					int outerOff, kOff;
					if (op.operand() == 0) {
						outerOff = (matrix & 1) * 8;
						kOff = (matrix >> 1) * 8;
					} else {
						kOff = (matrix & 1) * 8;
						outerOff = ins[2] == 4 ? ((matrix >> 1) & 1) * 8 : 0;
					}
					int[] at = new int[2];
					int outer = ins[0] + outerOff, k = ins[1] + kOff;
					at[outerAxis] = rowAxis == outerAxis ? outer + row : outer;
					at[kAxis] = rowAxis == kAxis ? k + row : k;
					rows[l] = LayoutMap.offset(layout, shape, at, pad) * 2;
				}
				BankModel.Cost cost = BankModel.matrix(rows, ins[2], banks, bankWidth);
				requests++;
				wavefronts += cost.wavefronts();
				ideal += cost.ideal();
				if (worst == null || worse(cost, worst)) {
					worst = cost;
				}
			}
		}
		boolean trans = layout.order().get(0) != kAxis;
		String instruction = "ldmatrix.x4" + (x2 ? "/x2" : "") + (trans ? ".trans" : "");
		return new Summary(c, shared, instruction, true, requests, wavefronts, ideal, worst == null ? new BankModel.Cost(0, 0) : worst);
	}
}
