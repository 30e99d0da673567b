package dev.forge.driver;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** NVIDIA's PTX assembler, {@code ptxas} on PATH (part of the CUDA toolkit): PTX text to a cubin. */
public final class Ptxas {

	/** A big module assembles in seconds; this only stops a hung process. */
	private static final long TIMEOUT_SECONDS = 300;

	private Ptxas() {
	}

	/** {@code ptxas} on PATH, if there is one. */
	public static Optional<Path> find() {
		String path = System.getenv("PATH");
		if (path == null) {
			return Optional.empty();
		}
		for (String folder : path.split(File.pathSeparator)) {
			if (!folder.isEmpty()) {
				Path candidate = Path.of(folder, "ptxas");
				if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
					return Optional.of(candidate);
				}
			}
		}
		return Optional.empty();
	}

	/** {@code ptxas}, or a usage error saying how to get it. */
	public static Path require() {
		return find().orElseThrow(() -> new UsageException(
				"--emit cubin needs NVIDIA's ptxas on PATH (CUDA toolkit); --emit ptx gives the PTX without it"));
	}

	/**
	 * Assembles {@code ptx} for {@code sm} (e.g. sm_90a) into {@code cubin}. A rejected module is a
	 * bug of Forge's code generator: thrown with ptxas's own message.
	 */
	public static void assemble(Path ptxas, String ptx, String sm, Path cubin) throws IOException {
		Path input = Files.createTempFile("forge-", ".ptx");
		Path log = Files.createTempFile("forge-ptxas-", ".log");
		try {
			Files.writeString(input, ptx, StandardCharsets.UTF_8);
			Process p = new ProcessBuilder(List.of(ptxas.toString(), "-arch=" + sm, "-o", cubin.toString(), input.toString()))
					.redirectErrorStream(true).redirectOutput(log.toFile()).start();
			boolean done;
			try {
				done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
			} catch (InterruptedException e) {
				p.destroyForcibly();
				Thread.currentThread().interrupt();
				throw new IOException("interrupted while ptxas ran", e);
			}
			if (!done) {
				p.destroyForcibly();
				throw new IOException("ptxas did not finish in " + TIMEOUT_SECONDS + " s");
			}
			if (p.exitValue() != 0) {
				throw new IllegalStateException("ptxas -arch=" + sm + " rejected the generated PTX: " + Files.readString(log).strip().replace('\n', ' '));
			}
		} finally {
			Files.deleteIfExists(input);
			Files.deleteIfExists(log);
		}
	}
}
