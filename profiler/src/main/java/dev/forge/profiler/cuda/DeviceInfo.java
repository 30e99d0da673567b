package dev.forge.profiler.cuda;

import java.util.Locale;

/**
 * The GPU a worker drives, as its driver reports it.
 *
 * @param name            the device's name ({@code NVIDIA H100 80GB HBM3})
 * @param ccMajor         compute capability, major (9 on Hopper)
 * @param ccMinor         compute capability, minor
 * @param sms             streaming multiprocessors
 * @param freeBytes       device memory free when asked
 * @param totalBytes      device memory in all
 * @param l2Bytes         the L2 cache
 * @param sharedOptIn     dynamic shared memory a block may opt in to
 * @param driverVersion   the driver's CUDA version ({@code 13000} for 13.0)
 */
public record DeviceInfo(String name, int ccMajor, int ccMinor, int sms, long freeBytes, long totalBytes, long l2Bytes, int sharedOptIn,
		int driverVersion) {

	/** {@code sm_90} for compute capability 9.0. */
	public String smVersion() {
		return "sm_" + ccMajor + ccMinor;
	}

	/** One line: {@code NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 of 79.6 GiB free, CUDA driver 13.0)}. */
	public String summary() {
		return String.format(Locale.ROOT, "%s (%s, %d SMs, %s free of %s, CUDA driver %d.%d)", name, smVersion(), sms, Sizes.format(freeBytes),
				Sizes.format(totalBytes), driverVersion / 1000, driverVersion % 1000 / 10);
	}
}
