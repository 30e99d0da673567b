package dev.forge.parser;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Matches (), [] and {} over a whole source text, skipping strings and comments, so that syntax
 * errors can name the bracket that is really at fault instead of the token where parsing stopped.
 */
public final class BracketScan {

	/** A bracket that has no partner: an opener never closed, or a closer with no opener. */
	public record Problem(char bracket, int offset, Character expectedCloser, Integer openerOffset) {
		public boolean isUnclosedOpener() {
			return "([{".indexOf(bracket) >= 0;
		}
	}

	private BracketScan() {
	}

	public static List<Problem> problems(CharSequence text) {
		List<Problem> problems = new ArrayList<>();
		Deque<Integer> open = new ArrayDeque<>();
		int i = 0;
		int n = text.length();
		while (i < n) {
			int past = pastNonCode(text, i);
			if (past != i) {
				i = past;
				continue;
			}
			char c = text.charAt(i);
			if (c == '(' || c == '[' || c == '{') {
				open.push(i);
			} else if (c == ')' || c == ']' || c == '}') {
				if (open.isEmpty()) {
					problems.add(new Problem(c, i, null, null));
				} else {
					int opener = open.peek();
					char expected = closerOf(text.charAt(opener));
					if (expected == c) {
						open.pop();
					} else {
						problems.add(new Problem(c, i, expected, opener));
						open.pop();
					}
				}
			}
			i++;
		}
		List<Integer> unclosed = new ArrayList<>(open);
		for (int k = unclosed.size() - 1; k >= 0; k--) {
			int offset = unclosed.get(k);
			problems.add(new Problem(text.charAt(offset), offset, null, null));
		}
		problems.sort((a, b) -> Integer.compare(a.offset(), b.offset()));
		return problems;
	}

	/** The deepest bracket nesting in {@code text} from {@code from} on, counted from depth 0 there (closers without an opener ignored). */
	public static int maxDepth(CharSequence text, int from) {
		int depth = 0;
		int max = 0;
		int i = from;
		int n = text.length();
		while (i < n) {
			int past = pastNonCode(text, i);
			if (past != i) {
				i = past;
				continue;
			}
			char c = text.charAt(i);
			if (c == '(' || c == '[' || c == '{') {
				max = Math.max(max, ++depth);
			} else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
				depth--;
			}
			i++;
		}
		return max;
	}

	/** Where the comment, string or escaped character at {@code i} ends; {@code i} itself when code starts there. */
	private static int pastNonCode(CharSequence text, int i) {
		int n = text.length();
		char c = text.charAt(i);
		if (c == '#') {
			while (i < n && text.charAt(i) != '\n') {
				i++;
			}
			return i;
		}
		if (c == '"' || c == '\'') {
			return skipString(text, i);
		}
		return c == '\\' && i + 1 < n ? i + 2 : i;
	}

	public static char closerOf(char opener) {
		return switch (opener) {
			case '(' -> ')';
			case '[' -> ']';
			default -> '}';
		};
	}

	private static int skipString(CharSequence text, int start) {
		int n = text.length();
		char quote = text.charAt(start);
		boolean triple = start + 2 < n && text.charAt(start + 1) == quote && text.charAt(start + 2) == quote;
		int i = start + (triple ? 3 : 1);
		while (i < n) {
			char c = text.charAt(i);
			if (c == '\\') {
				i += 2;
				continue;
			}
			if (!triple && (c == '\n' || c == '\r')) {
				return i;
			}
			if (c == quote && (!triple || (i + 2 < n && text.charAt(i + 1) == quote && text.charAt(i + 2) == quote))) {
				return i + (triple ? 3 : 1);
			}
			i++;
		}
		return n;
	}
}
