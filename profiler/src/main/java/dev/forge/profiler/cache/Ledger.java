package dev.forge.profiler.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The run ledger: {@code ledger.jsonl} beside the cache's entries, one JSON object per line for every
 * run, profile and tune (time, command, source file and its hash, function, dims, target and device,
 * cache key, verified and max error, median time, outputs' hash). Appends hold an exclusive file lock,
 * so lines of concurrent processes never interleave.
 */
public final class Ledger {

	private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

	private final Path file;

	public Ledger(Path cacheDir) {
		this.file = cacheDir.resolve("ledger.jsonl");
	}

	public Path file() {
		return file;
	}

	/** Appends one line; a ledger that cannot be written is not a reason to fail the run it records. */
	public boolean append(Map<String, Object> fields) {
		byte[] line = (GSON.toJson(fields) + "\n").getBytes(StandardCharsets.UTF_8);
		try {
			Files.createDirectories(file.getParent());
			// A file lock excludes other processes; threads of this one take turns first (the JVM refuses overlapping locks).
			synchronized (Ledger.class) {
				try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
					FileLock lock = ch.lock()) {
				ByteBuffer b = ByteBuffer.wrap(line);
					while (b.hasRemaining()) {
						ch.write(b);
					}
				}
			}
			return true;
		} catch (IOException e) {
			return false;
		}
	}

	/** Every entry, oldest first (entry N is the N-th, from 1); a line that does not parse is skipped. */
	public List<JsonObject> entries() {
		List<JsonObject> out = new ArrayList<>();
		if (!Files.isRegularFile(file)) {
			return out;
		}
		try {
			for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
				if (line.isBlank()) {
					continue;
				}
				try {
					out.add(JsonParser.parseString(line).getAsJsonObject());
				} catch (RuntimeException e) {
					// a torn or edited line: the others still count
				}
			}
		} catch (IOException e) {
			throw new IllegalStateException("cannot read the ledger " + file + ": " + e.getMessage(), e);
		}
		return out;
	}
}
