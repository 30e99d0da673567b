package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.eclipse.xtext.resource.XtextResource;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.forge.driver.Ir;
import dev.forge.driver.Workspace;

/**
 * Every sample compiles, stage by stage, to the IR text in tests/src/test/resources/golden/samples:
 * Graph IR after lowering and each pass, the fused Schedule IR, its tilings for the host, and the
 * Tile IR (what `forge build --emit tile --dump-after=all` prints). Samples are loaded together, so
 * their imports resolve. Regenerate with -Dforge.updateGolden=true and review the diff.
 */
class SampleIrGoldenTest {

	private static final Path GOLDEN = Sources.RESOURCES.resolve("golden/samples");

	@TestFactory
	Stream<DynamicTest> everySampleCompilesToItsGoldenIr() {
		Workspace workspace = Workspace.load(List.of(Sources.ROOT.resolve("samples")));
		return workspace.requested().entrySet().stream().sorted(Map.Entry.comparingByKey())
				.map(e -> DynamicTest.dynamicTest(e.getKey().getFileName().toString(), () -> check(e.getKey(), e.getValue())));
	}

	private static void check(Path sample, XtextResource resource) throws IOException {
		String ir = Ir.print(resource, Ir.Level.TILE, "all");
		Path golden = GOLDEN.resolve(sample.getFileName().toString().replaceAll("\\.forge$", ".ir"));
		if (Sources.updateGolden() || !Files.exists(golden)) {
			Files.writeString(golden, ir);
			if (!Sources.updateGolden()) {
				throw new AssertionError("wrote missing golden file " + golden + "; review it and run again");
			}
		}
		assertEquals(Files.readString(golden), ir, "IR of " + sample);
	}
}
