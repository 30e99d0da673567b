package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.driver.Checker;
import dev.forge.driver.FileReport;
import dev.forge.driver.KernelLints;
import dev.forge.driver.LineMap;
import dev.forge.driver.Workspace;

/**
 * The kernel lints through `forge check`'s checker (for the h100): each file under
 * tests/src/test/resources/lint/ states the lint diagnostics it must get as comments,
 * {@code # warning[FORGE-L-RACE]@41:66: read-after-write race on shared buffer 'v_smem'}, where the
 * message is a prefix of the reported one (the full texts are in the compiler's lint goldens); a file
 * without such comments (the clean twins: with the barrier, swizzled, vector(4), both program ids)
 * must have none. And every sample is lint-clean.
 */
class LintExpectationsTest {

	private static final Pattern EXPECTATION = Pattern.compile("#\\s*(error|warning|info)\\[(FORGE-L-[A-Z-]+)\\]@(\\d+):(\\d+):\\s*(.*?)\\s*$");

	@TestFactory
	Stream<DynamicTest> eachLintFileReportsWhatItExpects() {
		Path root = Sources.RESOURCES.resolve("lint");
		return Sources.forgeFiles(root).stream().map(file -> DynamicTest.dynamicTest(root.relativize(file).toString(), () -> checkFile(file)));
	}

	private static void checkFile(Path file) {
		KernelLints.setTarget("h100");
		List<String> expected = new ArrayList<>();
		for (String line : Sources.read(file).split("\n", -1)) {
			int hash = line.indexOf('#');
			Matcher m = hash < 0 ? null : EXPECTATION.matcher(line.substring(hash));
			if (m != null && m.find()) {
				expected.add(m.group(3) + ":" + m.group(4) + " " + m.group(1) + "[" + m.group(2) + "] " + m.group(5));
			}
		}
		FileReport report = Checker.check(Workspace.load(List.of(file))).get(0);
		List<String> actual = new ArrayList<>();
		for (SourceDiagnostic d : report.diagnostics()) {
			LineMap.Position p = report.lines().position(d.offset());
			actual.add((p.line() + 1) + ":" + (p.column() + 1) + " " + d.severity().label() + "[" + d.code() + "] " + d.message());
		}
		expected.sort(null);
		actual.sort(null);
		String show = "expected (message prefixes):\n" + String.join("\n", expected) + "\nactual:\n" + String.join("\n", actual);
		assertEquals(expected.size(), actual.size(), show);
		for (int i = 0; i < expected.size(); i++) {
			assertTrue(actual.get(i).startsWith(expected.get(i)), show);
		}
	}

	@Test
	void everySampleIsLintClean() {
		KernelLints.setTarget("h100");
		List<String> found = new ArrayList<>();
		for (FileReport report : Checker.check(Workspace.load(List.of(Sources.ROOT.resolve("samples"))))) {
			for (SourceDiagnostic d : report.diagnostics()) {
				if (d.code().startsWith("FORGE-L-")) {
					found.add(report.path().getFileName() + ": " + d.message() + " [" + d.code() + "]");
				}
			}
		}
		assertEquals(List.of(), found);
	}
}
