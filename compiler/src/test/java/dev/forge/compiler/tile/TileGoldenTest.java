package dev.forge.compiler.tile;


import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.forge.compiler.GoldenFiles;

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
		return GoldenFiles.eachForgeFile(DIR, "tile", "Tile IR", TileGoldenTest::compileAll);
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

}
