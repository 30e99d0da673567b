package dev.forge.ide.format;

import static dev.forge.parser.antlr.internal.InternalForgeParser.*;

import java.util.ArrayList;
import java.util.List;

import org.antlr.runtime.ANTLRStringStream;
import org.antlr.runtime.CommonToken;
import org.antlr.runtime.Token;

import dev.forge.parser.antlr.ForgeTokenSource;
import dev.forge.parser.antlr.lexer.InternalForgeLexer;

/**
 * An opinionated, conservative formatter working on tokens: four spaces per block level (continuation
 * lines keep their alignment relative to their statement), no trailing whitespace, one space after a
 * comma and none before it, spaces around `=` and augmented assignments of a statement, at most two
 * blank lines at the top level and one inside blocks, two blank lines before a top-level `def`,
 * decorator or `target`, one newline at the end. It never changes tokens, only the space between them;
 * the language server also checks that the parse tree is unchanged before applying the result.
 */
public final class ForgeFormatter {

	private static final int INDENT = 4;

	private ForgeFormatter() {
	}

	/** The formatted text, or null when the text has lexical or indentation errors (nothing safe to do). */
	public static String format(String text) {
		List<CommonToken> tokens = tokens(text);
		if (tokens == null) {
			return null;
		}
		StringBuilder out = new StringBuilder();
		int depth = 0;
		int brackets = 0;
		StringBuilder open = new StringBuilder(); // the kinds of the open brackets, innermost last
		String lineFirst = "";
		int shift = 0; // new minus old indentation of the current statement, for its continuation lines
		boolean lineStart = true;
		boolean continuation = false; // right after a backslash line continuation
		boolean sawCode = false;
		int pendingNewlines = 0;
		for (int i = 0; i < tokens.size(); i++) {
			CommonToken t = tokens.get(i);
			int type = t.getType();
			String s = t.getText() == null ? "" : t.getText();
			if (type == RULE_BEGIN) {
				depth++;
				continue;
			}
			if (type == RULE_END) {
				depth = Math.max(0, depth - 1);
				continue;
			}
			if (type == RULE_NL || type == Token.EOF) {
				continue;
			}
			if (type == RULE_WS || type == RULE_LINE_CONT) {
				int newlines = count(s, '\n');
				if (newlines == 0 && type == RULE_WS && continuation) {
					out.append(" ".repeat(Math.max(0, s.length() + shift)));
					continuation = false;
					continue;
				}
				if (newlines == 0) {
					if (!lineStart) {
						CommonToken next = nextSignificant(tokens, i);
						int previous = previousSignificantIndex(tokens, i);
						CommonToken before = previous < 0 ? null : tokens.get(previous);
						CommonToken beforeBefore = previous < 0 ? null : at(tokens, previousSignificantIndex(tokens, previous));
						String wanted = next == null ? null : space(before, beforeBefore, next, open, lineFirst);
						out.append(wanted != null ? wanted : next == null ? s : " ");
					}
					continue;
				}
				if (brackets > 0 || type == RULE_LINE_CONT) {
					// A continuation line: keep its alignment, moved with its statement.
					trimTrailingSpaces(out);
					if (type == RULE_LINE_CONT) {
						out.append(out.length() > 0 && out.charAt(out.length() - 1) != ' ' ? " \\\n" : "\\\n");
						continuation = true;
						continue;
					}
					out.append("\n".repeat(newlines));
					int old = s.length() - s.lastIndexOf('\n') - 1;
					out.append(" ".repeat(Math.max(0, old + shift)));
					continue;
				}
				trimTrailingSpaces(out);
				pendingNewlines += newlines;
				lineStart = true;
				continue;
			}
			// A comment or a significant token.
			if (lineStart) {
				int column = type == RULE_SL_COMMENT ? depthOfComment(tokens, i, depth) * INDENT : depth * INDENT;
				if (sawCode) {
					int blank = Math.max(0, pendingNewlines - 1);
					int max = depth == 0 ? 2 : 1;
					blank = Math.min(blank, max);
					if (depth == 0 && startsTopLevelDefinition(tokens, i) && !previousLineIsDecorator(tokens, i)) {
						blank = 2;
					}
					out.append("\n".repeat(blank + 1));
				}
				if (type != RULE_SL_COMMENT) {
					shift = column - t.getCharPositionInLine();
				}
				out.append(" ".repeat(column));
				pendingNewlines = 0;
				lineStart = false;
				lineFirst = type == RULE_SL_COMMENT ? "" : s;
			}
			if (type != RULE_SL_COMMENT && out.length() > 0 && !lineStart && i > 0 && isSignificant(tokens.get(i - 1))) {
				// Adjacent tokens with no space between them: add one where the style wants it (`y=x@w` -> `y = x @ w`).
				CommonToken previous = tokens.get(i - 1);
				if (" ".equals(space(previous, at(tokens, previousSignificantIndex(tokens, i - 1)), t, open, lineFirst))) {
					out.append(' ');
				}
			}
			out.append(s);
			sawCode = true;
			if (s.length() == 1 && "([{".contains(s)) {
				brackets++;
				open.append(s);
			} else if (s.length() == 1 && ")]}".contains(s)) {
				brackets = Math.max(0, brackets - 1);
				if (open.length() > 0) {
					open.setLength(open.length() - 1);
				}
			}
		}
		trimTrailingSpaces(out);
		if (out.length() > 0) {
			out.append('\n');
		}
		return out.toString();
	}

	/** A comment line takes the indentation of the code line that follows it (a comment before a dedent dedents too). */
	private static int depthOfComment(List<CommonToken> tokens, int i, int depth) {
		int d = depth;
		for (int k = i + 1; k < tokens.size(); k++) {
			int type = tokens.get(k).getType();
			if (type == RULE_BEGIN) {
				return d + 1 > depth ? depth : d;
			}
			if (type == RULE_END) {
				d--;
			} else if (isSignificant(tokens.get(k))) {
				return Math.max(0, d);
			}
		}
		return Math.max(0, d);
	}

	private static final java.util.Set<String> SPACED_OPERATORS = java.util.Set.of("@", "==", "!=", "<=", ">=", "<", ">", "+", "-", "->");

	/**
	 * The space wanted between {@code before} and {@code after}: " ", "", or null for "leave as
	 * written". {@code beforeBefore} tells a binary `-` from a unary one.
	 */
	private static String space(CommonToken before, CommonToken beforeBefore, CommonToken after, CharSequence open, String lineFirst) {
		if (before == null || after == null) {
			return null;
		}
		String a = before.getText();
		String b = after.getText();
		char innermost = open.length() == 0 ? ' ' : open.charAt(open.length() - 1);
		if (b.equals(",") || b.equals(")") || b.equals("]") || b.equals("}")) {
			return "";
		}
		if (a.equals("(") || a.equals("[") || a.equals("{")) {
			return "";
		}
		if (a.equals(",")) {
			return " ";
		}
		if (b.equals(":") && innermost != '[') {
			return "";
		}
		if (a.equals(":") && innermost != '[') {
			return " ";
		}
		if (open.length() == 0 && (isAssignment(a) || isAssignment(b))) {
			return " ";
		}
		if (lineFirst.equals("@") && (a.equals("@") || b.equals("@"))) {
			return null; // decorators: `@jit @autodiff`
		}
		if (SPACED_OPERATORS.contains(b) && isValue(before)) {
			return " ";
		}
		if (SPACED_OPERATORS.contains(a) && beforeBefore != null && isValue(beforeBefore)) {
			return " ";
		}
		return null;
	}

	/** A token that ends an operand: a name, a literal, a closing bracket. */
	private static boolean isValue(CommonToken t) {
		int type = t.getType();
		String s = t.getText();
		return type == RULE_ID || type == RULE_INT || type == RULE_FLOAT || type == RULE_STRING || s.equals(")") || s.equals("]") || s.equals("}")
				|| s.equals("None") || s.equals("True") || s.equals("False") || s.equals("...");
	}

	private static int previousSignificantIndex(List<CommonToken> tokens, int i) {
		for (int k = i - 1; k >= 0; k--) {
			if (isSignificant(tokens.get(k))) {
				return k;
			}
		}
		return -1;
	}

	private static CommonToken at(List<CommonToken> tokens, int index) {
		return index < 0 ? null : tokens.get(index);
	}

	private static boolean isAssignment(String op) {
		return op.equals("=") || op.length() >= 2 && op.endsWith("=") && !op.equals("==") && !op.equals("!=") && !op.equals("<=") && !op.equals(">=");
	}

	private static boolean startsTopLevelDefinition(List<CommonToken> tokens, int i) {
		String s = tokens.get(i).getText();
		if (s.equals("def") || s.equals("@")) {
			return true;
		}
		return s.equals("target") && i + 2 < tokens.size() && nextSignificantAfter(tokens, i) != null
				&& nextSignificantAfter(tokens, i).getType() == RULE_ID;
	}

	private static boolean previousLineIsDecorator(List<CommonToken> tokens, int i) {
		for (int k = i - 1; k >= 0; k--) {
			CommonToken t = tokens.get(k);
			if (t.getType() == RULE_NL) {
				for (int j = k - 1; j >= 0; j--) {
					if (tokens.get(j).getType() == RULE_NL) {
						return false;
					}
					if (isSignificant(tokens.get(j)) && tokens.get(j).getCharPositionInLine() == 0 && tokens.get(j).getText().equals("@")) {
						return true;
					}
				}
				return false;
			}
		}
		return false;
	}

	private static CommonToken nextSignificant(List<CommonToken> tokens, int i) {
		for (int k = i + 1; k < tokens.size(); k++) {
			CommonToken t = tokens.get(k);
			if (t.getType() == RULE_SL_COMMENT) {
				return null; // keep the space before a trailing comment as written
			}
			if (isSignificant(t)) {
				return t;
			}
		}
		return null;
	}

	private static CommonToken nextSignificantAfter(List<CommonToken> tokens, int i) {
		for (int k = i + 1; k < tokens.size(); k++) {
			if (isSignificant(tokens.get(k))) {
				return tokens.get(k);
			}
		}
		return null;
	}

	private static boolean isSignificant(CommonToken t) {
		int type = t.getType();
		return type != RULE_WS && type != RULE_SL_COMMENT && type != RULE_LINE_CONT && type != RULE_NL && type != RULE_BEGIN && type != RULE_END
				&& type != Token.EOF;
	}

	private static boolean isCloser(CommonToken t) {
		String s = t.getText();
		return s.equals(")") || s.equals("]") || s.equals("}");
	}

	private static void trimTrailingSpaces(StringBuilder out) {
		while (out.length() > 0 && (out.charAt(out.length() - 1) == ' ' || out.charAt(out.length() - 1) == '\t')) {
			out.setLength(out.length() - 1);
		}
	}

	private static int count(String s, char c) {
		int n = 0;
		for (int i = 0; i < s.length(); i++) {
			if (s.charAt(i) == c) {
				n++;
			}
		}
		return n;
	}

	/** The token stream with indentation tokens, or null if it holds anything the formatter must not touch. */
	private static List<CommonToken> tokens(String text) {
		ForgeTokenSource source = new ForgeTokenSource(new InternalForgeLexer(new ANTLRStringStream(text)));
		List<CommonToken> tokens = new ArrayList<>();
		while (true) {
			Token t = source.nextToken();
			if (t.getType() == RULE_BAD_DEDENT || t.getType() == RULE_TOO_DEEP || t.getType() == RULE_ANY_OTHER || t.getType() == RULE_UNTERMINATED_STRING
					|| t.getType() == Token.INVALID_TOKEN_TYPE) {
				return null;
			}
			tokens.add((CommonToken) t);
			if (t.getType() == Token.EOF) {
				return tokens;
			}
		}
	}
}
