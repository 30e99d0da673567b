package dev.forge.compiler.lint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TileType;
import dev.forge.targets.Target;

/**
 * The lint findings of kernels already analysed. The editor re-lints a file on every edit, and most
 * edits leave most kernels as they were: Tile IR nodes are records (source ranges included), so an
 * equal kernel for the same chip description and the same buffer names has the same findings. An
 * edit above a function shifts its ranges and misses here, which is right: the findings carry them.
 */
final class KernelMemo {

	private static final int SIZE = 256;
	/** {@code -Dforge.lint.memo=false} analyses every kernel every time (to time the analyses themselves). */
	private static final boolean ON = !"false".equals(System.getProperty("forge.lint.memo"));

	/** The buffer names are part of the key: renaming {@code k_smem} changes the messages, not the IR. */
	private record Key(Kernel kernel, Target target, boolean userKernel, List<String> names) {
	}

	private static final Map<Key, List<LintDiagnostic>> FOUND = new LinkedHashMap<>(64, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<Key, List<LintDiagnostic>> eldest) {
			return size() > SIZE;
		}
	};

	private KernelMemo() {
	}

	/** Runs the analyses of a kernel into {@code into}; false when one failed (its findings are then not remembered). */
	interface Analyses {
		boolean run(List<LintDiagnostic> into);
	}

	/** The findings of {@code k}: remembered ones, or those {@code analyse} finds. */
	static List<LintDiagnostic> lint(Kernel k, Target target, boolean userKernel, Lints.BufferNames names, Analyses analyse) {
		if (!ON) {
			List<LintDiagnostic> into = new ArrayList<>();
			analyse.run(into);
			return into;
		}
		Key key = new Key(k, target, userKernel, names(k, names));
		synchronized (FOUND) {
			List<LintDiagnostic> hit = FOUND.get(key);
			if (hit != null) {
				return hit;
			}
		}
		List<LintDiagnostic> into = new ArrayList<>();
		if (!analyse.run(into)) {
			return into;
		}
		List<LintDiagnostic> found = List.copyOf(into);
		synchronized (FOUND) {
			FOUND.put(key, found);
		}
		return found;
	}

	private static List<String> names(Kernel k, Lints.BufferNames names) {
		List<String> out = new ArrayList<>();
		for (Stmt s : Stmt.flatten(k.body())) {
			if (s instanceof Stmt.Def d && d.result().type().space() == TileType.Space.SHARED && d.range().isKnown()) {
				out.add(String.valueOf(names.name(d.range())));
			}
		}
		return out;
	}
}
