package dev.forge.compiler.tile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.graph.Forge;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.graph.Lowering;
import dev.forge.forge.FunctionDef;
import dev.forge.targets.Targets;

/**
 * Every function of each {@code src/test/resources/tile/*.forge} compiles to the Schedule IR and
 * Tile IR in the .tile file beside it (for the host target), or reports why it cannot. Regenerate
 * with {@code -Dforge.updateGolden=true} and review the diff.
 */
class TileGoldenTest {

	private static final Path DIR = Path.of("src/test/resources/tile");

	@TestFactory
	Stream<DynamicTest> eachFileCompilesToItsGoldenTileIr() throws IOException {
		try (Stream<Path> files = Files.list(DIR)) {
			return files.filter(p -> p.toString().endsWith(".forge")).sorted().toList().stream()
					.map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> checkGolden(file)));
		}
	}

	static String compileAll(Forge.Checked checked) {
		StringBuilder out = new StringBuilder();
		for (FunctionDef def : checked.functions()) {
			if (!out.isEmpty()) {
				out.append('\n');
			}
			try {
				StringBuilder stages = new StringBuilder();
				Pipeline.compile(Lowering.lower(def, checked.types()), Targets.builtin().get("host"), (stage, text) -> {
					if (stage.equals("schedule") || stage.equals("tile")) {
						stages.append(text);
					}
				});
				out.append(stages);
			} catch (LoweringException e) {
				out.append("# ").append(def.getName()).append(": not compiled: ").append(e.located()).append('\n');
			}
		}
		return out.toString();
	}

	private static void checkGolden(Path file) throws IOException {
		String tile = compileAll(Forge.check(file.getFileName().toString(), Files.readString(file)));
		Path golden = Path.of(file.toString().replaceAll("\\.forge$", ".tile"));
		boolean update = Boolean.parseBoolean(System.getProperty("forge.updateGolden", "false"));
		if (update || !Files.exists(golden)) {
			Files.writeString(golden, tile);
			if (!update) {
				throw new AssertionError("wrote missing golden file " + golden + "; review it and run again");
			}
		}
		assertEquals(Files.readString(golden), tile, "Tile IR of " + file);
	}
}
