package dev.forge.compiler.lint;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

import dev.forge.compiler.graph.SourceRange;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileValue;
import dev.forge.targets.Target;

/**
 * The kernel lints over a function's GPU Tile IR (after {@code LayoutAssignment} for {@code target}):
 * bank conflicts ({@link BankConflicts}), shared-memory races ({@link SharedRaces}), resources and
 * occupancy ({@link Resources}) and, for @kernels, global-memory races ({@link GlobalRaces}). Each
 * analysis runs on its own: one that throws is reported to {@code log} and yields nothing, so bad
 * input never takes the caller down. docs/lints.md says what each computes and its limits.
 */
public final class Lints {

	/** The source name of the shared buffer defined at a range ({@code k_smem} of {@code tile.store(k_smem, ...)}), or null. */
	@FunctionalInterface
	public interface BufferNames {
		String name(SourceRange definedAt);

		BufferNames NONE = r -> null;
	}

	private Lints() {
	}

	/** Every finding for the kernels of {@code f}; {@code userKernel} enables the global-race check (a @kernel). */
	public static List<LintDiagnostic> check(TileFunction f, Target target, boolean userKernel, BufferNames names, Consumer<String> log) {
		List<LintDiagnostic> out = new ArrayList<>();
		if (!target.isGpu()) {
			return out;
		}
		for (Kernel k : f.kernels()) {
			if (!k.threads().distributed()) {
				continue;
			}
			out.addAll(KernelMemo.lint(k, target, userKernel, names, found -> {
				boolean ok = run("bank conflicts", k, log, found, () -> BankConflicts.check(k, target, names));
				ok &= run("shared-memory races", k, log, found, () -> SharedRaces.check(k, target, names));
				ok &= run("resources", k, log, found, () -> Resources.check(k, target));
				ok &= run("fill values", k, log, found, () -> FillValues.check(k));
				if (userKernel) {
					ok &= run("global-memory races", k, log, found, () -> GlobalRaces.check(k));
				}
				return ok;
			}));
		}
		out.sort(Comparator.comparingInt((LintDiagnostic d) -> d.range().offset()).thenComparing(LintDiagnostic::code));
		return out;
	}

	/**
	 * The schedule hint of {@code f} (FORGE-L-HINT, information: {@link ScheduleHints}), apart from {@link #check}
	 * so that callers choose whether to show it; empty when the model fails (logged) or the target is a CPU.
	 */
	public static List<LintDiagnostic> hints(TileFunction f, Target target, Consumer<String> log) {
		try {
			return ScheduleHints.check(f, target);
		} catch (RuntimeException | StackOverflowError e) {
			log.accept("forge lint: schedule hints of " + f.name() + " failed (no hint reported): " + e);
			return List.of();
		}
	}

	/** The bank table of every shared access of {@code f} (for tests and the GPU agreement script). */
	public static List<String> bankTable(TileFunction f, Target target) {
		List<String> out = new ArrayList<>();
		for (Kernel k : f.kernels()) {
			if (k.threads().distributed()) {
				for (String line : BankConflicts.table(k, target)) {
					out.add("@" + k.name() + " " + line);
				}
			}
		}
		return out;
	}

	/** Shared bytes per block of each kernel's tiles, as the emitter allocates them (lower bound: no scratch area). */
	public static long sharedBytes(Kernel k) {
		return Resources.sharedBytes(k);
	}

	private interface Analysis {
		List<LintDiagnostic> run();
	}

	private static final boolean TIMING = Boolean.getBoolean("forge.lint.timing");

	/** Runs one analysis into {@code out}; false when it failed (logged, no lint). */
	private static boolean run(String what, Kernel k, Consumer<String> log, List<LintDiagnostic> out, Analysis a) {
		long start = System.nanoTime();
		boolean ok = true;
		try {
			for (LintDiagnostic d : a.run()) {
				if (d.range() != null && d.range().isKnown()) {
					out.add(d);
				}
			}
		} catch (RuntimeException | StackOverflowError e) {
			log.accept("forge lint: " + what + " of kernel @" + k.name() + " failed (no lint reported): " + e);
			ok = false;
		}
		if (TIMING) {
			System.err.printf(java.util.Locale.ROOT, "forge lint: %s of @%s: %.1f ms%n", what, k.name(), (System.nanoTime() - start) / 1e6);
		}
		return ok;
	}

	/** How a message names a shared tile: its source name, or the pipelined copy of an argument, or its id and line. */
	static String bufferName(Kernel k, TileValue v, BufferNames names) {
		if (v == null) {
			return "a shared tile";
		}
		for (Stmt s : Stmt.flatten(k.body())) {
			if (s instanceof Stmt.Def d && d.result().id() == v.id()) {
				String name = d.range().isKnown() ? names.name(d.range()) : null;
				if (name != null) {
					return "'" + name + "'";
				}
				if (s instanceof Stmt.AsyncCopy a) {
					return "the pipelined copy of '" + a.arg() + "' (line " + a.range().line() + ")";
				}
				return "the shared tile " + v + (d.range().isKnown() ? " (line " + d.range().line() + ")" : "");
			}
		}
		return "the shared tile " + v;
	}
}
