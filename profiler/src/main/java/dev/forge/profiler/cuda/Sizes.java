package dev.forge.profiler.cuda;

import java.util.Locale;

/** Byte counts for people: {@code 256 MiB}, {@code 79.1 GiB}. */
public final class Sizes {

	private Sizes() {
	}

	public static String format(long bytes) {
		if (bytes < 1024) {
			return bytes + " B";
		}
		String[] units = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
		double value = bytes;
		int unit = -1;
		while (value >= 1024 && unit < units.length - 1) {
			value /= 1024;
			unit++;
		}
		return value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f %s", value, units[unit])
				: String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
	}
}
