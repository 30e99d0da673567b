package dev.forge.compiler.tile;

import java.util.ArrayList;
import java.util.List;

import dev.forge.targets.Target;

/**
 * Tile IR -> Tile IR, for chips with the Tensor Memory Accelerator (the chip description's
 * {@code features.tma}): an asynchronous copy into a wgmma operand layout becomes a bulk tensor copy
 * ({@code async_copy.tma}) when TMA can write that layout: 16-bit elements, the tile's contiguous
 * axis walking the argument's last axis and its other axis some argument axis (a box of the
 * argument, rank at most 5, at most 256 rows), and zero for the out-of-bounds elements (what TMA
 * writes there). Each 64-element panel of the layout is one box in TMA's 128-byte swizzle (or the
 * 32/64-byte one of narrower rows), which is the wgmma layout byte for byte.
 */
public final class BulkCopies {

	/** TMA's largest box extent per dimension. */
	public static final int MAX_BOX = 256;

	private BulkCopies() {
	}

	public static Kernel apply(Kernel k, Target target) {
		if (!target.isGpu() || !target.hasFeature("tma")) {
			return k;
		}
		List<Stmt> body = rewrite(k.body(), k);
		return body.equals(k.body()) ? k : new Kernel(k.name(), k.args(), k.grid(), body, k.schedule(), k.range(), k.threads());
	}

	private static List<Stmt> rewrite(List<Stmt> body, Kernel k) {
		List<Stmt> out = new ArrayList<>();
		for (Stmt s : body) {
			if (s instanceof Stmt.AsyncCopy a && fits(a, k)) {
				out.add(a.asBulk());
			} else {
				out.add(s instanceof Stmt.For f ? f.withBody(rewrite(f.body(), k)) : s);
			}
		}
		return out;
	}

	/** Whether TMA can make copy a: see the class comment. */
	static boolean fits(Stmt.AsyncCopy a, Kernel k) {
		TileType t = a.result().type();
		List<Integer> axes = a.access().tileAxis();
		int rank = axes.size();
		return k.threads().of(a.result()) instanceof Layout.Swizzled l && l.panel() > 0 && l.order().equals(List.of(1, 0))
				&& t.dtype().bits() == 16 && a.other() == 0 && rank <= 5 && axes.get(rank - 1) == 1 && axes.contains(0)
				&& t.shape().get(0) <= MAX_BOX;
	}
}
