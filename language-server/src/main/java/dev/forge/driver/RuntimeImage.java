package dev.forge.driver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Java runtime a bundle carries ({@code forge bundle --with-runtime}): a jlinked image with the
 * modules Forge loads, as {@code DIR/runtime}; or, when the folder would then exceed its size limit,
 * as {@code DIR/runtime.tar.xz}, which the bundle's launcher unpacks on first use. The GPU machine
 * needs no Java of its own. The image comes from the repository's scripts/jlink-runtime.sh (next to
 * the forge launcher that runs this), else from this JDK's jlink with the same modules.
 */
final class RuntimeImage {

	/**
	 * What a bundled run loads (as in scripts/jlink-runtime.sh): java.desktop only for java.beans,
	 * which log4j (under Xtext) uses to configure itself; jdk.unsupported for Guice's sun.misc.Unsafe.
	 * (jdeps also lists java.sql, java.naming and java.compiler for classes a run never loads.)
	 */
	static final List<String> MODULES = List.of("java.base", "java.logging", "java.xml", "java.management", "jdk.unsupported", "java.desktop");

	static final String FOLDER = "runtime";
	static final String ARCHIVE = "runtime.tar.xz";

	private static final long TIMEOUT_SECONDS = 600;

	private RuntimeImage() {
	}

	/**
	 * Adds the runtime to {@code bundle}: a folder when the bundle stays within {@code limitBytes}
	 * with it, else the archive. Returns what was written ({@value #FOLDER} or {@value #ARCHIVE}).
	 */
	static String add(Path bundle, long limitBytes) throws IOException {
		Path folder = bundle.resolve(FOLDER);
		link(folder, "zip-9");
		if (FileTrees.size(bundle) <= limitBytes) {
			return FOLDER;
		}
		// xz packs an uncompressed image far smaller than a zip-compressed one (about 21 MB against 35 MB).
		FileTrees.delete(folder);
		link(folder, "zip-0");
		// tar opens the archive relative to its own working directory, not -C's.
		Path archive = bundle.resolve(ARCHIVE).toAbsolutePath();
		run(List.of("tar", "-C", bundle.toAbsolutePath().toString(), "-cJf", archive.toString(), FOLDER), Map.of("XZ_OPT", "-T0"), "tar");
		FileTrees.delete(folder);
		return ARCHIVE;
	}

	private static void link(Path output, String compression) throws IOException {
		Path script = script();
		if (script != null) {
			run(List.of("bash", script.toString(), output.toAbsolutePath().toString()), Map.of("FORGE_JLINK_COMPRESS", compression),
					"scripts/jlink-runtime.sh");
			return;
		}
		Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
		if (!Files.isExecutable(jlink)) {
			throw new UsageException("--with-runtime needs jlink, and the Java running forge (" + System.getProperty("java.home")
					+ ") is not a full JDK; run forge with a JDK 25");
		}
		run(new ArrayList<>(List.of(jlink.toString(), "--add-modules", String.join(",", MODULES), "--compress", compression, "--strip-debug",
				"--no-header-files", "--no-man-pages", "--output", output.toString())), Map.of(), "jlink");
	}

	/** scripts/jlink-runtime.sh beside the forge launcher (system property forge.launcher), or null. */
	private static Path script() {
		String launcher = System.getProperty("forge.launcher");
		if (launcher == null || launcher.isBlank()) {
			return null;
		}
		Path script = Path.of(launcher).toAbsolutePath().getParent().resolve("scripts/jlink-runtime.sh");
		return Files.isRegularFile(script) ? script : null;
	}

	private static void run(List<String> command, Map<String, String> env, String what) throws IOException {
		Path log = Files.createTempFile("forge-bundle-", ".log");
		try {
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
			builder.environment().putAll(env);
			Process p = builder.start();
			if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
				p.destroyForcibly();
				throw new IOException(what + " did not finish in " + TIMEOUT_SECONDS + " s");
			}
			if (p.exitValue() != 0) {
				throw new IOException(what + " failed: " + Files.readString(log, StandardCharsets.UTF_8).strip().replace('\n', ' '));
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while " + what + " ran", e);
		} finally {
			Files.deleteIfExists(log);
		}
	}
}
