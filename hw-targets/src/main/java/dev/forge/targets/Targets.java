package dev.forge.targets;

import dev.forge.util.Names;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.emf.ecore.resource.ResourceSet;
import org.eclipse.xtext.EcoreUtil2;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.eclipse.xtext.util.LineAndColumn;


import dev.forge.ForgeLanguage;
import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.TargetDecl;
import dev.forge.validation.IssueCodes;

/**
 * The chip descriptions a build can name: the built-in ones ({@code targets/*.forge} of this
 * module, on the classpath under {@value #BUILTIN_PATH}) and any extra {@code .forge} files, all
 * linked in one resource set so that an extra file may extend a built-in target.
 *
 * <pre>{@code
 * Target h100 = Targets.builtin().get("h100");
 * double bytesPerSecond = h100.memoryBandwidth();          // 3.35e12
 * Targets mine = Targets.load(List.of(Path.of("my_gpu.forge")));
 * }</pre>
 *
 * Loading is strict: a syntax error, an unresolved base or a checker error anywhere fails the load
 * with a {@link TargetException} that lists every problem as {@code file:line:col: error[code]: message}.
 * Checker warnings do not fail it ({@link #warnings()}). An instance is immutable and thread-safe.
 */
public final class Targets {

	/** Where the built-in descriptions and their {@code index} lie on the classpath. */
	public static final String BUILTIN_PATH = "dev/forge/targets/builtin/";

	private static volatile Targets builtin;

	private final Map<String, Target> targets;
	private final List<String> warnings;

	private Targets(Map<String, Target> targets, List<String> warnings) {
		this.targets = targets;
		this.warnings = List.copyOf(warnings);
	}

	/** The built-in targets (loaded once, then shared). */
	public static Targets builtin() {
		Targets result = builtin;
		if (result == null) {
			synchronized (Targets.class) {
				result = builtin;
				if (result == null) {
					result = load(List.of());
					builtin = result;
				}
			}
		}
		return result;
	}

	/**
	 * The built-in targets plus those of {@code extra} (files, or directories whose {@code *.forge}
	 * files are read).
	 *
	 * @throws TargetException if a file cannot be read or has errors, or two targets share a name
	 */
	public static Targets load(Collection<Path> extra) {
		XtextResourceSet resourceSet = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		Map<Resource, String> labels = new IdentityHashMap<>();
		for (Resource resource : loadBuiltins(resourceSet)) {
			labels.put(resource, resource.getURI().lastSegment());
		}
		for (Map.Entry<Path, Path> file : expand(extra).entrySet()) {
			Path path = file.getValue();
			URI uri = URI.createFileURI(file.getKey().toString());
			Resource resource = resourceSet.createResource(uri);
			try (InputStream in = Files.newInputStream(path)) {
				resource.load(in, resourceSet.getLoadOptions());
			} catch (IOException e) {
				throw new TargetException("cannot read " + path + ": " + e.getMessage(), e);
			}
			labels.put(resource, path.toString());
		}
		EcoreUtil2.resolveAll(resourceSet);

		List<String> errors = new ArrayList<>();
		List<String> warnings = new ArrayList<>();
		Map<String, TargetDecl> decls = new LinkedHashMap<>();
		TargetChecker checker = new TargetChecker();
		for (Resource resource : resourceSet.getResources()) {
			String label = labels.getOrDefault(resource, String.valueOf(resource.getURI()));
			for (Resource.Diagnostic error : resource.getErrors()) {
				String code = error instanceof org.eclipse.xtext.diagnostics.AbstractDiagnostic d && d.getCode() != null ? "[" + d.getCode() + "]" : "";
				errors.add(label + ":" + error.getLine() + ":" + error.getColumn() + ": error" + code + ": " + error.getMessage());
			}
			for (EObject object : (Iterable<EObject>) resource::getAllContents) {
				if (!(object instanceof TargetDecl decl) || decl.getName() == null) {
					continue;
				}
				TargetDecl earlier = decls.putIfAbsent(decl.getName(), decl);
				if (earlier != null) {
					errors.add(position(label, resource, NodeModelUtils.findActualNodeFor(decl).getOffset()) + ": error[" + IssueCodes.DUPLICATE_DEFINITION
							+ "]: target '" + decl.getName() + "' is already declared in " + labels.getOrDefault(earlier.eResource(), "another file"));
				}
				for (SourceDiagnostic diagnostic : checker.check(decl)) {
					String line = position(label, resource, diagnostic.offset()) + ": " + diagnostic.severity().label() + "[" + diagnostic.code() + "]: "
							+ diagnostic.message();
					(diagnostic.severity() == SourceDiagnostic.Severity.ERROR ? errors : warnings).add(line);
				}
			}
		}
		if (!errors.isEmpty()) {
			throw new TargetException("cannot load targets: " + errors.size() + (errors.size() == 1 ? " error" : " errors"), errors);
		}
		Map<String, Target> targets = new LinkedHashMap<>();
		for (TargetDecl decl : decls.values()) {
			targets.put(decl.getName(), TargetResolver.resolve(decl));
		}
		return new Targets(targets, warnings);
	}

	/**
	 * Loads the built-in descriptions into {@code resourceSet} (those not there yet), so that files
	 * of an editor or the command line can {@code extends} them. Returns the built-in resources.
	 */
	public static List<Resource> loadBuiltins(ResourceSet resourceSet) {
		List<Resource> out = new ArrayList<>();
		for (URL url : builtinFiles()) {
			URI uri = URI.createURI(url.toExternalForm());
			Resource resource = resourceSet.getResource(uri, false);
			if (resource == null) {
				resource = resourceSet.createResource(uri);
				try (InputStream in = url.openStream()) {
					resource.load(in, resourceSet.getLoadOptions());
				} catch (IOException e) {
					throw new TargetException("cannot read built-in target file " + url + ": " + e.getMessage(), e);
				}
			}
			out.add(resource);
		}
		return out;
	}

	/** The built-in description files, in the order of their index. */
	public static List<URL> builtinFiles() {
		ClassLoader loader = Targets.class.getClassLoader();
		URL index = loader.getResource(BUILTIN_PATH + "index");
		if (index == null) {
			throw new TargetException("the built-in targets' index " + BUILTIN_PATH + "index is not on the classpath");
		}
		List<URL> files = new ArrayList<>();
		try (BufferedReader reader = new BufferedReader(new InputStreamReader(index.openStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				String name = line.strip();
				if (name.isEmpty() || name.startsWith("#")) {
					continue;
				}
				URL file = loader.getResource(BUILTIN_PATH + name);
				if (file == null) {
					throw new TargetException("the built-in targets' index names " + name + ", which is not on the classpath");
				}
				files.add(file);
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return files;
	}

	/** The files to read, each once: absolute path -> the path as the caller wrote it (for messages). */
	private static Map<Path, Path> expand(Collection<Path> paths) {
		Map<Path, Path> out = new LinkedHashMap<>();
		for (Path path : paths) {
			if (Files.isDirectory(path)) {
				try (Stream<Path> listing = Files.list(path)) {
					listing.filter(p -> p.getFileName().toString().endsWith(".forge")).sorted()
							.forEach(p -> out.putIfAbsent(p.toAbsolutePath().normalize(), p));
				} catch (IOException e) {
					throw new TargetException("cannot list " + path + ": " + e.getMessage(), e);
				}
			} else if (Files.isRegularFile(path)) {
				out.putIfAbsent(path.toAbsolutePath().normalize(), path);
			} else {
				throw new TargetException("no such target file: " + path);
			}
		}
		return out;
	}

	private static String position(String label, Resource resource, int offset) {
		if (resource instanceof XtextResource xtext && xtext.getParseResult() != null) {
			LineAndColumn at = NodeModelUtils.getLineAndColumn(xtext.getParseResult().getRootNode(), offset);
			return label + ":" + at.getLine() + ":" + at.getColumn();
		}
		return label;
	}

	// ------------------------------------------------------------------ queries

	/**
	 * The concrete target named {@code name}.
	 *
	 * @throws TargetException for an unknown name (with the closest one) or an abstract base
	 */
	public Target get(String name) {
		Target target = targets.get(name);
		if (target == null) {
			String hint = Names.closest(name, names()).map(s -> "did you mean '" + s + "'? ").orElse("");
			throw new TargetException("unknown target '" + name + "'; " + hint + "known targets: " + String.join(", ", names()));
		}
		if (target.flag("abstract")) {
			List<String> extending = targets.values().stream()
					.filter(t -> !t.flag("abstract") && t.isA(name)).map(Target::name).toList();
			throw new TargetException("target '" + name + "' is abstract, a base for other targets; use "
					+ (extending.isEmpty() ? "a target that extends it" : Names.either(extending)));
		}
		return target;
	}

	/** The concrete target named {@code name}, if there is one. */
	public Optional<Target> find(String name) {
		Target target = targets.get(name);
		return target == null || target.flag("abstract") ? Optional.empty() : Optional.of(target);
	}

	/** Any target by name, abstract bases included (their resolved fields, for tools). */
	public Optional<Target> findAny(String name) {
		return Optional.ofNullable(targets.get(name));
	}

	/** The names of the concrete targets, in load order. */
	public List<String> names() {
		return targets.values().stream().filter(t -> !t.flag("abstract")).map(Target::name).toList();
	}

	/** The names of every target, abstract bases included, in load order. */
	public List<String> allNames() {
		return List.copyOf(targets.keySet());
	}

	/** The concrete targets, in load order. */
	public List<Target> all() {
		return targets.values().stream().filter(t -> !t.flag("abstract")).toList();
	}

	/** The checker's warnings of the loaded files, each {@code file:line:col: warning[code]: message}. */
	public List<String> warnings() {
		return warnings;
	}

}
