package dev.forge.profiler.cache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;

/**
 * The content-addressed artifact cache: one file per key under {@code DIR/entries/}. A file is a
 * header line {@code forge-cache 1 sha256:HEX} followed by the entry as JSON, HEX being the SHA-256 of
 * the JSON's bytes: an entry edited, truncated or damaged on disk no longer matches its header and is
 * reported, removed and never run. Writes go to a temporary file in the same folder and are renamed
 * into place, so that a reader sees the old file or the new one, never half of one, and two processes
 * writing one key leave one whole entry.
 */
public final class ArtifactCache {

	private static final String MAGIC = "forge-cache 1 ";
	private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

	private final Path dir;

	public ArtifactCache(Path dir) {
		this.dir = dir;
	}

	/** The default location: {@code $FORGE_CACHE}, else {@code $XDG_CACHE_HOME/forge}, else {@code ~/.cache/forge}. */
	public static Path defaultDir() {
		String env = System.getenv("FORGE_CACHE");
		if (env != null && !env.isBlank()) {
			return Path.of(env);
		}
		String xdg = System.getenv("XDG_CACHE_HOME");
		Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
		return base.resolve("forge");
	}

	public Path dir() {
		return dir;
	}

	/** What a lookup found. */
	public sealed interface Lookup {
		/** An intact entry. */
		record Hit(CacheEntry entry) implements Lookup {
		}

		/** No entry for the key. */
		record Miss() implements Lookup {
		}

		/** An entry that did not match its hash (or did not parse): it has been removed. */
		record Corrupt(String reason) implements Lookup {
		}
	}

	/** The entry stored under {@code key}; a corrupt one is removed and reported as such. */
	public Lookup get(String key) {
		Path file = file(key);
		byte[] bytes;
		try {
			bytes = Files.readAllBytes(file);
		} catch (NoSuchFileException e) {
			return new Lookup.Miss();
		} catch (IOException e) {
			return new Lookup.Miss();
		}
		try {
			CacheEntry entry = decode(bytes);
			if (!entry.key().equals(key)) {
				throw new CorruptEntryException("it holds the entry of " + entry.key());
			}
			return new Lookup.Hit(entry);
		} catch (CorruptEntryException e) {
			remove(key);
			return new Lookup.Corrupt(e.getMessage());
		}
	}

	/** Stores {@code entry}, replacing what its key held. */
	public void put(CacheEntry entry) {
		write(entry, true);
	}

	/**
	 * Stores {@code entry} unless its key holds an entry already (a plain run must not replace a tuned
	 * one a concurrent {@code forge tune} wrote); true when it was stored.
	 */
	public boolean putIfAbsent(CacheEntry entry) {
		return write(entry, false);
	}

	/** Removes the entry of {@code key}; true when there was one. */
	public boolean remove(String key) {
		try {
			return Files.deleteIfExists(file(key));
		} catch (IOException e) {
			return false;
		}
	}

	/** The keys of every entry file, sorted. */
	public List<String> keys() {
		List<String> keys = new ArrayList<>();
		Path entries = dir.resolve("entries");
		if (!Files.isDirectory(entries)) {
			return keys;
		}
		try (DirectoryStream<Path> files = Files.newDirectoryStream(entries, "*.entry")) {
			for (Path f : files) {
				String name = f.getFileName().toString();
				keys.add("sha256:" + name.substring(0, name.length() - ".entry".length()));
			}
		} catch (IOException e) {
			throw new IllegalStateException("cannot list the cache " + entries + ": " + e.getMessage(), e);
		}
		keys.sort(null);
		return keys;
	}

	/** Removes every entry; the number removed. */
	public int clear() {
		int n = 0;
		for (String key : keys()) {
			if (remove(key)) {
				n++;
			}
		}
		return n;
	}

	/** The file of {@code key} ({@code sha256:HEX} -> entries/HEX.entry). */
	public Path file(String key) {
		String hex = key.startsWith("sha256:") ? key.substring("sha256:".length()) : key;
		if (!hex.matches("[0-9a-f]{1,64}")) {
			throw new IllegalArgumentException("not a cache key: " + key);
		}
		return dir.resolve("entries").resolve(hex + ".entry");
	}

	/** The full key of a unique prefix of one ({@code sha256:3fa9} or {@code 3fa9}), or null. */
	public String resolve(String prefix) {
		String p = prefix.startsWith("sha256:") ? prefix : "sha256:" + prefix;
		List<String> matches = keys().stream().filter(k -> k.startsWith(p)).toList();
		return matches.size() == 1 ? matches.get(0) : null;
	}

	private boolean write(CacheEntry entry, boolean replace) {
		Path target = file(entry.key());
		try {
			Files.createDirectories(target.getParent());
			Path tmp = target.resolveSibling(".tmp-" + UUID.randomUUID());
			Files.write(tmp, encode(entry));
			try {
				if (replace) {
					try {
						Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
					} catch (AtomicMoveNotSupportedException e) {
						Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
					}
					return true;
				}
				// A hard link fails when the name exists: put-if-absent without a window between test and write.
				Files.createLink(target, tmp);
				return true;
			} catch (FileAlreadyExistsException e) {
				return false;
			} finally {
				Files.deleteIfExists(tmp);
			}
		} catch (IOException e) {
			// A cache that cannot be written (read-only folder, full disk) costs time, not correctness.
			return false;
		}
	}

	static byte[] encode(CacheEntry e) {
		JsonObject o = new JsonObject();
		o.addProperty("key", e.key());
		o.addProperty("function", e.function());
		o.addProperty("target", e.target());
		o.addProperty("bucket", e.bucket());
		o.add("schedule", GSON.toJsonTree(e.schedule()));
		o.addProperty("schedule_text", e.scheduleText());
		o.addProperty("tuned", e.tuned());
		o.addProperty("tile_hash", e.tileHash());
		o.addProperty("artifact_kind", e.artifactKind());
		o.addProperty("artifact_sha256", sha256(e.artifact()));
		o.add("verification", GSON.toJsonTree(e.verification()));
		o.add("timing", GSON.toJsonTree(e.timing()));
		o.addProperty("forge_version", e.forgeVersion());
		o.addProperty("created", e.created());
		o.addProperty("artifact", Base64.getEncoder().encodeToString(e.artifact()));
		byte[] json = GSON.toJson(o).getBytes(StandardCharsets.UTF_8);
		byte[] header = (MAGIC + "sha256:" + sha256(json) + "\n").getBytes(StandardCharsets.UTF_8);
		byte[] out = new byte[header.length + json.length];
		System.arraycopy(header, 0, out, 0, header.length);
		System.arraycopy(json, 0, out, header.length, json.length);
		return out;
	}

	static CacheEntry decode(byte[] bytes) throws CorruptEntryException {
		int newline = -1;
		for (int i = 0; i < Math.min(bytes.length, 200); i++) {
			if (bytes[i] == '\n') {
				newline = i;
				break;
			}
		}
		String header = newline < 0 ? "" : new String(bytes, 0, newline, StandardCharsets.UTF_8);
		if (!header.startsWith(MAGIC + "sha256:")) {
			throw new CorruptEntryException("no header line (" + bytes.length + " bytes)");
		}
		String expected = header.substring((MAGIC + "sha256:").length());
		byte[] json = java.util.Arrays.copyOfRange(bytes, newline + 1, bytes.length);
		String actual = sha256(json);
		if (!actual.equals(expected)) {
			throw new CorruptEntryException("its content hashes to sha256:" + actual.substring(0, 12) + "..., its header says sha256:"
					+ expected.substring(0, Math.min(12, expected.length())) + "...");
		}
		try {
			JsonObject o = JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject();
			byte[] artifact = Base64.getDecoder().decode(o.get("artifact").getAsString());
			if (!sha256(artifact).equals(o.get("artifact_sha256").getAsString())) {
				throw new CorruptEntryException("its artifact does not match its recorded SHA-256");
			}
			Map<String, Integer> schedule = new LinkedHashMap<>(GSON.fromJson(o.get("schedule"), new TypeToken<Map<String, Integer>>() {
			}.getType()));
			return new CacheEntry(o.get("key").getAsString(), o.get("function").getAsString(), o.get("target").getAsString(),
					o.get("bucket").getAsString(), schedule, o.get("schedule_text").getAsString(), o.get("tuned").getAsBoolean(),
					o.get("tile_hash").getAsString(), o.get("artifact_kind").getAsString(), artifact, map(o.get("verification")),
					map(o.get("timing")), o.get("forge_version").getAsString(), o.get("created").getAsString());
		} catch (RuntimeException e) {
			throw new CorruptEntryException("it does not parse: " + e.getMessage());
		}
	}

	private static Map<String, Object> map(JsonElement e) {
		Map<String, Object> out = new LinkedHashMap<>();
		e.getAsJsonObject().entrySet().forEach(x -> out.put(x.getKey(), x.getValue().isJsonPrimitive() && x.getValue().getAsJsonPrimitive().isNumber()
				? (Object) x.getValue().getAsDouble() : x.getValue().isJsonPrimitive() && x.getValue().getAsJsonPrimitive().isBoolean()
						? (Object) x.getValue().getAsBoolean() : x.getValue().isJsonNull() ? "" : x.getValue().getAsString()));
		return out;
	}

	static String sha256(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java runtime has SHA-256", e);
		}
	}

	/** An entry whose bytes are not what was written. */
	static final class CorruptEntryException extends Exception {
		private static final long serialVersionUID = 1L;

		CorruptEntryException(String message) {
			super(message);
		}
	}
}
