package dev.forge.profiler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The memory a host run may take, read before anything is allocated: the machine's available
 * memory (native buffers of compiled code) and the JVM heap's headroom (the f64 arrays of the
 * reference interpreter and of the staged inputs and outputs). Tests pass small capacities to check
 * refusals of large dims without allocating them.
 *
 * @param availableBytes memory the machine can still give (Linux's MemAvailable)
 * @param heapBytes      what the JVM heap can still grow to hold
 */
public record HostCapacity(long availableBytes, long heapBytes) {

	/** What this machine and JVM have now. */
	public static HostCapacity current() {
		Runtime r = Runtime.getRuntime();
		long heap = r.maxMemory() - (r.totalMemory() - r.freeMemory());
		return new HostCapacity(memAvailable(), heap);
	}

	/**
	 * MemAvailable of /proc/meminfo; unknown (no limit) elsewhere. Not java.management: bundles carry
	 * a jlinked runtime without it.
	 */
	private static long memAvailable() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
				if (line.startsWith("MemAvailable:")) {
					return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
				}
			}
		} catch (IOException | NumberFormatException e) {
			// not Linux: fall through
		}
		return Long.MAX_VALUE;
	}
}
