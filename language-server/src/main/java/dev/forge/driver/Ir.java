package dev.forge.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.resource.XtextResource;

import dev.forge.ForgeLanguage;
import dev.forge.compiler.Pipeline;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.graph.Lowering;
import dev.forge.compiler.kernel.KernelLowering;
import dev.forge.compiler.kernel.KernelSchedule;
import dev.forge.compiler.schedule.UserSchedule;
import dev.forge.compiler.tile.LayoutAssignment;
import dev.forge.compiler.tile.TileVerifier;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TilePrinter;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.targets.Target;
import dev.forge.targets.Targets;
import dev.forge.types.Signature;
import dev.forge.types.TypeCheckResult;
import dev.forge.types.TypeSystem;

/**
 * The IR of a file's functions as text, at one level (graph, schedule, tile), for
 * `forge build --emit`, the hover and `forge/ir`. Everything here runs in-process without LLVM.
 */
public final class Ir {

	/** The levels printed without LLVM, in the order of the data path. */
	public enum Level {
		GRAPH, SCHEDULE, TILE;

		public String id() {
			return name().toLowerCase(Locale.ROOT);
		}

		/** The last pipeline stage of this level. */
		String lastStage() {
			return switch (this) {
				case GRAPH -> dev.forge.compiler.graph.GraphPipeline.stageNames().getLast();
				case SCHEDULE -> "schedule";
				case TILE -> "layout";
			};
		}

		public static Level parse(String id) {
			for (Level l : values()) {
				if (l.id().equals(id)) {
					return l;
				}
			}
			return null;
		}
	}

	private Ir() {
	}

	/** One function's IR text at a level, or the reason it does not compile (an unsupported construct). */
	public record Lowered(String function, String text, String notLowered) {
	}

	public static Target hostTarget() {
		return Targets.builtin().get("host");
	}

	/** Compiles one function to Tile IR; {@code afterStage} sees each stage's name and text. */
	public static Pipeline.Compiled compile(XtextResource resource, FunctionDef def, Target target,
			BiConsumer<String, String> afterStage) throws LoweringException {
		return compile(resource, def, target, java.util.Map.of(), afterStage);
	}

	/** With the dims the code will run at, as hints that fit the tiles to them. */
	public static Pipeline.Compiled compile(XtextResource resource, FunctionDef def, Target target, java.util.Map<String, Long> dimHints,
			BiConsumer<String, String> afterStage) throws LoweringException {
		return compile(resource, def, target, dimHints, java.util.Map.of(), afterStage);
	}

	/** Where a schedule that {@code forge tune} chose comes from, in the IR's schedule lines. */
	static final String TUNED_ORIGIN = "tuned";

	/**
	 * As above, with schedule fields ({@code m n k d vector warps stages}) that a tuning chose set over
	 * the function's own schedule statements and the defaults; an empty map changes nothing.
	 */
	public static Pipeline.Compiled compile(XtextResource resource, FunctionDef def, Target target, java.util.Map<String, Long> dimHints,
			java.util.Map<String, Integer> tuned, BiConsumer<String, String> afterStage) throws LoweringException {
		TypeCheckResult types = ForgeLanguage.injector().getInstance(TypeSystem.class).check(resource);
		Signature sig = types.signatureOf(def);
		if (sig != null && sig.kernel()) {
			// A @kernel is written at the tile level: it goes straight to Tile IR.
			TileFunction lowered;
			if (tuned.isEmpty()) {
				lowered = KernelLowering.lower(def, types, target);
			} else {
				KernelSchedule s = KernelSchedule.of(def, types, target).withTuned(tuned, TUNED_ORIGIN);
				lowered = KernelLowering.lower(def, types, s);
				if (target.isGpu()) {
					lowered = dev.forge.compiler.tile.KernelPipelining.apply(lowered, s.size("stages"));
				}
			}
			TileFunction tile = LayoutAssignment.apply(lowered, target);
			List<String> problems = TileVerifier.verify(tile);
			if (!problems.isEmpty()) {
				throw new LoweringException("internal: the layouts of the @kernel '" + def.getName() + "' do not verify: " + problems.get(0),
						lowered.kernels().get(0).range());
			}
			String note = "// @" + def.getName() + " is a @kernel: written at the tile level, it has no Graph IR or Schedule IR\n";
			for (String stage : Pipeline.stageNames()) {
				afterStage.accept(stage, stage.equals("tile") ? TilePrinter.print(lowered) : stage.equals("layout") ? TilePrinter.print(tile) : note);
			}
			return new Pipeline.Compiled(null, null, tile);
		}
		UserSchedule user = userSchedule(def, types, target);
		if (!tuned.isEmpty()) {
			java.util.Map<String, Integer> sizes = new java.util.HashMap<>(user == null ? java.util.Map.of() : user.sizes());
			sizes.putAll(tuned);
			user = new UserSchedule(sizes, TUNED_ORIGIN);
		}
		return Pipeline.compile(Lowering.lower(def, types), target, dimHints, user, afterStage);
	}

	/** The schedule a @kernel compiles with for {@code target} (its fields and their origin), or null for a @jit function. */
	public static KernelSchedule kernelSchedule(XtextResource resource, FunctionDef def, Target target) throws LoweringException {
		TypeCheckResult types = ForgeLanguage.injector().getInstance(TypeSystem.class).check(resource);
		Signature sig = types.signatureOf(def);
		return sig != null && sig.kernel() ? KernelSchedule.of(def, types, target) : null;
	}

	/** What {@code def}'s {@code .schedule(...)} statements set, or null when there are none. */
	private static UserSchedule userSchedule(FunctionDef def, TypeCheckResult types, Target target) throws LoweringException {
		KernelSchedule s = KernelSchedule.of(def, types, target);
		if (s.user().isEmpty()) {
			return null;
		}
		java.util.Map<String, Integer> set = new java.util.HashMap<>();
		for (String field : s.user()) {
			if (s.sizes().containsKey(field)) {
				set.put(field, s.sizes().get(field));
			}
		}
		return new UserSchedule(set, s.origin());
	}

	public static Lowered of(XtextResource resource, FunctionDef def, Level level) {
		return of(resource, def, level, (stage, text) -> {
		});
	}

	/** The text of {@code level}; {@code afterStage} sees every stage (for --dump-after). */
	public static Lowered of(XtextResource resource, FunctionDef def, Level level, BiConsumer<String, String> afterStage) {
		return of(resource, def, level, hostTarget(), afterStage);
	}

	/** For {@code target}: every target's chip description gives Graph, Schedule and Tile IR. */
	public static Lowered of(XtextResource resource, FunctionDef def, Level level, Target target,
			BiConsumer<String, String> afterStage) {
		String[] text = new String[1];
		try {
			compile(resource, def, target, (stage, t) -> {
				afterStage.accept(stage, t);
				if (stage.equals(level.lastStage())) {
					text[0] = t;
				}
			});
			return new Lowered(def.getName(), text[0], null);
		} catch (LoweringException e) {
			// The levels before the failing stage still have text: the hover shows what exists.
			return text[0] != null ? new Lowered(def.getName(), text[0], null) : new Lowered(def.getName(), null, e.located());
		}
	}

	/**
	 * The whole file at {@code level}; with {@code dumpAfter} ("all" or a stage name) each
	 * function's IR after those stages too, each under a `// after STAGE` line.
	 */
	public static String print(XtextResource resource, Level level, String dumpAfter) {
		return print(resource, level, dumpAfter, null);
	}

	/** As above, for the function named {@code only} (every function when null). */
	public static String print(XtextResource resource, Level level, String dumpAfter, String only) {
		return print(resource, level, dumpAfter, only, hostTarget());
	}

	/** As above, for {@code target}. */
	public static String print(XtextResource resource, Level level, String dumpAfter, String only, Target target) {
		List<Lowered> lowered = new ArrayList<>();
		List<String> dumps = new ArrayList<>();
		if (!resource.getContents().isEmpty() && resource.getContents().get(0) instanceof Module module) {
			for (EObject item : module.getBody()) {
				if (item instanceof FunctionDef def && def.getName() != null && (only == null || only.equals(def.getName()))) {
					lowered.add(of(resource, def, level, target, (stage, text) -> {
						if (dumpAfter != null && (dumpAfter.equals("all") || dumpAfter.equals(stage))) {
							dumps.add("// after " + stage + "\n" + text);
						}
					}));
				}
			}
		}
		StringBuilder out = new StringBuilder();
		dumps.forEach(d -> out.append(d).append('\n'));
		if (dumpAfter != null) {
			out.append("// result\n");
		}
		for (int i = 0; i < lowered.size(); i++) {
			Lowered l = lowered.get(i);
			if (i > 0) {
				out.append('\n');
			}
			out.append(l.text() != null ? l.text() : "# " + l.function() + ": not compiled: " + l.notLowered() + "\n");
		}
		return out.toString();
	}
}
