package dev.forge.driver;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.xtext.resource.XtextResource;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.host.HostEmit;
import dev.forge.compiler.host.HostExecutable;
import dev.forge.forge.FunctionDef;
import dev.forge.profiler.RunReport;
import dev.forge.profiler.cache.ArtifactCache;
import dev.forge.profiler.cache.CacheEntry;
import dev.forge.targets.Target;

/**
 * A host run's code, from the artifact cache when its key is there (the schedule a tuning stored, its
 * object code linked without generating any) or generated and, once the run verifies, stored. An
 * entry that fails its hash check is reported, removed and rebuilt; one whose Tile IR no longer
 * matches what it was compiled from is rebuilt too.
 */
final class CachedCompile implements AutoCloseable {

	/** What the cache did: "hit", "miss", or "off" (--no-cache). */
	final String status;
	/** Milliseconds from Tile IR to loaded code: generation and linking on a miss, linking alone on a hit. */
	final double compileMs;
	/** The key looked up (null when off). */
	final String key;
	/** A line to tell the user (a corrupt or stale entry), or null. */
	final String note;
	/** The IR that runs: the function's, or the tuned schedule's. */
	final Pipeline.Compiled compiled;
	/** The schedule the entry set (empty: the function's own). */
	final Map<String, Integer> schedule;
	final String scheduleText;
	final HostExecutable exe;
	private final ArtifactCache cache;
	private final byte[] object;
	private final Target target;
	private final String version;
	private final Map<String, Long> dims;

	private CachedCompile(String status, double compileMs, String key, String note, Pipeline.Compiled compiled, Map<String, Integer> schedule,
			String scheduleText, HostExecutable exe, ArtifactCache cache, byte[] object, Target target, String version, Map<String, Long> dims) {
		this.status = status;
		this.compileMs = compileMs;
		this.key = key;
		this.note = note;
		this.compiled = compiled;
		this.schedule = schedule;
		this.scheduleText = scheduleText;
		this.exe = exe;
		this.cache = cache;
		this.object = object;
		this.target = target;
		this.version = version;
		this.dims = dims;
	}

	/** The code of {@code compiled} (the function at {@code dims} with its own schedule) for the host; {@code cache} null: no cache. */
	static CachedCompile host(ArtifactCache cache, XtextResource resource, FunctionDef def, Target target, String version, Map<String, Long> dims,
			Pipeline.Compiled compiled) {
		if (cache == null) {
			long t0 = System.nanoTime();
			byte[] object = HostEmit.object(compiled.tile());
			HostExecutable exe = HostExecutable.load(compiled.tile(), object);
			return new CachedCompile("off", ms(t0), null, null, compiled, Map.of(), "default", exe, null, object, target, version, dims);
		}
		String key = CacheKeys.key(compiled, target, version, dims);
		String note = null;
		ArtifactCache.Lookup found = cache.get(key);
		if (found instanceof ArtifactCache.Lookup.Corrupt c) {
			note = "cache entry " + key + " was corrupt (" + c.reason() + "): removed, rebuilding";
		} else if (found instanceof ArtifactCache.Lookup.Hit hit) {
			CacheEntry e = hit.entry();
			Pipeline.Compiled runs = compiled;
			try {
				if (!e.schedule().isEmpty()) {
					runs = Ir.compile(resource, def, target, dims, e.schedule(), (stage, text) -> {
					});
				}
			} catch (LoweringException ex) {
				runs = null;
			}
			if (runs != null && e.artifactKind().equals("host-object") && CacheKeys.tileHash(runs, target, version).equals(e.tileHash())) {
				// Loading LLVM's shared library is the process's start-up, as the JVM's is: not part of compiling.
				dev.forge.compiler.host.LlvmSupport.init();
				long t0 = System.nanoTime();
				HostExecutable exe = HostExecutable.load(runs.tile(), e.artifact());
				return new CachedCompile("hit", ms(t0), key, null, runs, e.schedule(), e.scheduleText() + (e.tuned() ? " (tuned)" : ""), exe, cache,
						null, target, version, dims);
			}
			cache.remove(key);
			note = "cache entry " + key + " was made from other Tile IR than this compiler gives now: removed, rebuilding";
		}
		dev.forge.compiler.host.LlvmSupport.init();
		long t0 = System.nanoTime();
		byte[] object = HostEmit.object(compiled.tile());
		HostExecutable exe = HostExecutable.load(compiled.tile(), object);
		return new CachedCompile("miss", ms(t0), key, note, compiled, Map.of(), "default", exe, cache, object, target, version, dims);
	}

	/** After a verified run on a miss: stores the code, unless a tuning stored an entry under the key meanwhile. */
	void store(RunReport report, String function) {
		if (cache == null || object == null || !report.verified()) {
			return;
		}
		cache.putIfAbsent(new CacheEntry(key, function, target.name(), CacheKeys.bucket(dims), Map.of(), "default", false,
				CacheKeys.tileHash(compiled, target, version), "host-object", object, verification(report), timing(report, Double.NaN), version,
				Instant.now().toString()));
	}

	static Map<String, Object> verification(RunReport r) {
		Map<String, Object> v = new LinkedHashMap<>();
		v.put("verified", r.verified());
		v.put("seed", (double) r.seed());
		v.put("max_rel_error", r.maxRelError());
		v.put("max_abs_error", r.maxAbsError());
		v.put("reference", r.reference());
		return v;
	}

	static Map<String, Object> timing(RunReport r, double rooflinePercent) {
		Map<String, Object> t = new LinkedHashMap<>();
		t.put("median_ms", r.medianMs());
		t.put("gflops", r.gflops());
		t.put("gbps", r.gbps());
		if (Double.isFinite(rooflinePercent)) {
			t.put("percent_of_roofline", rooflinePercent);
		}
		return t;
	}

	private static double ms(long t0) {
		return (System.nanoTime() - t0) / 1e6;
	}

	@Override
	public void close() {
		exe.close();
	}
}
