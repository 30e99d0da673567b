package dev.forge.compiler.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.forge.compiler.GoldenFiles;

import dev.forge.forge.FunctionDef;

/**
 * Every function of each {@code src/test/resources/graph/*.forge} lowers to the Graph IR in the
 * .graph file beside it, or reports why it cannot (the reason is part of the golden text). Regenerate
 * with {@code -Dforge.updateGolden=true} and review the diff.
 */
class GraphGoldenTest {

	private static final Path DIR = Path.of("src/test/resources/graph");

	@TestFactory
	Stream<DynamicTest> eachFileLowersToItsGoldenGraph() throws IOException {
		return GoldenFiles.eachForgeFile(DIR, "graph", "Graph IR", GraphGoldenTest::lowerAll);
	}

	static String lowerAll(Forge.Checked checked) {
		StringBuilder out = new StringBuilder();
		for (FunctionDef def : checked.functions()) {
			if (!out.isEmpty()) {
				out.append('\n');
			}
			try {
				GraphFunction g = Lowering.lower(def, checked.types());
				assertTrue(GraphVerifier.verify(g).isEmpty(), () -> def.getName() + ": " + GraphVerifier.verify(g));
				String text = GraphPrinter.print(g);
				assertEquals(text, GraphPrinter.print(g), "printing is deterministic");
				out.append(text);
			} catch (LoweringException e) {
				out.append("# ").append(def.getName()).append(": not lowered: ").append(e.located()).append('\n');
			}
		}
		return out.toString();
	}

}
