package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.forge.ide.format.ForgeFormatter;
import dev.forge.ide.format.SafeFormatting;

/**
 * The formatter: golden outputs, every sample formats to the same parse tree and is a fixed point,
 * and whitespace-scrambled samples format back without changing their tree.
 */
class FormatterTest {

	@TestFactory
	Stream<DynamicTest> eachInputFormatsToItsGoldenOutput() {
		return Sources.forgeFiles(Sources.RESOURCES.resolve("format")).stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
			String formatted = SafeFormatting.format(Sources.read(file));
			assertNotNull(formatted, "refused to format " + file);
			Path golden = Path.of(file.toString().replaceAll("\\.forge$", ".formatted"));
			if (Sources.updateGolden() || !Files.exists(golden)) {
				Files.writeString(golden, formatted);
			}
			assertEquals(Files.readString(golden), formatted);
			assertEquals(formatted, ForgeFormatter.format(formatted), "not idempotent");
		}));
	}

	@TestFactory
	Stream<DynamicTest> samplesKeepTheirTreeAndAreFixedPoints() {
		return Sources.forgeFiles(Sources.ROOT.resolve("samples")).stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
			String formatted = SafeFormatting.format(Sources.read(file));
			assertNotNull(formatted, "formatting would change the tree of " + file);
			assertEquals(formatted, SafeFormatting.format(formatted), "not idempotent on " + file);
		}));
	}

	@Test
	void scrambledWhitespaceFormatsBackToTheSameTree() {
		Random random = new Random(11);
		for (Path file : Sources.forgeFiles(Sources.ROOT.resolve("samples"))) {
			String text = Sources.read(file);
			for (int round = 0; round < 5; round++) {
				StringBuilder scrambled = new StringBuilder();
				for (String line : text.split("\n", -1)) {
					// Spaces inside a line (not the indentation) removed or doubled, blank lines added.
					int indent = line.length() - line.stripLeading().length();
					StringBuilder body = new StringBuilder();
					boolean inString = false;
					for (char c : line.substring(indent).toCharArray()) {
						if (c == '"' || c == '\'') {
							inString = !inString;
						}
						if (c == ' ' && !inString && !line.stripLeading().startsWith("#")) {
							int r = random.nextInt(3);
							body.append(r == 0 ? "" : r == 1 ? " " : "  ");
						} else {
							body.append(c);
						}
					}
					scrambled.append(line, 0, indent).append(body).append('\n');
					if (random.nextInt(10) == 0) {
						scrambled.append('\n');
					}
				}
				String input = scrambled.toString();
				if (Sources.parse("s.forge", input).getParseResult().hasSyntaxErrors()) {
					continue; // removing a space can join two words (`return x` -> `returnx`)
				}
				String formatted = SafeFormatting.format(input);
				assertNotNull(formatted, () -> "refused to format a scrambled " + file + ":\n" + input);
				assertEquals(formatted, ForgeFormatter.format(formatted), () -> "not idempotent on a scrambled " + file);
			}
		}
	}
}
