package dev.forge.profiler.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Entries round-trip; an edited, truncated or swapped entry is detected and removed; writers racing on one key leave a whole entry. */
class ArtifactCacheTest {

	private static final String KEY = "sha256:" + "ab".repeat(32);

	private static CacheEntry entry(String key, byte[] artifact) {
		return new CacheEntry(key, "gemm", "host", "K<=1024", Map.of("m", 128, "n", 256), "block=(128,256)", true, "sha256:00", "host-object", artifact,
				Map.of("verified", true, "max_rel_error", 1e-6, "reference", "Graph IR interpreter"), Map.of("median_ms", 1.5), "0.1.0", "2026-01-01T00:00:00Z");
	}

	@Test
	void roundTrips(@TempDir Path dir) {
		ArtifactCache cache = new ArtifactCache(dir);
		cache.put(entry(KEY, new byte[] { 1, 2, 3 }));
		CacheEntry e = ((ArtifactCache.Lookup.Hit) cache.get(KEY)).entry();
		assertArrayEquals(new byte[] { 1, 2, 3 }, e.artifact());
		assertEquals(Map.of("m", 128, "n", 256), e.schedule());
		assertEquals(List.of(KEY), cache.keys());
		assertEquals(KEY, cache.resolve("abab"));
		assertFalse(cache.putIfAbsent(entry(KEY, new byte[] { 9 })), "a plain run never replaces an entry");
		assertArrayEquals(new byte[] { 1, 2, 3 }, ((ArtifactCache.Lookup.Hit) cache.get(KEY)).entry().artifact());
	}

	@Test
	void aTamperedEntryIsReportedAndRemoved(@TempDir Path dir) throws Exception {
		ArtifactCache cache = new ArtifactCache(dir);
		cache.put(entry(KEY, new byte[] { 1, 2, 3 }));
		Path file = cache.file(KEY);
		String text = Files.readString(file);
		Files.writeString(file, text.replace("\"median_ms\":1.5", "\"median_ms\":0.1")); // an edit
		ArtifactCache.Lookup l = cache.get(KEY);
		assertInstanceOf(ArtifactCache.Lookup.Corrupt.class, l);
		assertFalse(Files.exists(file));
		assertInstanceOf(ArtifactCache.Lookup.Miss.class, cache.get(KEY));

		cache.put(entry(KEY, new byte[] { 1, 2, 3 }));
		byte[] bytes = Files.readAllBytes(file);
		Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2)); // truncated
		assertInstanceOf(ArtifactCache.Lookup.Corrupt.class, cache.get(KEY));
	}

	@Test
	void concurrentWritersOfOneKeyLeaveOneWholeEntry(@TempDir Path dir) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(4);
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> writers = new ArrayList<>();
		for (int w = 0; w < 4; w++) {
			byte[] artifact = new byte[200_000];
			java.util.Arrays.fill(artifact, (byte) w);
			writers.add(pool.submit(() -> {
				start.await();
				ArtifactCache cache = new ArtifactCache(dir); // one per writer, as separate processes have
				for (int i = 0; i < 20; i++) {
					cache.put(entry(KEY, artifact));
					assertInstanceOf(ArtifactCache.Lookup.Hit.class, cache.get(KEY), "a reader never sees half an entry");
				}
				return null;
			}));
		}
		start.countDown();
		for (Future<?> f : writers) {
			f.get();
		}
		pool.shutdown();
		byte[] artifact = ((ArtifactCache.Lookup.Hit) new ArtifactCache(dir).get(KEY)).entry().artifact();
		assertEquals(200_000, artifact.length);
		for (byte b : artifact) {
			assertEquals(artifact[0], b, "one writer's artifact, whole");
		}
		try (var files = Files.list(dir.resolve("entries"))) {
			assertEquals(1, files.count(), "no temporary files left behind");
		}
	}

	@Test
	void ledgerLinesOfConcurrentAppendsStayWhole(@TempDir Path dir) throws Exception {
		Ledger ledger = new Ledger(dir);
		ExecutorService pool = Executors.newFixedThreadPool(4);
		List<Future<?>> writers = new ArrayList<>();
		for (int w = 0; w < 4; w++) {
			int id = w;
			writers.add(pool.submit(() -> {
				for (int i = 0; i < 50; i++) {
					assertTrue(ledger.append(Map.of("writer", id, "i", i, "pad", "x".repeat(5000))));
				}
				return null;
			}));
		}
		for (Future<?> f : writers) {
			f.get();
		}
		pool.shutdown();
		assertEquals(200, ledger.entries().size());
		assertEquals(200, Files.readAllLines(ledger.file()).size());
	}
}
