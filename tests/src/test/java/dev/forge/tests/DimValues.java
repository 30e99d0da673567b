package dev.forge.tests;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The dim values of the dims fuzz, read from {@code fuzz/dims.txt}: one value a line with its pool
 * ({@code small}: runs anywhere; {@code large}: products pass 2^31 and 2^32 elements), '#' comments.
 * A text file so that the GPU variant of the fuzz, run from a bundle, reads the same list.
 */
record DimValues(List<Long> small, List<Long> large) {

	static DimValues load(Path file) {
		List<Long> small = new ArrayList<>();
		List<Long> large = new ArrayList<>();
		for (String raw : Sources.read(file).split("\n")) {
			String line = raw.replaceAll("#.*", "").strip();
			if (line.isEmpty()) {
				continue;
			}
			String[] parts = line.split("\\s+");
			long value = Long.parseLong(parts[0]);
			switch (parts.length > 1 ? parts[1] : "small") {
				case "small" -> small.add(value);
				case "large" -> large.add(value);
				default -> throw new IllegalArgumentException(file + ": unknown pool in '" + raw + "'");
			}
		}
		return new DimValues(List.copyOf(small), List.copyOf(large));
	}

	/** A small value with probability {@code smallShare}, else a large one. */
	long draw(SplittableRandom random, double smallShare) {
		List<Long> pool = large.isEmpty() || random.nextDouble() < smallShare ? small : large;
		return pool.get(random.nextInt(pool.size()));
	}
}
