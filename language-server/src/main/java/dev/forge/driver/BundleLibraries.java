package dev.forge.driver;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code lib/} of a bundle: Forge's jars and their dependencies, as on the classpath of the
 * running {@code forge}, without the native-library jars of JavaCPP (LLVM's natives alone are 150 MB,
 * and a bundled run never generates code: it takes the PTX from the bundle). The plain Java jars of
 * the bindings stay, so that any class that merely mentions them still links.
 */
final class BundleLibraries {

	/** A JavaCPP platform jar: {@code llvm-20.1.7-1.5.12-linux-x86_64.jar}, {@code javacpp-1.5.12-linux-x86_64.jar}. */
	private static final Pattern NATIVES = Pattern.compile(".*-(linux|macosx|windows|android|ios)-[a-z0-9_]+\\.jar");

	private BundleLibraries() {
	}

	/** Whether a classpath jar holds native libraries that a bundle leaves out. */
	static boolean isNatives(Path jar) {
		return NATIVES.matcher(jar.getFileName().toString()).matches();
	}

	/** Copies the classpath into {@code lib} (a class folder, as in a development run, becomes a jar); returns the files written. */
	static List<Path> copy(Path lib) throws IOException {
		Files.createDirectories(lib);
		List<Path> written = new ArrayList<>();
		Set<String> names = new HashSet<>();
		for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
			if (entry.isEmpty()) {
				continue;
			}
			Path path = Path.of(entry);
			if (Files.isRegularFile(path) && path.toString().endsWith(".jar") && !isNatives(path)) {
				Path to = lib.resolve(unique(names, path.getFileName().toString()));
				Files.copy(path, to);
				written.add(to);
			} else if (Files.isDirectory(path)) {
				Path to = lib.resolve(unique(names, "classes-" + names.size() + ".jar"));
				jar(path, to);
				written.add(to);
			}
		}
		return written;
	}

	/** {@code name}, or with a number before .jar when two jars share a file name. */
	private static String unique(Set<String> names, String name) {
		String candidate = name;
		for (int i = 2; !names.add(candidate); i++) {
			candidate = name.replaceAll("\\.jar$", "") + "-" + i + ".jar";
		}
		return candidate;
	}

	private static void jar(Path folder, Path jar) throws IOException {
		try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
				Stream<Path> walk = Files.walk(folder)) {
			for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
				out.putNextEntry(new JarEntry(folder.relativize(p).toString().replace(File.separatorChar, '/')));
				Files.copy(p, out);
				out.closeEntry();
			}
		}
	}
}
