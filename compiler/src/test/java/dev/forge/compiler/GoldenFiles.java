package dev.forge.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;

import dev.forge.compiler.graph.Forge;

/**
 * The golden-file tests of the compiler: each {@code *.forge} file of a folder, type-checked and
 * rendered, must equal the file beside it with another extension. A missing golden file is written
 * and fails the test; {@code -Dforge.updateGolden=true} rewrites them all (review the diff).
 */
public final class GoldenFiles {

	private GoldenFiles() {
	}

	public static Stream<DynamicTest> eachForgeFile(Path dir, String extension, String what, Function<Forge.Checked, String> render)
			throws IOException {
		try (Stream<Path> files = Files.list(dir)) {
			return files.filter(p -> p.toString().endsWith(".forge")).sorted().toList().stream()
					.map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> check(file, extension, what, render)));
		}
	}

	private static void check(Path file, String extension, String what, Function<Forge.Checked, String> render) throws IOException {
		String actual = render.apply(Forge.check(file.getFileName().toString(), Files.readString(file)));
		Path golden = Path.of(file.toString().replaceAll("\\.forge$", "." + extension));
		boolean update = Boolean.parseBoolean(System.getProperty("forge.updateGolden", "false"));
		if (update || !Files.exists(golden)) {
			Files.writeString(golden, actual);
			if (!update) {
				throw new AssertionError("wrote missing golden file " + golden + "; review it and run again");
			}
		}
		assertEquals(Files.readString(golden), actual, what + " of " + file);
	}
}
