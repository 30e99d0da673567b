package dev.forge.compiler.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.forge.compiler.GoldenFiles;

import dev.forge.compiler.graph.Forge;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TilePrinter;
import dev.forge.compiler.tile.TileVerifier;
import dev.forge.forge.FunctionDef;
import dev.forge.targets.Targets;

/**
 * Every {@code @kernel} of each {@code src/test/resources/kernel/*.forge} lowers to the Tile IR in
 * the .tile file beside it (with the host target's defaults where a kernel has no schedule), or
 * reports why it cannot. Regenerate with {@code -Dforge.updateGolden=true} and review the diff.
 */
class KernelGoldenTest {

	private static final Path DIR = Path.of("src/test/resources/kernel");

	@TestFactory
	Stream<DynamicTest> eachFileLowersToItsGoldenTileIr() throws IOException {
		return GoldenFiles.eachForgeFile(DIR, "tile", "Tile IR", KernelGoldenTest::lowerAll);
	}

	static String lowerAll(Forge.Checked checked) {
		StringBuilder out = new StringBuilder();
		for (FunctionDef def : checked.functions()) {
			if (!out.isEmpty()) {
				out.append('\n');
			}
			try {
				TileFunction f = KernelLowering.lower(def, checked.types(), Targets.builtin().get("host"));
				assertEquals(List.of(), TileVerifier.verify(f));
				out.append(TilePrinter.print(f));
			} catch (LoweringException e) {
				out.append("# ").append(def.getName()).append(": not compiled: ").append(e.located()).append('\n');
			}
		}
		return out.toString();
	}

}
