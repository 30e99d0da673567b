package dev.forge.compiler.graph;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.eclipse.emf.common.util.URI;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;

import dev.forge.ForgeLanguage;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.types.TypeCheckResult;
import dev.forge.types.TypeChecker;

/** Test helper: Forge source text to a type-checked module, and lowered functions. */
public final class Forge {

	public record Checked(Module module, TypeCheckResult types) {
		public FunctionDef function(String name) {
			return functions().stream().filter(f -> f.getName().equals(name)).findFirst()
					.orElseThrow(() -> new AssertionError("no function " + name));
		}

		public List<FunctionDef> functions() {
			return module.getBody().stream().filter(FunctionDef.class::isInstance).map(FunctionDef.class::cast).toList();
		}

		public GraphFunction lower(String name) {
			try {
				return Lowering.lower(function(name), types);
			} catch (LoweringException e) {
				throw new AssertionError(name + ": " + e.located(), e);
			}
		}
	}

	private Forge() {
	}

	public static Checked check(String fileName, String text) {
		XtextResourceSet set = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		XtextResource resource = (XtextResource) set.createResource(URI.createURI("mem:/" + fileName));
		try {
			resource.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		if (!resource.getErrors().isEmpty()) {
			throw new AssertionError(fileName + " has syntax errors: " + resource.getErrors());
		}
		Module module = (Module) resource.getContents().get(0);
		return new Checked(module, TypeChecker.check(module));
	}

	public static Checked check(String text) {
		return check("test.forge", text);
	}
}
