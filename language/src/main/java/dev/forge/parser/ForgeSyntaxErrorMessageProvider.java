package dev.forge.parser;

import java.util.List;
import java.util.Set;

import org.antlr.runtime.CommonToken;
import org.antlr.runtime.EarlyExitException;
import org.antlr.runtime.MismatchedTokenException;
import org.antlr.runtime.MissingTokenException;
import org.antlr.runtime.RecognitionException;
import org.antlr.runtime.Token;
import org.antlr.runtime.UnwantedTokenException;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.SyntaxErrorMessage;
import org.eclipse.xtext.parser.antlr.SyntaxErrorMessageProvider;

import dev.forge.validation.IssueCodes;

/**
 * Syntax errors in words a Python user knows: never an ANTLR token name. The parser tells where it
 * stopped and what it expected; this class looks at the source around that point (brackets,
 * indentation, the statement header above) to say what is really wrong.
 */
public class ForgeSyntaxErrorMessageProvider extends SyntaxErrorMessageProvider {

	private static final Set<String> BLOCK_OPENERS = Set.of("def", "if", "elif", "else", "for", "while", "with", "target");

	@Override
	public SyntaxErrorMessage getSyntaxErrorMessage(IParserErrorContext context) {
		try {
			return explain(context);
		} catch (RuntimeException e) {
			return new SyntaxErrorMessage("invalid syntax", IssueCodes.INVALID_SYNTAX);
		}
	}

	private SyntaxErrorMessage explain(IParserErrorContext context) {
		RecognitionException e = context.getRecognitionException();
		String[] names = context.getTokenNames();
		String text = sourceText(context);
		if (e == null || e.token == null) {
			return lexerError(context.getDefaultMessage());
		}
		Token found = e.token;
		String foundName = nameOf(names, found.getType());
		int offset = found.getType() == Token.EOF || !(found instanceof CommonToken ct) || ct.getStartIndex() < 0
				? text.length()
				: ct.getStartIndex();

		SyntaxErrorMessage bracket = bracketProblem(text, offset, isBlockEnd(foundName));
		if (bracket != null) {
			return bracket;
		}
		switch (foundName) {
			case "RULE_BEGIN":
				return new SyntaxErrorMessage("unexpected indent", IssueCodes.UNEXPECTED_INDENT);
			case "RULE_BAD_DEDENT":
				return new SyntaxErrorMessage("unindent does not match any outer indentation level", IssueCodes.INCONSISTENT_DEDENT);
			case "RULE_UNTERMINATED_STRING":
				return new SyntaxErrorMessage("unterminated string literal: the closing quote is missing on this line", IssueCodes.UNTERMINATED_STRING);
			case "RULE_TOO_DEEP":
				return new SyntaxErrorMessage(isBracket(found.getText())
						? "too many nested brackets (more than " + IndentationTokens.MAX_BRACKET_DEPTH + ")"
						: "too many nested blocks (more than " + IndentationTokens.MAX_BLOCK_DEPTH + ")", IssueCodes.TOO_DEEP);
			case "RULE_ANY_OTHER":
				if (String.valueOf(ForgeParser.TOO_DEEP_MARKER).equals(found.getText())) {
					return new SyntaxErrorMessage("this file nests expressions deeper than the parser can follow; split the expression",
							IssueCodes.TOO_DEEP);
				}
				String c = found.getText() == null ? "?" : found.getText();
				return new SyntaxErrorMessage(String.format("invalid character '%s' (U+%04X)", c, c.isEmpty() ? 0 : c.codePointAt(0)), IssueCodes.INVALID_CHARACTER);
			default:
				break;
		}
		String expected = e instanceof MismatchedTokenException m && !(e instanceof UnwantedTokenException) && m.expecting >= 0
				? nameOf(names, m.expecting)
				: null;
		if ("RULE_BEGIN".equals(expected) || (e instanceof EarlyExitException && isBlockEnd(foundName) && previousLineOpensBlock(text, offset))) {
			return expectedIndentedBlock(text, offset);
		}
		if (e instanceof UnwantedTokenException) {
			return new SyntaxErrorMessage("invalid syntax: unexpected " + describeFound(foundName, found), IssueCodes.INVALID_SYNTAX);
		}
		if (expected != null) {
			String message = "expected " + describeExpected(expected);
			if (!(e instanceof MissingTokenException) || isBlockEnd(foundName)) {
				message += ", found " + describeFound(foundName, found);
			}
			return new SyntaxErrorMessage(message, IssueCodes.INVALID_SYNTAX);
		}
		if (isBlockEnd(foundName)) {
			String operator = trailingOperator(text, offset);
			if (operator != null) {
				return new SyntaxErrorMessage("expected an expression after '" + operator + "'", IssueCodes.INVALID_SYNTAX);
			}
			return new SyntaxErrorMessage("incomplete statement: unexpected " + describeFound(foundName, found), IssueCodes.INVALID_SYNTAX);
		}
		return new SyntaxErrorMessage("invalid syntax: unexpected " + describeFound(foundName, found), IssueCodes.INVALID_SYNTAX);
	}

	/** The lexer reports "Invalid token <text>" for a triple-quoted string that never ends. */
	private static SyntaxErrorMessage lexerError(String message) {
		if (message != null && message.startsWith("Invalid token")) {
			String token = message.substring("Invalid token".length()).strip();
			if (token.startsWith("\"\"\"") || token.startsWith("'''")) {
				return new SyntaxErrorMessage("unterminated triple-quoted string literal: no closing " + token.substring(0, 3),
						IssueCodes.UNTERMINATED_STRING);
			}
			return new SyntaxErrorMessage("invalid token " + shorten(token), IssueCodes.INVALID_CHARACTER);
		}
		return new SyntaxErrorMessage(plainDefault(message), IssueCodes.INVALID_SYNTAX);
	}

	private static boolean isBracket(String text) {
		return text != null && text.length() == 1 && "([{".contains(text);
	}

	/** {@code atLineEnd}: the parser stopped at a NL, a dedent or the end of file, which inside brackets only the end of file produces. */
	private SyntaxErrorMessage bracketProblem(String text, int offset, boolean atLineEnd) {
		List<BracketScan.Problem> problems = problemsOf(text);
		for (BracketScan.Problem p : problems) {
			if (!p.isUnclosedOpener() && p.offset() == offset) {
				if (p.openerOffset() == null) {
					return new SyntaxErrorMessage("unmatched '" + p.bracket() + "'", IssueCodes.UNMATCHED_BRACKET);
				}
				return new SyntaxErrorMessage(String.format("closing '%s' does not match '%s' opened at %s", p.bracket(),
						text.charAt(p.openerOffset()), position(text, p.openerOffset())), IssueCodes.UNMATCHED_BRACKET);
			}
		}
		for (BracketScan.Problem p : problems) {
			boolean earlierLine = p.offset() < offset && lineOf(text, p.offset()) < lineOf(text, offset);
			if (p.isUnclosedOpener() && p.offset() < offset && (earlierLine || atLineEnd)) {
				return new SyntaxErrorMessage(String.format("'%s' opened at %s is never closed", p.bracket(), position(text, p.offset())),
						IssueCodes.UNCLOSED_BRACKET);
			}
		}
		return null;
	}

	private SyntaxErrorMessage expectedIndentedBlock(String text, int offset) {
		int headerStart = previousCodeLineStart(text, offset);
		String word = firstWord(text, headerStart);
		String what = BLOCK_OPENERS.contains(word) ? "'" + word + "'" : "':'";
		return new SyntaxErrorMessage("expected an indented block after " + what + " on line " + (LINE_BASE.get() + lineOf(text, headerStart)),
				IssueCodes.EXPECTED_INDENTED_BLOCK);
	}

	private static boolean previousLineOpensBlock(String text, int offset) {
		int start = previousCodeLineStart(text, offset);
		int end = text.indexOf('\n', start);
		String line = stripComment(text.substring(start, end < 0 ? text.length() : end)).strip();
		return line.endsWith(":");
	}

	/** The start of the last line before {@code offset} that holds code, not only blanks or a comment. */
	private static int previousCodeLineStart(String text, int offset) {
		int lineStart = text.lastIndexOf('\n', Math.max(0, Math.min(offset, text.length()) - 1)) + 1;
		if (lineStart > offset) {
			lineStart = 0;
		}
		int candidate = lineStart;
		String line = text.substring(candidate, Math.min(text.length(), Math.max(candidate, offset)));
		while (stripComment(line).isBlank() && candidate > 0) {
			int prevEnd = candidate - 1;
			candidate = text.lastIndexOf('\n', prevEnd - 1) + 1;
			line = text.substring(candidate, prevEnd);
		}
		return candidate;
	}

	private static String stripComment(String line) {
		int hash = line.indexOf('#');
		return hash >= 0 ? line.substring(0, hash) : line;
	}

	private static String firstWord(String text, int lineStart) {
		int i = lineStart;
		while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
			i++;
		}
		int j = i;
		while (j < text.length() && Character.isJavaIdentifierPart(text.charAt(j))) {
			j++;
		}
		return text.substring(i, j);
	}

	/** The binary operator that ends the code before {@code offset}, if any (`x = a +` at a line end). */
	private static String trailingOperator(String text, int offset) {
		String before = stripComment(text.substring(previousCodeLineStart(text, offset), Math.min(offset, text.length()))).stripTrailing();
		for (String op : List.of("**", "//", "==", "!=", "<=", ">=", "->", "+", "-", "*", "/", "%", "@", "<", ">", "=", "|", "&", "^", ",")) {
			if (before.endsWith(op)) {
				return op;
			}
		}
		for (String word : List.of("and", "or", "not", "in", "is", "return", "import")) {
			if (before.endsWith(" " + word) || before.equals(word)) {
				return word;
			}
		}
		return null;
	}

	private static boolean isBlockEnd(String tokenName) {
		return tokenName.equals("RULE_NL") || tokenName.equals("RULE_END") || tokenName.equals("EOF");
	}

	private static String nameOf(String[] names, int type) {
		if (type == Token.EOF) {
			return "EOF";
		}
		return names != null && type >= 0 && type < names.length && names[type] != null ? names[type] : "?";
	}

	static String describeExpected(String name) {
		return switch (name) {
			case "RULE_NL" -> "end of line";
			case "RULE_BEGIN" -> "an indented block";
			case "RULE_END" -> "the end of the block";
			case "RULE_ID" -> "a name";
			case "RULE_INT" -> "an integer";
			case "RULE_FLOAT" -> "a number";
			case "RULE_STRING" -> "a string";
			case "EOF" -> "end of file";
			default -> name.startsWith("'") ? name : "more input";
		};
	}

	static String describeFound(String name, Token token) {
		String text = token.getText() == null ? "" : token.getText();
		return switch (name) {
			case "RULE_NL" -> "end of line";
			case "RULE_BEGIN" -> "an indent";
			case "RULE_END" -> "a dedent";
			case "EOF" -> "end of file";
			case "RULE_ID" -> "name '" + text + "'";
			case "RULE_INT", "RULE_FLOAT" -> "number " + text;
			case "RULE_STRING" -> "string " + shorten(text);
			default -> "'" + shorten(text) + "'";
		};
	}

	private static String shorten(String text) {
		String oneLine = text.replace("\n", "\\n");
		return oneLine.length() > 24 ? oneLine.substring(0, 21) + "..." : oneLine;
	}

	/** ANTLR's default text with its token names put into words. */
	private static String plainDefault(String message) {
		if (message == null) {
			return "invalid syntax";
		}
		return message.replace("RULE_NL", "end of line").replace("RULE_BEGIN", "an indented block").replace("RULE_END", "a dedent")
				.replace("RULE_ID", "a name").replace("RULE_INT", "an integer").replace("RULE_FLOAT", "a number")
				.replace("RULE_STRING", "a string").replace("<EOF>", "end of file").replace("mismatched input", "unexpected")
				.replace("mismatched character", "unexpected character").replace("expecting", "expected");
	}

	/**
	 * The bracket problems and line starts of the text being parsed, computed once per parse and thread: a
	 * recovery can report hundreds of errors, and each message looks at brackets and lines.
	 */
	private record Scan(String text, List<BracketScan.Problem> problems, int[] lineStarts) {
	}

	private static final ThreadLocal<Scan> LAST_SCAN = new ThreadLocal<>();

	private static Scan scanOf(String text) {
		Scan last = LAST_SCAN.get();
		if (last != null && last.text() == text) {
			return last;
		}
		int lines = 1;
		for (int i = 0; i < text.length(); i++) {
			if (text.charAt(i) == '\n') {
				lines++;
			}
		}
		int[] starts = new int[lines];
		for (int i = 0, line = 1; i < text.length(); i++) {
			if (text.charAt(i) == '\n') {
				starts[line++] = i + 1;
			}
		}
		Scan scan = new Scan(text, BracketScan.problems(text), starts);
		LAST_SCAN.set(scan);
		return scan;
	}

	private static List<BracketScan.Problem> problemsOf(String text) {
		return scanOf(text).problems();
	}

	private static String sourceText(IParserErrorContext context) {
		INode node = context.getCurrentNode();
		return node == null || node.getRootNode() == null ? "" : node.getRootNode().getText();
	}

	/** Lines before the text being parsed, when it is a part of a file (TopLevelReparser): messages name the file's lines. */
	private static final ThreadLocal<Integer> LINE_BASE = ThreadLocal.withInitial(() -> 0);

	/** Runs {@code parse} with messages counting {@code lines} lines before the text it parses. */
	static <T> T withLineBase(int lines, java.util.function.Supplier<T> parse) {
		int before = LINE_BASE.get();
		LINE_BASE.set(lines);
		try {
			return parse.get();
		} finally {
			LINE_BASE.set(before);
		}
	}

	/** The 1-based line of {@code offset}: how many lines start at or before it. */
	static int lineOf(String text, int offset) {
		int[] starts = scanOf(text).lineStarts();
		int o = Math.min(Math.max(offset, 0), text.length());
		int lo = 0;
		int hi = starts.length - 1;
		while (lo < hi) {
			int mid = (lo + hi + 1) >>> 1;
			if (starts[mid] <= o) {
				lo = mid;
			} else {
				hi = mid - 1;
			}
		}
		return lo + 1;
	}

	static String position(String text, int offset) {
		int line = lineOf(text, offset);
		int lineStart = offset == 0 ? 0 : scanOf(text).lineStarts()[line - 1];
		return (LINE_BASE.get() + line) + ":" + (offset - lineStart + 1);
	}
}
