package dev.forge.types;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the cases of {@code dims.txt}: {@code left == right}, {@code left != right},
 * {@code left ?= right} (the three {@link Dim.Relation}s) and {@code dim => text} (printing).
 */
class DimsFileTest {

	private static final String[] OPERATORS = { "==", "!=", "?=", "=>" };

	@TestFactory
	List<DynamicTest> cases() throws IOException {
		String text;
		try (InputStream in = DimsFileTest.class.getResourceAsStream("/dims.txt")) {
			assertNotNull(in, "dims.txt on the test class path");
			text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		List<DynamicTest> tests = new ArrayList<>();
		String[] lines = text.split("\n", -1);
		for (int i = 0; i < lines.length; i++) {
			String line = lines[i].strip();
			if (line.isEmpty() || line.startsWith("#")) {
				continue;
			}
			int lineNumber = i + 1;
			tests.add(DynamicTest.dynamicTest("dims.txt:" + lineNumber + ": " + line, () -> check(line)));
		}
		return tests;
	}

	private static void check(String line) {
		for (String op : OPERATORS) {
			int at = line.indexOf(op);
			if (at < 0) {
				continue;
			}
			String left = line.substring(0, at).strip();
			String right = line.substring(at + op.length()).strip();
			Dim a = DimParser.parse(left);
			if (op.equals("=>")) {
				assertEquals(right, a.toString(), "printed form of " + left);
				assertEquals(a, DimParser.parse(right), "the printed form parses back");
				return;
			}
			Dim b = DimParser.parse(right);
			Dim.Relation expected = switch (op) {
				case "==" -> Dim.Relation.EQUAL;
				case "!=" -> Dim.Relation.DIFFERENT;
				default -> Dim.Relation.UNDECIDED;
			};
			String shown = a + "  vs  " + b;
			assertEquals(expected, Dim.compare(a, b), shown);
			assertEquals(expected, Dim.compare(b, a), "symmetric: " + shown);
			assertEquals(expected == Dim.Relation.EQUAL, a.equals(b), "equals: " + shown);
			if (expected == Dim.Relation.EQUAL) {
				assertEquals(a.hashCode(), b.hashCode(), "hashCode: " + shown);
				assertEquals(a.toString(), b.toString(), "toString: " + shown);
			}
			return;
		}
		throw new AssertionError("no ==, !=, ?= or => in: " + line);
	}
}
