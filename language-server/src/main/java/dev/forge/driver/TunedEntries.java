package dev.forge.driver;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.eclipse.xtext.resource.XtextResource;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.forge.FunctionDef;
import dev.forge.profiler.cache.ArtifactCache;
import dev.forge.profiler.cache.CacheEntry;
import dev.forge.targets.Target;

/**
 * What the artifact cache holds for a function as `forge run FILE --fn NAME` (no --dims) would look it
 * up: the same default dims ({@link RunCommand#dims}), the same compilation with them as hints and the
 * same key ({@link CacheKeys#key}). The editor's hover shows a tuned entry found this way.
 */
public final class TunedEntries {

	private TunedEntries() {
	}

	/**
	 * The tuned entry for {@code def} on {@code target} in {@code cacheDir}, or null (no cache, no entry,
	 * an entry a plain run stored, a function that does not compile). A corrupt entry is removed, as a run
	 * would remove it.
	 */
	public static CacheEntry tuned(XtextResource resource, FunctionDef def, Target target, String version, Path cacheDir) {
		if (!hasEntries(cacheDir)) {
			return null; // nothing to look up: compile nothing
		}
		String key;
		try {
			Pipeline.Compiled compiled = Ir.compile(resource, def, target, (stage, text) -> {
			});
			Map<String, Long> dims = RunCommand.dims(null, null, compiled, new PrintStream(PrintStream.nullOutputStream()), false);
			compiled = Ir.compile(resource, def, target, dims, (stage, text) -> {
			});
			key = CacheKeys.key(compiled, target, version, dims);
		} catch (LoweringException | RuntimeException e) {
			return null;
		}
		return new ArtifactCache(cacheDir).get(key) instanceof ArtifactCache.Lookup.Hit hit && hit.entry().tuned() ? hit.entry() : null;
	}

	private static boolean hasEntries(Path cacheDir) {
		Path entries = cacheDir.resolve("entries");
		if (!Files.isDirectory(entries)) {
			return false;
		}
		try (var files = Files.list(entries)) {
			return files.findAny().isPresent();
		} catch (IOException e) {
			return false;
		}
	}
}
