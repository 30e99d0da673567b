package dev.forge.compiler.tile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.forge.targets.Target;

/**
 * Tile IR -> Tile IR, for GPUs with Hopper's wgmma: a dot whose operands are register copies of
 * shared tiles ({@code dot(copy s_a, copy s_b, acc)}, what a pipelined k-loop makes) reads the
 * shared tiles directly, as wgmma does, when {@link TensorCoreOperands#wgmmaWarps} says the dot
 * fits. The copies left unused are removed: the operands then never pass through registers.
 * {@link LayoutAssignment} gives such dots the warp-group accumulator layout and their shared
 * operands wgmma's swizzled layouts.
 */
public final class WarpGroupDots {

	private WarpGroupDots() {
	}

	public static Kernel apply(Kernel k, Target target) {
		if (!TensorCoreOperands.hasWgmma(target)) {
			return k;
		}
		Map<Integer, Stmt.Copy> sharedCopies = new HashMap<>();
		for (Stmt s : Stmt.flatten(k.body())) {
			if (s instanceof Stmt.Copy c && c.x().type().space() == TileType.Space.SHARED
					&& c.result().type().space() == TileType.Space.REGISTERS) {
				sharedCopies.put(c.result().id(), c);
			}
		}
		Set<Integer> bypassed = new HashSet<>();
		List<Stmt> body = rewrite(k.body(), sharedCopies, k.threads().warps(), target, bypassed);
		if (bypassed.isEmpty()) {
			return k;
		}
		bypassed.removeAll(Stmt.used(body));
		return new Kernel(k.name(), k.args(), k.grid(), Stmt.withoutDefinitions(body, bypassed), k.schedule(), k.range(), k.threads());
	}

	private static List<Stmt> rewrite(List<Stmt> body, Map<Integer, Stmt.Copy> sharedCopies, int warps, Target target,
			Set<Integer> bypassed) {
		List<Stmt> out = new ArrayList<>();
		for (Stmt s : body) {
			if (s instanceof Stmt.Dot d && sharedCopies.containsKey(d.a().id()) && sharedCopies.containsKey(d.b().id())
					&& TensorCoreOperands.wgmmaWarps(d, warps, target) != null) {
				bypassed.add(d.a().id());
				bypassed.add(d.b().id());
				out.add(new Stmt.Dot(d.result(), sharedCopies.get(d.a().id()).x(), sharedCopies.get(d.b().id()).x(), d.acc(), d.range()));
			} else {
				out.add(s instanceof Stmt.For f ? f.withBody(rewrite(f.body(), sharedCopies, warps, target, bypassed)) : s);
			}
		}
		return out;
	}
}
