package dev.forge.driver;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.StringJoiner;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.Kernel;
import dev.forge.targets.Target;

/**
 * The keys of the artifact cache. A function's key hashes what decides its code at one shape bucket:
 * each kernel's {@link KernelHash} (canonical Tile IR, schedule, the chip description's content,
 * Forge's version), the function's buffers (names, shapes, dtypes) and the bucket (each dim rounded
 * up to a power of two: a tuning holds for the sizes near those it was measured at).
 */
public final class CacheKeys {

	private CacheKeys() {
	}

	/** The cache key of {@code compiled} (the function with its own or the default schedule) at {@code dims}. */
	public static String key(Pipeline.Compiled compiled, Target target, String version, Map<String, Long> dims) {
		return sha256("forge-cache-key 1\nbucket " + bucket(dims) + "\n" + text(compiled, target, version));
	}

	/** The hash of {@code compiled}'s Tile IR and schedule alone: what a cached artifact was compiled from. */
	public static String tileHash(Pipeline.Compiled compiled, Target target, String version) {
		return sha256("forge-tile 1\n" + text(compiled, target, version));
	}

	/** {@code M<=1024,N<=1024,K<=1024}: every dim rounded up to a power of two. */
	public static String bucket(Map<String, Long> dims) {
		StringJoiner j = new StringJoiner(",");
		new java.util.TreeMap<>(dims).forEach((name, v) -> j.add(name + "<=" + (v <= 1 ? 1 : Long.highestOneBit(v - 1) << 1)));
		return j.toString();
	}

	private static String text(Pipeline.Compiled compiled, Target target, String version) {
		StringBuilder t = new StringBuilder("function ").append(compiled.tile().name()).append('\n');
		for (Buffer b : compiled.tile().buffers()) {
			t.append("buffer ").append(b.name()).append(' ').append(b.role()).append(' ').append(b.shape()).append(' ').append(b.dtype()).append('\n');
		}
		for (Kernel k : compiled.tile().kernels()) {
			t.append("kernel ").append(k.name()).append(' ').append(KernelHash.of(k, compiled.schedule(), target, version)).append('\n');
		}
		return t.toString();
	}

	private static String sha256(String text) {
		try {
			return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java runtime has SHA-256", e);
		}
	}
}
