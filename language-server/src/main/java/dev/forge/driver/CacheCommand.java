package dev.forge.driver;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import dev.forge.profiler.cache.ArtifactCache;
import dev.forge.profiler.cache.CacheEntry;

/** `forge cache list|show KEY|clear|verify`. */
public final class CacheCommand {

	private CacheCommand() {
	}

	public static int run(String action, String key, Path dir, String format, PrintStream out) {
		ArtifactCache cache = new ArtifactCache(dir != null ? dir : ArtifactCache.defaultDir());
		boolean json = format.equals("json");
		switch (action) {
			case "list" -> {
				JsonArray all = new JsonArray();
				if (!json) {
					out.println(String.format(Locale.ROOT, "%-19s  %-16s %-6s %-28s %-32s %10s  %s", "key", "function", "target", "bucket", "schedule",
							"median ms", "verified"));
				}
				for (String k : cache.keys()) {
					ArtifactCache.Lookup l = cache.get(k);
					if (l instanceof ArtifactCache.Lookup.Hit hit) {
						CacheEntry e = hit.entry();
						if (json) {
							all.add(summary(e));
						} else {
							out.println(String.format(Locale.ROOT, "%-19s  %-16s %-6s %-28s %-32s %10.3f  %s", k.substring(0, 19), e.function(), e.target(),
									e.bucket(), e.scheduleText() + (e.tuned() ? " (tuned)" : ""), number(e.timing().get("median_ms")),
									Boolean.TRUE.equals(e.verification().get("verified")) ? "yes" : "no"));
						}
					} else if (l instanceof ArtifactCache.Lookup.Corrupt c && !json) {
						out.println(k.substring(0, 19) + "  corrupt (" + c.reason() + "): removed");
					}
				}
				if (json) {
					out.println(pretty(all));
				} else {
					out.println(cache.keys().size() + " entries in " + cache.dir());
				}
				return 0;
			}
			case "show" -> {
				if (key == null) {
					throw new UsageException("cache show needs a KEY (forge cache list shows them)");
				}
				String full = cache.resolve(key);
				if (full == null) {
					throw new UsageException("no single cache entry has the key " + key + " (forge cache list shows them)");
				}
				ArtifactCache.Lookup l = cache.get(full);
				if (l instanceof ArtifactCache.Lookup.Corrupt c) {
					out.println("entry " + full + " was corrupt (" + c.reason() + "): removed");
					return 1;
				}
				if (!(l instanceof ArtifactCache.Lookup.Hit hit)) {
					throw new UsageException("no cache entry " + full);
				}
				JsonObject o = summary(hit.entry());
				if (json) {
					out.println(pretty(o));
				} else {
					o.entrySet().forEach(e -> out.println(String.format(Locale.ROOT, "%-14s %s", e.getKey(), e.getValue().isJsonPrimitive()
							? e.getValue().getAsString() : e.getValue().toString())));
				}
				return 0;
			}
			case "verify" -> {
				int ok = 0, bad = 0;
				for (String k : cache.keys()) {
					ArtifactCache.Lookup l = cache.get(k);
					if (l instanceof ArtifactCache.Lookup.Corrupt c) {
						bad++;
						out.println(k + ": corrupt (" + c.reason() + "): removed");
					} else if (l instanceof ArtifactCache.Lookup.Hit) {
						ok++;
					}
				}
				out.println("verified " + (ok + bad) + " entries: " + ok + " intact, " + bad + " corrupt (removed)");
				return bad == 0 ? 0 : 1;
			}
			case "clear" -> {
				int n = cache.clear();
				out.println("removed " + n + " entries from " + cache.dir());
				return 0;
			}
			default -> throw new UsageException("unknown cache action '" + action + "': use list, show KEY, verify or clear");
		}
	}

	private static JsonObject summary(CacheEntry e) {
		JsonObject o = new JsonObject();
		o.addProperty("key", e.key());
		o.addProperty("function", e.function());
		o.addProperty("target", e.target());
		o.addProperty("bucket", e.bucket());
		o.addProperty("schedule", e.scheduleText());
		o.addProperty("tuned", e.tuned());
		o.addProperty("tile_hash", e.tileHash());
		o.addProperty("artifact", e.artifactKind() + ", " + e.artifact().length + " bytes");
		o.add("verification", tree(e.verification()));
		o.add("timing", tree(e.timing()));
		o.addProperty("forge_version", e.forgeVersion());
		o.addProperty("created", e.created());
		return o;
	}

	private static com.google.gson.JsonElement tree(Map<String, Object> m) {
		return new GsonBuilder().create().toJsonTree(m);
	}

	private static double number(Object o) {
		return o instanceof Number n ? n.doubleValue() : Double.NaN;
	}

	private static String pretty(com.google.gson.JsonElement e) {
		return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(e);
	}
}
