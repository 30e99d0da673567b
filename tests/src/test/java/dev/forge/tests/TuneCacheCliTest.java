package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The artifact cache and ledger through the command line: a second run is a hit that generates no
 * code, a tampered entry is reported and rebuilt, a tuning stores a verified schedule that runs then
 * use, two processes running at once leave a sound cache, and a ledger entry replays with identical
 * outputs. No assertion is about time.
 */
class TuneCacheCliTest {

	private static final String SOURCE = "bench/kernels.forge";

	private static ForgeCliTest.Result forge(Path cache, String... args) throws Exception {
		return ForgeCliTest.forge(Sources.ROOT, Map.of("FORGE_CACHE", cache.toString()), args);
	}

	private static JsonObject runJson(Path cache) throws Exception {
		ForgeCliTest.Result r = forge(cache, "run", SOURCE, "--fn", "softmax_rows", "--dims", "R=33,C=100", "--format", "json");
		assertEquals(0, r.exit(), r.out() + r.err());
		return JsonParser.parseString(r.out()).getAsJsonObject();
	}

	@Test
	void aHitGeneratesNoCodeAndATamperedEntryIsRebuilt(@TempDir Path cache) throws Exception {
		JsonObject first = runJson(cache);
		assertEquals("miss", first.get("cache").getAsString());
		assertEquals(1, first.get("compilations").getAsInt());
		JsonObject second = runJson(cache);
		assertEquals("hit", second.get("cache").getAsString());
		assertEquals(0, second.get("compilations").getAsInt(), "a hit compiles nothing");
		assertEquals(first.get("cache_key").getAsString(), second.get("cache_key").getAsString());

		// Flip one byte of the stored object code: detected, removed, rebuilt, never run.
		Path entry = cache.resolve("entries").resolve(second.get("cache_key").getAsString().substring("sha256:".length()) + ".entry");
		byte[] bytes = Files.readAllBytes(entry);
		bytes[bytes.length - 10] ^= 1;
		Files.write(entry, bytes);
		ForgeCliTest.Result r = forge(cache, "run", SOURCE, "--fn", "softmax_rows", "--dims", "R=33,C=100");
		assertEquals(0, r.exit(), r.out() + r.err());
		assertTrue(r.out().contains("was corrupt") && r.out().contains("removed, rebuilding"), r.out());
		assertTrue(r.out().contains("cache      miss"), r.out());
		assertEquals("hit", runJson(cache).get("cache").getAsString());

		ForgeCliTest.Result verify = forge(cache, "cache", "verify");
		assertEquals(0, verify.exit(), verify.out());
		assertTrue(verify.out().contains("1 intact, 0 corrupt"), verify.out());
	}

	@Test
	void aTunedScheduleIsStoredAndRunsUseIt(@TempDir Path cache) throws Exception {
		ForgeCliTest.Result tune = forge(cache, "tune", SOURCE, "--fn", "rmsnorm_rows", "--dims", "R=64,C=256", "--budget", "30s", "--format", "json");
		assertEquals(0, tune.exit(), tune.out() + tune.err());
		JsonObject t = JsonParser.parseString(tune.out()).getAsJsonObject();
		assertEquals("timed", t.getAsJsonArray("candidates").get(0).getAsJsonObject().get("status").getAsString(), "the default is always timed");
		ForgeCliTest.Result run = forge(cache, "run", SOURCE, "--fn", "rmsnorm_rows", "--dims", "R=64,C=256", "--format", "json");
		JsonObject r = JsonParser.parseString(run.out()).getAsJsonObject();
		assertEquals("hit", r.get("cache").getAsString());
		assertEquals(t.get("cache_key").getAsString(), r.get("cache_key").getAsString());
		assertEquals(0, r.get("compilations").getAsInt());
		assertTrue(r.get("schedule").getAsString().endsWith("(tuned)"), r.toString());
		assertTrue(r.get("verified").getAsBoolean());
	}

	@Test
	void twoProcessesShareTheCache(@TempDir Path cache) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(2);
		List<Future<ForgeCliTest.Result>> runs = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			runs.add(pool.submit(() -> forge(cache, "run", SOURCE, "--fn", "gemm", "--dims", "M=40,N=48,K=24", "--format", "json")));
		}
		for (Future<ForgeCliTest.Result> f : runs) {
			ForgeCliTest.Result r = f.get();
			assertEquals(0, r.exit(), r.out() + r.err());
		}
		pool.shutdown();
		ForgeCliTest.Result verify = forge(cache, "cache", "verify");
		assertEquals(0, verify.exit(), verify.out());
		assertTrue(verify.out().contains("1 intact, 0 corrupt"), verify.out());
		JsonObject third = JsonParser.parseString(forge(cache, "run", SOURCE, "--fn", "gemm", "--dims", "M=40,N=48,K=24", "--format", "json").out())
				.getAsJsonObject();
		assertEquals("hit", third.get("cache").getAsString());
		ForgeCliTest.Result ledger = forge(cache, "ledger");
		assertTrue(ledger.out().contains("3 entries"), ledger.out());
	}

	@Test
	void aLedgerEntryReplaysWithIdenticalOutputs(@TempDir Path cache) throws Exception {
		runJson(cache);
		ForgeCliTest.Result replay = forge(cache, "ledger", "--replay", "1");
		assertTrue(replay.out().contains("outputs    identical"), replay.out() + replay.err());
		assertTrue(replay.out().contains("verified   yes"), replay.out());
		ForgeCliTest.Result table = forge(cache, "ledger");
		assertTrue(table.out().contains("2 entries"), table.out());
	}
}
