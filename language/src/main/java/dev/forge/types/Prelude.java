package dev.forge.types;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.resource.XtextResourceSet;

import dev.forge.ForgeLanguage;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;

/**
 * Forge's builtins, declared in Forge (dev/forge/prelude/builtins.forge and tile.forge): the
 * signatures the type checker applies, the docs the editor shows. Loaded once per process.
 */
public final class Prelude {

	private final Map<String, Signature> builtins;
	private final Map<String, Signature> tile;

	private Prelude(Map<String, Signature> builtins, Map<String, Signature> tile) {
		this.builtins = builtins;
		this.tile = tile;
	}

	public static Prelude get() {
		return Holder.PRELUDE;
	}

	/** The builtin functions of the modeling layer, by name. */
	public Map<String, Signature> builtins() {
		return builtins;
	}

	/** The operations of the {@code tile} namespace, by name. */
	public Map<String, Signature> tile() {
		return tile;
	}

	private static final class Holder {
		static final Prelude PRELUDE = load();
	}

	private static Prelude load() {
		XtextResourceSet set = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		return new Prelude(read(set, "builtins.forge"), read(set, "tile.forge"));
	}

	private static Map<String, Signature> read(XtextResourceSet set, String file) {
		String path = "dev/forge/prelude/" + file;
		Resource resource = set.createResource(URI.createURI("classpath:/" + path));
		try (InputStream in = Prelude.class.getClassLoader().getResourceAsStream(path)) {
			if (in == null) {
				throw new IllegalStateException("the prelude " + path + " is not on the classpath");
			}
			resource.load(in, null);
		} catch (IOException e) {
			throw new IllegalStateException("cannot read the prelude " + path, e);
		}
		if (!resource.getErrors().isEmpty()) {
			throw new IllegalStateException("the prelude " + path + " does not parse: " + resource.getErrors().get(0).getMessage()
					+ " at line " + resource.getErrors().get(0).getLine());
		}
		Annotations annotations = new Annotations((error, code, message, offset, length) -> {
			throw new IllegalStateException("the prelude " + path + " has a bad annotation at offset " + offset + ": " + message);
		}, true);
		Map<String, Signature> out = new LinkedHashMap<>();
		for (EObject item : ((Module) resource.getContents().get(0)).getBody()) {
			if (item instanceof FunctionDef def) {
				out.put(def.getName(), SignatureReader.read(def, annotations));
			}
		}
		return Map.copyOf(out);
	}
}
