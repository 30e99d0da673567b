package dev.forge.types;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DimParserTest {

	private static final Dim S = Dim.symbol("S");
	private static final Dim a = Dim.symbol("a");
	private static final Dim b = Dim.symbol("b");
	private static final Dim c = Dim.symbol("c");

	@Test
	void namesNumbersAndWhitespace() {
		assertEquals(S, DimParser.parse("S"));
		assertEquals(Dim.symbol("heads_2"), DimParser.parse("  heads_2\t"));
		assertEquals(Dim.symbol("_"), DimParser.parse("_"));
		assertEquals(Dim.of(128), DimParser.parse("128"));
		assertEquals(Dim.of(7), DimParser.parse("007"));
		assertEquals(Dim.of(Long.MAX_VALUE), DimParser.parse("9223372036854775807"));
		assertEquals(S.times(Dim.of(2)), DimParser.parse("S * 2"));
		assertEquals(S.times(Dim.of(2)), DimParser.parse("S\n*\r\n2"));
	}

	@Test
	void pythonPrecedenceAndAssociativity() {
		assertEquals(a.plus(b.times(c)), DimParser.parse("a + b*c"));
		assertEquals(a.times(b).plus(c), DimParser.parse("a*b + c"));
		assertEquals(a.minus(b).minus(c), DimParser.parse("a - b - c"));
		assertEquals(a.floorDiv(b).times(c), DimParser.parse("a//b*c"));
		assertEquals(a.times(b).floorDiv(c), DimParser.parse("a*b//c"));
		assertEquals(a.floorDiv(b).floorDiv(c), DimParser.parse("a//b//c"));
		assertEquals(a.floorDiv(b.floorDiv(c)), DimParser.parse("a//(b//c)"));
		assertEquals(a.plus(b).times(c), DimParser.parse("(a + b)*c"));
		assertEquals(Dim.of(-4), DimParser.parse("-7//2"));
		assertEquals(Dim.of(-3), DimParser.parse("-(7//2)"));
		assertEquals(Dim.of(-6), DimParser.parse("2*-3"));
		assertEquals(a.negate().times(b), DimParser.parse("-a*b"));
		assertEquals(a, DimParser.parse("---a + 2*a"));
		assertEquals(a.minus(b.negate()), DimParser.parse("a - -b"));
	}

	@Test
	void slashIsFloorDivision() {
		assertEquals(DimParser.parse("D//heads"), DimParser.parse("D/heads"));
		assertEquals(Dim.of(3), DimParser.parse("7/2"));
		assertEquals(Dim.of(-4), DimParser.parse("-7/2"));
	}

	@ParameterizedTest(name = "[{index}] \"{0}\": {1}")
	@CsvSource(delimiter = '|', quoteCharacter = '"', ignoreLeadingAndTrailingWhitespace = false, textBlock = """
			""|empty dim|0|0
			"   "|empty dim|0|3
			S*|expected a name or a number after '*'|1|1
			S* )|expected a name or a number after '*'|3|1
			S*+T|expected a name or a number after '*'|2|1
			S//|expected a name or a number after '//'|1|2
			S/|expected a name or a number after '/'|1|1
			"S +"|expected a name or a number after '+'|2|1
			-|expected a name or a number after '-'|0|1
			S - -|expected a name or a number after '-'|4|1
			()|expected a name or a number after '('|1|1
			*S|expected a name or a number, found '*'|0|1
			+S|expected a name or a number, found '+'|0|1
			//2|expected a name or a number, found '//'|0|2
			S)|unexpected ')'|1|1
			)|unexpected ')'|0|1
			(a))|unexpected ')'|3|1
			(S|'(' is never closed|0|1
			B*(S+1|'(' is never closed|2|1
			((S)|'(' is never closed|0|1
			D//0|division by zero|3|1
			D//(S-S)|division by zero|3|5
			D / (2 - 2)|division by zero|4|7
			7 // 0 + 1|division by zero|5|1
			S T|expected an operator such as '+' or '*' before 'T'|2|1
			2S|expected an operator such as '+' or '*' before 'S'|1|1
			S(T)|expected an operator such as '+' or '*' before '('|1|1
			(S T)|expected an operator such as '+' or '*' before 'T'|3|1
			S % 2|unexpected character '%'|2|1
			a.b|unexpected character '.'|1|1
			S**2|'**' (power) is not allowed in a dim; multiply instead, as in D*D|1|2
			**2|'**' (power) is not allowed in a dim; multiply instead, as in D*D|0|2
			99999999999999999999|the number 99999999999999999999 is too large (at most 9223372036854775807)|0|20
			9223372036854775807 + 1|this dim grows too large (a number overflows or there are too many terms)|0|23
			1 + 9223372036854775807*S*2|this dim grows too large (a number overflows or there are too many terms)|4|23
			""")
	void syntaxErrors(String text, String message, int offset, int length) {
		DimSyntaxException e = assertThrows(DimSyntaxException.class, () -> DimParser.parse(text));
		assertEquals(message, e.getMessage());
		assertEquals(offset, e.offset(), "offset");
		assertEquals(length, e.length(), "length");
	}

	@Test
	void unusualCharacters() {
		DimSyntaxException bell = assertThrows(DimSyntaxException.class, () -> DimParser.parse("S\u0007"));
		assertEquals("unexpected character U+0007", bell.getMessage());
		assertEquals(1, bell.offset());
		DimSyntaxException emoji = assertThrows(DimSyntaxException.class, () -> DimParser.parse("S+\uD83D\uDE00"));
		assertEquals("unexpected character '\uD83D\uDE00'", emoji.getMessage());
		assertEquals(2, emoji.offset());
		assertEquals(2, emoji.length());
		DimSyntaxException nbsp = assertThrows(DimSyntaxException.class, () -> DimParser.parse("S\u00A0+ 1"));
		assertEquals("unexpected character U+00A0", nbsp.getMessage());
	}

	@Test
	void nestingLimits() {
		String ok = "(".repeat(DimParser.MAX_NESTING) + "S" + ")".repeat(DimParser.MAX_NESTING);
		assertEquals(S, DimParser.parse(ok));
		String deep = "(".repeat(DimParser.MAX_NESTING + 1) + "S" + ")".repeat(DimParser.MAX_NESTING + 1);
		DimSyntaxException e = assertThrows(DimSyntaxException.class, () -> DimParser.parse(deep));
		assertEquals("parentheses are nested too deeply", e.getMessage());
		assertEquals(DimParser.MAX_NESTING, e.offset());

		StringBuilder chain = new StringBuilder("D");
		for (int i = 0; i <= Dim.MAX_DEPTH; i++) {
			chain.append("//h").append(i);
		}
		e = assertThrows(DimSyntaxException.class, () -> DimParser.parse(chain.toString()));
		assertEquals("floor divisions are nested too deeply", e.getMessage());
		assertEquals(0, e.offset());
		assertEquals(chain.length(), e.length());

		assertEquals(Dim.symbol("a"), DimParser.parse("-".repeat(100_000) + "a"));
	}

	@Test
	void hugeExpansionsFailFast() {
		assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
			String expansion = "(a + b + c + d + e + f + g)*".repeat(40) + "1";
			DimSyntaxException e = assertThrows(DimSyntaxException.class, () -> DimParser.parse(expansion));
			assertTrue(e.getMessage().startsWith("this dim grows too large"), e.getMessage());
			String degree = "S*".repeat(Dim.MAX_DEGREE) + "S";
			assertThrows(DimSyntaxException.class, () -> DimParser.parse(degree));
			String binomial = "(S + 1)*".repeat(80) + "1";
			assertThrows(DimSyntaxException.class, () -> DimParser.parse(binomial));
			String longSum = "S + ".repeat(200_000) + "S";
			assertEquals(S.times(Dim.of(200_001)), DimParser.parse(longSum));
		});
	}

	// ------------------------------------------------------------ fuzzing

	private static final String ALPHABET = "aZ_09 +-*/()";

	/** Every string over the alphabet up to length 4: a dim or a DimSyntaxException. */
	@Test
	void exhaustiveShortStrings() {
		int parsed = 0;
		for (int length = 0; length <= 4; length++) {
			int count = (int) Math.pow(ALPHABET.length(), length);
			for (int k = 0; k < count; k++) {
				StringBuilder text = new StringBuilder();
				int rest = k;
				for (int i = 0; i < length; i++) {
					text.append(ALPHABET.charAt(rest % ALPHABET.length()));
					rest /= ALPHABET.length();
				}
				if (survives(text.toString(), "exhaustive")) {
					parsed++;
				}
			}
		}
		assertTrue(parsed > 1000, "parsed " + parsed);
	}

	/** Seeded random strings over the alphabet: a dim (which round-trips) or a DimSyntaxException. */
	@Test
	void randomStrings() {
		assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
			Random random = new Random(20260101L);
			int parsed = 0;
			for (int i = 0; i < 30_000; i++) {
				int length = i % 100 == 0 ? random.nextInt(3000) : random.nextInt(40);
				StringBuilder text = new StringBuilder(length);
				for (int k = 0; k < length; k++) {
					text.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
				}
				if (survives(text.toString(), "random #" + i)) {
					parsed++;
				}
			}
			assertTrue(parsed > 500, "parsed " + parsed);
		});
	}

	/** Random strings biased towards well-formed ones, so that most of them parse. */
	@Test
	void randomTokenStrings() {
		assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
			Random random = new Random(99L);
			String[] tokens = { "a", "b", "S", "heads", "0", "1", "2", "3", "12", " ", "+", "-", "*", "//", "/", "(",
					")", "(", ")", "a*", "+1", "//2", "*2" };
			int parsed = 0;
			for (int i = 0; i < 30_000; i++) {
				int length = random.nextInt(i % 50 == 0 ? 400 : 25);
				StringBuilder text = new StringBuilder();
				for (int k = 0; k < length; k++) {
					text.append(tokens[random.nextInt(tokens.length)]);
				}
				if (survives(text.toString(), "tokens #" + i)) {
					parsed++;
				}
			}
			assertTrue(parsed > 1000, "parsed " + parsed);
		});
	}

	private static boolean survives(String text, String label) {
		Dim dim;
		try {
			dim = DimParser.parse(text);
		} catch (DimSyntaxException e) {
			assertFalse(e.getMessage() == null || e.getMessage().isBlank(), () -> label + ": no message for " + text);
			assertTrue(e.offset() >= 0 && e.length() >= 0 && e.offset() + e.length() <= text.length(),
					() -> label + ": range " + e.offset() + "+" + e.length() + " outside \"" + text + "\"");
			return false;
		} catch (RuntimeException | StackOverflowError e) {
			fail(label + ": " + e + " for \"" + text + "\"", e);
			return false;
		}
		String printed = dim.toString();
		Dim again;
		try {
			again = DimParser.parse(printed);
		} catch (DimSyntaxException e) {
			fail(label + ": \"" + text + "\" prints as \"" + printed + "\", which does not parse: " + e.getMessage());
			return false;
		}
		assertEquals(dim, again, () -> label + ": \"" + text + "\" prints as \"" + printed + "\"");
		return true;
	}
}
