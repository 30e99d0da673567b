package dev.forge.driver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.eclipse.xtext.EcoreUtil2;


import dev.forge.ForgeLanguage;
import dev.forge.targets.Targets;

/**
 * The .forge files one command works on, loaded into one resource set so that imports and
 * `extends` link across files. The files a user named are "requested"; their sibling files and the
 * built-in chip descriptions are loaded only so that links resolve.
 */
public final class Workspace {

	private final XtextResourceSet resourceSet;
	private final Map<Path, XtextResource> requested = new LinkedHashMap<>();

	private Workspace(XtextResourceSet resourceSet) {
		this.resourceSet = resourceSet;
	}

	/**
	 * Loads every .forge file under the given paths (folders are searched recursively), plus the
	 * other .forge files in each named file's folder. Throws {@link UsageException} for paths that
	 * do not exist or hold no .forge file.
	 */
	public static Workspace load(List<Path> paths) {
		XtextResourceSet resourceSet = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		Workspace workspace = new Workspace(resourceSet);
		List<Path> context = new ArrayList<>();
		for (Path path : paths) {
			if (!Files.exists(path)) {
				throw new UsageException("no such file or folder: " + path);
			}
			if (Files.isDirectory(path)) {
				List<Path> found = forgeFilesUnder(path);
				if (found.isEmpty()) {
					throw new UsageException("no .forge files in " + path);
				}
				found.forEach(f -> workspace.request(f));
			} else {
				if (!Files.isReadable(path)) {
					throw new UsageException("cannot read " + path);
				}
				workspace.request(path);
				Path folder = path.toAbsolutePath().getParent();
				if (folder != null) {
					context.addAll(forgeFilesIn(folder));
				}
			}
		}
		for (Path file : context) {
			workspace.resource(file);
		}
		loadBuiltinTargets(resourceSet);
		EcoreUtil2.resolveAll(resourceSet);
		return workspace;
	}

	/**
	 * The built-in chip descriptions, so that `extends h100` links; skipped when the user is checking
	 * those very files (hw-targets/targets), which would otherwise define every target twice.
	 */
	private static void loadBuiltinTargets(XtextResourceSet resourceSet) {
		java.util.Set<String> loaded = new java.util.HashSet<>();
		for (Resource r : resourceSet.getResources()) {
			loaded.add(r.getURI().lastSegment());
		}
		boolean checkingBuiltins = Targets.builtinFiles().stream()
				.anyMatch(url -> loaded.contains(URI.createURI(url.toExternalForm()).lastSegment()));
		if (!checkingBuiltins) {
			Targets.loadBuiltins(resourceSet);
		}
	}

	private void request(Path file) {
		requested.putIfAbsent(file.normalize(), resource(file));
	}

	private XtextResource resource(Path file) {
		URI uri = URI.createFileURI(file.toAbsolutePath().normalize().toString());
		Resource existing = resourceSet.getResource(uri, false);
		if (existing != null) {
			return (XtextResource) existing;
		}
		try {
			return (XtextResource) resourceSet.getResource(uri, true);
		} catch (RuntimeException e) {
			throw new UsageException("cannot read " + file + ": " + rootMessage(e));
		}
	}

	/** The files the user asked about, keyed by the path as the user wrote it (normalized). */
	public Map<Path, XtextResource> requested() {
		return requested;
	}

	public XtextResourceSet resourceSet() {
		return resourceSet;
	}

	private static List<Path> forgeFilesUnder(Path folder) {
		try (Stream<Path> walk = Files.walk(folder)) {
			return walk.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".forge")).sorted().toList();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static List<Path> forgeFilesIn(Path folder) {
		try (Stream<Path> list = Files.list(folder)) {
			return list.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".forge")).sorted().toList();
		} catch (IOException e) {
			return List.of();
		}
	}

	private static String rootMessage(Throwable e) {
		Throwable t = e;
		while (t.getCause() != null) {
			t = t.getCause();
		}
		return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
	}
}
