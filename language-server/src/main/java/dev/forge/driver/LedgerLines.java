package dev.forge.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.forge.profiler.HostTensor;
import dev.forge.profiler.RunReport;

/** The ledger's line for one run, profile or tune: what ran, where, from which source, and what came out. */
final class LedgerLines {

	private LedgerLines() {
	}

	static Map<String, Object> of(String command, Path file, RunReport report, String cacheKey, String cacheStatus, String schedule,
			Map<String, HostTensor> outputs) {
		Map<String, Object> line = new LinkedHashMap<>();
		line.put("time", Instant.now().toString());
		line.put("command", command);
		line.put("file", file.toAbsolutePath().normalize().toString());
		line.put("file_sha256", fileHash(file));
		line.put("function", report.function());
		line.put("dims", dev.forge.profiler.Dims.format(report.dims()));
		line.put("seed", report.seed());
		line.put("target", report.target());
		line.put("device", report.device() != null ? report.device() : "host CPU");
		line.put("cache_key", cacheKey);
		line.put("cache", cacheStatus);
		line.put("schedule", schedule);
		line.put("verified", report.verified());
		line.put("max_rel_error", Double.isFinite(report.maxRelError()) ? report.maxRelError() : null);
		line.put("median_ms", report.medianMs());
		line.put("outputs_sha256", outputs == null ? null : outputsHash(outputs));
		return line;
	}

	static String fileHash(Path file) {
		try {
			return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
		} catch (IOException | NoSuchAlgorithmException e) {
			return null;
		}
	}

	/** The SHA-256 of every output's bytes in buffer order: equal for a deterministic kernel run again on the same inputs. */
	static String outputsHash(Map<String, HostTensor> outputs) {
		try {
			MessageDigest d = MessageDigest.getInstance("SHA-256");
			byte[] chunk = new byte[1 << 20];
			for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
				d.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
				var data = e.getValue().data();
				for (long at = 0; at < data.byteSize(); at += chunk.length) {
					int n = (int) Math.min(chunk.length, data.byteSize() - at);
					java.lang.foreign.MemorySegment.copy(data, java.lang.foreign.ValueLayout.JAVA_BYTE, at, chunk, 0, n);
					d.update(chunk, 0, n);
				}
			}
			return "sha256:" + HexFormat.of().formatHex(d.digest());
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
