package dev.forge.profiler.cache;

import java.util.Map;

/**
 * One entry of the artifact cache: what runs for one function on one chip at one shape bucket.
 *
 * @param key           the content key ({@code sha256:...}) it is stored under
 * @param function      the function's name
 * @param target        the chip description's name (its content is in the key)
 * @param bucket        the shape bucket ({@code M<=1024,N<=1024,K<=1024})
 * @param schedule      the schedule fields the artifact was compiled with over the function's own
 *                      schedule (empty: the function's schedule as it is)
 * @param scheduleText  how a person reads it ({@code block=(128,256) k=64 vector=16}, or {@code default})
 * @param tuned         whether {@code forge tune} chose it (a plain run never replaces a tuned entry)
 * @param tileHash      the hash of the Tile IR the artifact was compiled from: checked again before it runs
 * @param artifactKind  {@code host-object} or {@code gpu-module}
 * @param artifact      the compiled code
 * @param verification  the gate's record: seed, dims checked, max_rel_error, reference
 * @param timing        median_ms, gflops, percent_of_roofline (and the default's median_ms when tuned)
 * @param forgeVersion  the compiler that made it
 * @param created       ISO-8601 time it was written
 */
public record CacheEntry(String key, String function, String target, String bucket, Map<String, Integer> schedule, String scheduleText,
		boolean tuned, String tileHash, String artifactKind, byte[] artifact, Map<String, Object> verification, Map<String, Object> timing,
		String forgeVersion, String created) {

	public CacheEntry {
		schedule = Map.copyOf(schedule);
		verification = Map.copyOf(verification);
		timing = Map.copyOf(timing);
	}
}
