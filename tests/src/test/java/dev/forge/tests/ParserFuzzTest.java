package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.xtext.validation.Issue;
import org.junit.jupiter.api.Test;

/**
 * Whatever a user types, the parser and validator answer with diagnostics: no exception, no hang,
 * no ANTLR vocabulary in a message. Seeded, so a failure replays; the seed and input are in the
 * failure message.
 */
class ParserFuzzTest {

	/** Generous: a hang guard, not a speed test. */
	private static final Duration HANG_LIMIT = Duration.ofSeconds(60);
	private static final Pattern TOKEN = Pattern.compile("\"\"\"[\\s\\S]*?\"\"\"|\"[^\"\\n]*\"|'[^'\\n]*'|#[^\\n]*|[A-Za-z_][A-Za-z_0-9]*|\\d+(?:\\.\\d*)?(?:[eE][-+]?\\d+)?|\\*\\*|//|->|[-+*/@%<>=!]=|\\n[ \\t]*|[ \\t]+|.");

	@Test
	void randomBytes() {
		Random random = new Random(20261122L);
		for (int i = 0; i < 300; i++) {
			byte[] bytes = new byte[random.nextInt(2000)];
			random.nextBytes(bytes);
			checkSurvives("random bytes #" + i, new String(bytes, StandardCharsets.UTF_8));
		}
	}

	@Test
	void randomPrintableText() {
		Random random = new Random(7L);
		String alphabet = "abcxyz_019 \t\n\n\n    ()[]{}:,.;=+-*/@%<>!~^&|#'\"\\";
		for (int i = 0; i < 300; i++) {
			StringBuilder text = new StringBuilder();
			int length = random.nextInt(600);
			for (int k = 0; k < length; k++) {
				text.append(alphabet.charAt(random.nextInt(alphabet.length())));
			}
			checkSurvives("printable #" + i, text.toString());
		}
	}

	@Test
	void tokenLevelMutationsOfTheSamples() {
		Random random = new Random(Long.getLong("forge.fuzz.seed", 42L));
		List<List<String>> samples = new ArrayList<>();
		List<String> pool = new ArrayList<>();
		for (var file : Sources.forgeFiles(Sources.ROOT.resolve("samples"))) {
			List<String> tokens = tokens(Sources.read(file));
			samples.add(tokens);
			pool.addAll(tokens);
		}
		assertFalse(samples.isEmpty(), "no samples to mutate");
		for (int i = 0; i < Integer.getInteger("forge.fuzz.mutants", 400); i++) {
			List<String> tokens = new ArrayList<>(samples.get(random.nextInt(samples.size())));
			int edits = 1 + random.nextInt(5);
			for (int e = 0; e < edits && !tokens.isEmpty(); e++) {
				int at = random.nextInt(tokens.size());
				switch (random.nextInt(4)) {
					case 0 -> tokens.remove(at);
					case 1 -> tokens.add(at, tokens.get(at));
					case 2 -> tokens.add(at, pool.get(random.nextInt(pool.size())));
					default -> {
						int other = random.nextInt(tokens.size());
						String t = tokens.get(at);
						tokens.set(at, tokens.get(other));
						tokens.set(other, t);
					}
				}
			}
			checkSurvives("mutant #" + i, String.join("", tokens));
		}
	}

	@Test
	void deepNesting() {
		int n = 20_000;
		checkReports("brackets", "x = " + "(".repeat(n) + "1" + ")".repeat(n) + "\n", "F0010");
		checkReports("unclosed brackets", "x = " + "[".repeat(n) + "\n", "F0010");
		checkReports("unary minus", "x = " + "-".repeat(n) + "1\n", "F0010");
		checkReports("power chain", "x = 2" + " ** 2".repeat(n) + "\n", "F0010");
		checkReports("not chain", "x = " + "not ".repeat(n) + "y\n", "F0010");
		StringBuilder blocks = new StringBuilder();
		for (int i = 0; i < 300; i++) {
			blocks.append(" ".repeat(i)).append("if x:\n");
		}
		blocks.append(" ".repeat(300)).append("pass\n");
		checkReports("blocks", blocks.toString(), "F0010");
	}

	@Test
	void aOneMegabyteFile() {
		StringBuilder text = new StringBuilder();
		String sample = Sources.read(Sources.ROOT.resolve("samples/transformer_block.forge"));
		int copy = 0;
		while (text.length() < 1_000_000) {
			// Each copy's functions are renamed so that the file stays valid.
			text.append(sample.replaceAll("def (\\w+)", "def $1_" + copy++)).append('\n');
		}
		List<Issue> issues = checkSurvives("1 MB of samples", text.toString());
		assertTrue(issues.stream().noneMatch(i -> i.getCode() != null && i.getCode().startsWith("F00")), () -> "syntax errors: " + issues);
		text.setLength(text.length() / 2);
		text.append("def broken(:\n");
		checkSurvives("1 MB with an error at the end", text.toString());
	}

	private static void checkReports(String what, String text, String code) {
		List<Issue> issues = checkSurvives(what, text);
		assertTrue(issues.stream().anyMatch(i -> code.equals(i.getCode())), () -> what + ": expected " + code + ", got " + issues);
	}

	private static List<Issue> checkSurvives(String what, String text) {
		List<Issue> issues = assertTimeoutPreemptively(HANG_LIMIT, () -> {
			try {
				return Sources.check("fuzz.forge", text);
			} catch (RuntimeException | StackOverflowError e) {
				throw new AssertionError(what + " crashed the checker with " + e + "\ninput:\n" + shorten(text), e);
			}
		}, () -> what + " hung");
		// The editor type-checks files that do not parse (hover, completion): partial trees must not throw.
		assertTimeoutPreemptively(HANG_LIMIT, () -> {
			var resource = Sources.parse("partial.forge", text);
			if (!resource.getContents().isEmpty() && resource.getContents().get(0) instanceof dev.forge.forge.Module module) {
				try {
					dev.forge.types.TypeChecker.check(module);
				} catch (RuntimeException | StackOverflowError e) {
					throw new AssertionError(what + " crashed the type checker with " + e + " at " + java.util.Arrays.toString(java.util.Arrays.copyOf(e.getStackTrace(), Math.min(6, e.getStackTrace().length))) + "\ninput:\n" + shorten(text), e);
				}
			}
		}, () -> what + " hung the type checker");
		for (Issue issue : issues) {
			String message = issue.getMessage();
			assertTrue(issue.getCode() != null && issue.getCode().matches("F\\d{4}"), () -> what + ": diagnostic without a Forge code: " + issue);
			assertFalse(message.contains("RULE_") || message.contains("mismatched") || message.contains("expecting") || message.contains("<EOF>")
					|| message.contains("Exception"), () -> what + ": parser vocabulary in '" + message + "'\ninput:\n" + shorten(text));
		}
		return issues;
	}

	private static List<String> tokens(String text) {
		List<String> tokens = new ArrayList<>();
		Matcher m = TOKEN.matcher(text);
		while (m.find()) {
			tokens.add(m.group());
		}
		return tokens;
	}

	private static String shorten(String text) {
		return text.length() > 2000 ? text.substring(0, 2000) + "..." : text;
	}
}
