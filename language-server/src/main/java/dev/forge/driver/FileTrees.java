package dev.forge.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Sizes and removal of folders on disk (a bundle's parts). */
final class FileTrees {

	private FileTrees() {
	}

	/** The bytes of every regular file under {@code tree} (or of the file itself); 0 when it does not exist. */
	static long size(Path tree) throws IOException {
		if (!Files.exists(tree)) {
			return 0;
		}
		try (Stream<Path> walk = Files.walk(tree)) {
			long total = 0;
			for (Path p : walk.filter(Files::isRegularFile).toList()) {
				total += Files.size(p);
			}
			return total;
		}
	}

	/** Deletes {@code tree} and everything under it, if it exists. */
	static void delete(Path tree) throws IOException {
		if (!Files.exists(tree)) {
			return;
		}
		try (Stream<Path> walk = Files.walk(tree)) {
			for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(p);
			}
		}
	}

	/** {@code bytes} in MiB with one decimal. */
	static String mib(long bytes) {
		return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
	}
}
