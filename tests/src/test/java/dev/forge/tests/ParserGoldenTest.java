package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.eclipse.xtext.resource.XtextResource;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.forge.ast.AstPrinter;

/**
 * Every file under tests/src/test/resources/parser/ parses without a syntax error into exactly the
 * tree in its .ast file. Regenerate the .ast files with -Dforge.updateGolden=true and review the diff.
 */
class ParserGoldenTest {

	@TestFactory
	Stream<DynamicTest> eachConstructParsesToItsGoldenTree() {
		return Sources.forgeFiles(Sources.RESOURCES.resolve("parser")).stream()
				.map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> checkGolden(file)));
	}

	private static void checkGolden(Path file) throws IOException {
		XtextResource resource = Sources.parse(file.getFileName().toString(), Sources.read(file));
		assertTrue(resource.getParseResult().getSyntaxErrors().iterator().hasNext() == false,
				() -> file + " has syntax errors: " + resource.getErrors());
		String tree = AstPrinter.print(resource.getContents().get(0));
		Path golden = Path.of(file.toString().replaceAll("\\.forge$", ".ast"));
		if (Sources.updateGolden() || !Files.exists(golden)) {
			Files.writeString(golden, tree);
			if (!Sources.updateGolden()) {
				throw new AssertionError("wrote missing golden file " + golden + "; review it and run again");
			}
		}
		assertEquals(Files.readString(golden), tree, "tree of " + file);
	}
}
