package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.driver.Checker;
import dev.forge.driver.FileReport;
import dev.forge.driver.LineMap;
import dev.forge.driver.Workspace;

/**
 * Each file under tests/src/test/resources/check/ states the diagnostics `forge check` must report
 * for it, as comments: {@code # error[F0002]: message} refers to the comment's own line, and
 * {@code # error[F0002]@4:1: message} to line 4, column 1 (for errors where a comment cannot go,
 * such as inside an unterminated string). A file without such comments must check clean. The
 * reported diagnostics must equal the expected ones exactly: nothing missing, nothing extra.
 */
class DiagnosticExpectationsTest {

	private static final Pattern EXPECTATION = Pattern.compile("#\\s*(error|warning|info)\\[(F\\d{4})\\](?:@(\\d+):(\\d+))?:\\s*(.*?)\\s*$");

	@TestFactory
	Stream<DynamicTest> eachFileReportsExactlyWhatItExpects() {
		Path root = Sources.RESOURCES.resolve("check");
		return Sources.forgeFiles(root).stream()
				.map(file -> DynamicTest.dynamicTest(root.relativize(file).toString(), () -> checkFile(file)));
	}

	private static void checkFile(Path file) {
		List<Expected> expected = expectations(Sources.read(file));
		FileReport report = Checker.check(Workspace.load(List.of(file))).get(0);
		// An expectation without a column pins only the line.
		Set<Integer> linesWithColumns = new HashSet<>();
		expected.stream().filter(e -> e.column() > 0).forEach(e -> linesWithColumns.add(e.line()));
		List<String> actual = new ArrayList<>();
		for (SourceDiagnostic d : report.diagnostics()) {
			LineMap.Position p = report.lines().position(d.offset());
			int line = p.line() + 1;
			actual.add(new Expected(d.severity().label(), d.code(), line, linesWithColumns.contains(line) ? p.column() + 1 : 0, d.message()).toString());
		}
		actual.sort(null);
		List<String> wanted = expected.stream().map(Expected::toString).sorted().toList();
		assertEquals(String.join("\n", wanted), String.join("\n", actual), "diagnostics of " + file);
	}

	record Expected(String severity, String code, int line, int column, String message) {
		@Override
		public String toString() {
			return String.format("%05d:%03d %s[%s] %s", line, column, severity, code, message);
		}
	}

	static List<Expected> expectations(String text) {
		List<Expected> expected = new ArrayList<>();
		String[] lines = text.split("\n", -1);
		for (int i = 0; i < lines.length; i++) {
			int hash = lines[i].indexOf('#');
			if (hash < 0) {
				continue;
			}
			Matcher m = EXPECTATION.matcher(lines[i].substring(hash));
			if (m.find()) {
				int line = m.group(3) != null ? Integer.parseInt(m.group(3)) : i + 1;
				int column = m.group(4) != null ? Integer.parseInt(m.group(4)) : 0;
				expected.add(new Expected(m.group(1), m.group(2), line, column, m.group(5)));
			}
		}
		return expected;
	}
}
