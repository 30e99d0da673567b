package dev.forge.driver;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.resource.XtextResource;

import dev.forge.ForgeLanguage;
import dev.forge.compiler.graph.GraphFunction;
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

	public static List<Lowered> of(XtextResource resource) {
		List<Lowered> out = new ArrayList<>();
		if (resource.getContents().isEmpty() || !(resource.getContents().get(0) instanceof Module module)) {
			return out;
		}
		for (EObject item : module.getBody()) {
			if (item instanceof FunctionDef def && def.getName() != null) {
				out.add(of(resource, def));
			}
		}
		return out;
	}

	public static Lowered of(XtextResource resource, FunctionDef def) {
		TypeCheckResult types = ForgeLanguage.injector().getInstance(TypeSystem.class).check(resource);
		try {
			GraphFunction graph = Lowering.lower(def, types);
			return new Lowered(def.getName(), GraphPrinter.print(graph), null);
		} catch (LoweringException e) {
			return new Lowered(def.getName(), null, e.located());
		}
	}

	/** The whole file: each function's IR, or a `# name: not lowered: reason` line. */
	public static String print(XtextResource resource) {
		StringBuilder out = new StringBuilder();
		for (Lowered l : of(resource)) {
			if (!out.isEmpty()) {
				out.append('\n');
			}
			out.append(l.text() != null ? l.text() : "# " + l.function() + ": not lowered: " + l.notLowered() + "\n");
		}
		return out.toString();
	}
}
