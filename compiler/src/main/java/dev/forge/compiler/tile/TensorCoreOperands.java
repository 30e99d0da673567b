package dev.forge.compiler.tile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.forge.targets.Target;
import dev.forge.types.DType;

/**
 * Tile IR -> Tile IR, for GPUs with tensor cores: a dot whose operands are 16-bit floats widened to
 * its f32 accumulator ({@code dot(cast a, cast b, acc)}, what the modeling layer's bf16 matmul
 * lowers to) reads the 16-bit operands directly, so that it can run as mma.sync. The products are
 * the same: a widened bf16/f16 value is exact in f32 and the instruction accumulates in f32. The
 * casts left unused are removed. {@link #mmaWarps} says which dots run on tensor cores and how their
 * warps split the result.
 */
public final class TensorCoreOperands {

	private TensorCoreOperands() {
	}

	/** Whether the target has the warp-level m16n8k16 tensor-core instruction (sm_80+). */
	public static boolean hasMma(Target target) {
		return target.isGpu() && target.has("matrix.mma") && target.getList("matrix.mma").contains("m16n8k16");
	}

	/**
	 * Whether the target has Hopper's warp-group wgmma.mma_async m64nNk16 (bf16/f16 operands from
	 * shared memory): its chip description lists it and the code is built for an arch-specific
	 * ("a") SM, the only ones with wgmma.
	 */
	public static boolean hasWgmma(Target target) {
		return hasMma(target) && target.has("matrix.wgmma") && target.getList("matrix.wgmma").contains("m64nNk16")
				&& target.smVersion().endsWith("a");
	}

	/**
	 * How {@code warps} warps split the result of {@code d} as warp groups issuing wgmma, [warps, 1],
	 * or null when it does not fit: bf16/f16 operands of one dtype into f32, 2-D, whole warp groups,
	 * m a multiple of 16 per warp, k of 16, n a multiple of 16 up to 256 (one instruction per 64
	 * rows), each operand's contiguous extent a whole number of 16-byte groups.
	 */
	public static List<Integer> wgmmaWarps(Stmt.Dot d, int warps, Target target) {
		DType in = d.a().type().dtype();
		if (!hasWgmma(target) || (in != DType.BF16 && in != DType.F16) || d.b().type().dtype() != in
				|| d.result().type().dtype() != DType.F32 || d.a().type().rank() != 2 || d.b().type().rank() != 2 || warps % 4 != 0) {
			return null;
		}
		int m = d.a().type().shape().get(0), k = d.a().type().shape().get(1), n = d.b().type().shape().get(1);
		boolean fits = m % (16 * warps) == 0 && k % 16 == 0 && n % 16 == 0 && n <= 256 && wgmmaRow(k) > 0 && wgmmaRow(n) > 0;
		return fits ? List.of(warps, 1) : null;
	}

	/**
	 * The elements of one swizzled row of a 16-bit wgmma operand in shared memory whose contiguous
	 * axis has {@code extent} elements: the 32-, 64- or 128-byte swizzle modes, longer axes in
	 * panels of 64; 0 when no mode fits.
	 */
	public static int wgmmaRow(int extent) {
		return extent == 16 || extent == 32 ? extent : extent % 64 == 0 ? 64 : 0;
	}

	public static Kernel apply(Kernel k, Target target) {
		if (!hasMma(target)) {
			return k;
		}
		Map<Integer, Stmt.Cast> casts = new HashMap<>();
		for (Stmt s : Stmt.flatten(k.body())) {
			if (s instanceof Stmt.Cast c && isWidening16(c)) {
				casts.put(c.result().id(), c);
			}
		}
		Set<Integer> folded = new HashSet<>();
		List<Stmt> body = rewrite(k.body(), casts, folded);
		if (folded.isEmpty()) {
			return k;
		}
		folded.removeAll(Stmt.used(body));
		return new Kernel(k.name(), k.args(), k.grid(), Stmt.withoutDefinitions(body, folded), k.schedule(), k.range(), k.threads());
	}

	private static boolean isWidening16(Stmt.Cast c) {
		DType from = c.x().type().dtype(), to = c.result().type().dtype();
		return (from == DType.BF16 || from == DType.F16) && to == DType.F32 && c.x().type().space() == TileType.Space.REGISTERS;
	}

	private static List<Stmt> rewrite(List<Stmt> body, Map<Integer, Stmt.Cast> casts, Set<Integer> folded) {
		List<Stmt> out = new ArrayList<>();
		for (Stmt s : body) {
			if (s instanceof Stmt.Dot d && casts.containsKey(d.a().id()) && casts.containsKey(d.b().id())
					&& casts.get(d.a().id()).x().type().dtype() == casts.get(d.b().id()).x().type().dtype()
					&& d.result().type().dtype() == DType.F32) {
				Stmt.Dot narrow = new Stmt.Dot(d.result(), casts.get(d.a().id()).x(), casts.get(d.b().id()).x(), d.acc(), d.range());
				if (shapeFits(narrow)) {
					folded.add(d.a().id());
					folded.add(d.b().id());
					out.add(narrow);
					continue;
				}
			}
			out.add(s instanceof Stmt.For f ? f.withBody(rewrite(f.body(), casts, folded)) : s);
		}
		return out;
	}

	/** Whether the dot's tile sizes are whole instruction tiles: m a multiple of 16, n of 8, k of 16. */
	private static boolean shapeFits(Stmt.Dot d) {
		List<Integer> a = d.a().type().shape(), b = d.b().type().shape();
		return a.size() == 2 && b.size() == 2 && a.get(0) % 16 == 0 && a.get(1) % 16 == 0 && b.get(1) % 8 == 0;
	}

	/**
	 * How {@code warps} warps split the result of {@code d} on tensor cores, [along m, along n], or
	 * null when the dot stays on the CUDA cores (operands not bf16/f16 with an f32 result, tile sizes
	 * not whole instruction tiles, no mma on the target). Each warp's block is as square as the
	 * warps allow (the operand bytes a warp reads grow with its block's perimeter); along n a warp
	 * gets an even number of 8-wide tiles where it can, so that ldmatrix.x4 loads two at once.
	 */
	public static List<Integer> mmaWarps(Stmt.Dot d, int warps, Target target) {
		DType in = d.a().type().dtype();
		if (!hasMma(target) || (in != DType.BF16 && in != DType.F16) || d.b().type().dtype() != in
				|| d.result().type().dtype() != DType.F32 || !shapeFits(d) || Integer.bitCount(warps) != 1) {
			return null;
		}
		int m = d.a().type().shape().get(0), n = d.b().type().shape().get(1);
		List<Integer> best = null;
		double bestScore = Double.MAX_VALUE;
		for (int wm = 1; wm <= warps; wm *= 2) {
			int wn = warps / wm;
			if (m % (16 * wm) != 0 || n % (8 * wn) != 0) {
				continue;
			}
			int blockM = m / wm, blockN = n / wn;
			double score = blockM + blockN + (blockN / 8 % 2 == 0 ? 0 : 0.5) + (wm >= wn ? 0 : 0.25);
			if (score < bestScore) {
				bestScore = score;
				best = List.of(wm, wn);
			}
		}
		return best;
	}
}
