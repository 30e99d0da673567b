package dev.forge.targets;

import dev.forge.ForgeLanguage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.EcoreUtil2;
import org.eclipse.xtext.diagnostics.AbstractDiagnostic;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.TargetDecl;

/**
 * Runs every {@code src/test/resources/checks/*.forge}: the diagnostics of the file (syntax and
 * linking errors, and {@link TargetChecker}'s on every target) must be exactly the expectations
 * written in its comments, {@code # error[F0904]: message} on the line the diagnostic starts on
 * (several on one line each start with {@code # error[} or {@code # warning[}). A file without
 * expectations must check clean.
 */
class CheckFilesTest {

	private static final Path CHECKS = Path.of("src/test/resources/checks");
	private static final Pattern EXPECTATION = Pattern.compile("#\\s*(error|warning|info)\\[(F[0-9]{4})\\]:\\s*(.*?)\\s*(?=#\\s*(?:error|warning|info)\\[|$)");

	@TestFactory
	Stream<DynamicTest> checkFiles() throws IOException {
		List<Path> files;
		try (Stream<Path> listing = Files.list(CHECKS)) {
			files = listing.filter(p -> p.toString().endsWith(".forge")).sorted().toList();
		}
		assertFalse(files.isEmpty(), "no check files under " + CHECKS.toAbsolutePath());
		return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> run(file)));
	}

	private static void run(Path file) throws IOException {
		String text = Files.readString(file, StandardCharsets.UTF_8);
		List<String> expected = expectations(text);
		List<String> actual = diagnostics(file, text);
		assertEquals(String.join("\n", expected), String.join("\n", actual), file + ": diagnostics differ (expected vs actual)");
	}

	/** The expectations of a check file, as {@code line N: severity[code]: message}, sorted. */
	static List<String> expectations(String text) {
		List<String> out = new ArrayList<>();
		String[] lines = text.split("\n", -1);
		for (int i = 0; i < lines.length; i++) {
			Matcher m = EXPECTATION.matcher(lines[i]);
			while (m.find()) {
				out.add(format(i + 1, m.group(1), m.group(2), m.group(3)));
			}
		}
		out.sort(null);
		return out;
	}

	/** The actual diagnostics of a check file, loaded beside the built-in targets, sorted. */
	static List<String> diagnostics(Path file, String text) throws IOException {
		XtextResourceSet resourceSet = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		Targets.loadBuiltins(resourceSet);
		Resource resource = resourceSet.createResource(URI.createFileURI(file.toAbsolutePath().toString()));
		try (InputStream in = Files.newInputStream(file)) {
			resource.load(in, resourceSet.getLoadOptions());
		}
		EcoreUtil2.resolveAll(resourceSet);
		List<String> out = new ArrayList<>();
		for (Resource.Diagnostic error : resource.getErrors()) {
			String code = error instanceof AbstractDiagnostic d ? d.getCode() : "?";
			out.add(format(error.getLine(), "error", code, error.getMessage()));
		}
		TargetChecker checker = new TargetChecker();
		for (EObject object : (Iterable<EObject>) resource::getAllContents) {
			if (object instanceof TargetDecl decl) {
				for (SourceDiagnostic d : checker.check(decl)) {
					out.add(format(lineOf(text, d.offset()), d.severity().label(), d.code(), d.message()));
				}
			}
		}
		out.sort(null);
		return out;
	}

	private static String format(int line, String severity, String code, String message) {
		return String.format("line %3d: %s[%s]: %s", line, severity, code, message);
	}

	static int lineOf(String text, int offset) {
		int line = 1;
		for (int i = 0; i < offset && i < text.length(); i++) {
			if (text.charAt(i) == '\n') {
				line++;
			}
		}
		return line;
	}

	@Test
	void expectationsParseSeveralOnOneLine() {
		List<String> parsed = expectations("a\n    sms = 1  # error[F0904]: one # warning[F0903]: two: 'x'\n# not an expectation\n");
		assertEquals(List.of("line   2: error[F0904]: one", "line   2: warning[F0903]: two: 'x'"), parsed);
	}

	@Test
	void aWrongExpectationFails() throws IOException {
		Path file = Files.createTempFile("forge-check", ".forge");
		try {
			String text = "target t extends h100:\n    smz = 132  # warning[F0903]: not the real message\n";
			Files.writeString(file, text);
			List<String> actual = diagnostics(file, text);
			assertEquals(1, actual.size(), actual::toString);
			assertTrue(actual.getFirst().contains("did you mean 'sms'?"), actual::toString);
			assertFalse(actual.equals(expectations(text)), "a wrong message must not match");
		} finally {
			Files.deleteIfExists(file);
		}
	}
}
