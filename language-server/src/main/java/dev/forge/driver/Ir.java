package dev.forge.driver;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.resource.XtextResource;

import dev.forge.ForgeLanguage;
import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.GraphPipeline;
import dev.forge.compiler.graph.GraphPrinter;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.graph.Lowering;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.types.TypeCheckResult;
import dev.forge.types.TypeSystem;

/** The Graph IR of a file's functions, as text, for `forge build --emit graph`, hover and `forge/ir`. */
public final class GraphIr {

	private GraphIr() {
	}

	/** One function's Graph IR, or the reason it does not lower (a kernel, an unsupported construct). */
	public record Lowered(String function, String text, String notLowered) {
	}

	public static Lowered of(XtextResource resource, FunctionDef def) {
		return of(resource, def, (stage, graph) -> {
		});
	}

	/** Lowers and runs the Graph IR passes; {@code afterStage} sees the IR after each stage (for --dump-after). */
	public static Lowered of(XtextResource resource, FunctionDef def, java.util.function.BiConsumer<String, GraphFunction> afterStage) {
		TypeCheckResult types = ForgeLanguage.injector().getInstance(TypeSystem.class).check(resource);
		try {
			GraphFunction graph = GraphPipeline.run(Lowering.lower(def, types), afterStage);
			return new Lowered(def.getName(), GraphPrinter.print(graph), null);
		} catch (LoweringException e) {
			return new Lowered(def.getName(), null, e.located());
		}
	}

	/** The whole file: each function's IR, or a `# name: not lowered: reason` line. */
	public static String print(XtextResource resource) {
		return print(resource, null);
	}

	/**
	 * The whole file; with {@code dumpAfter} ("all" or a stage name) each function's IR after those
	 * stages too, each under a `// after STAGE` line.
	 */
	public static String print(XtextResource resource, String dumpAfter) {
		List<Lowered> lowered = new ArrayList<>();
		List<String> dumps = new ArrayList<>();
		if (!resource.getContents().isEmpty() && resource.getContents().get(0) instanceof Module module) {
			for (EObject item : module.getBody()) {
				if (item instanceof FunctionDef def && def.getName() != null) {
					lowered.add(of(resource, def, (stage, graph) -> {
						if (dumpAfter != null && (dumpAfter.equals("all") || dumpAfter.equals(stage))) {
							dumps.add("// after " + stage + "\n" + GraphPrinter.print(graph));
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
			out.append(l.text() != null ? l.text() : "# " + l.function() + ": not lowered: " + l.notLowered() + "\n");
		}
		return out.toString();
	}
}
