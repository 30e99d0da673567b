package dev.forge.parser;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.antlr.runtime.CommonToken;
import org.antlr.runtime.Token;
import org.antlr.runtime.TokenSource;

/**
 * Turns the lexer's tokens into Python's logical lines: a NL token ends each logical line, BEGIN and
 * END tokens open and close indented blocks, and a BAD_DEDENT token marks a dedent that matches no
 * enclosing level. Newlines inside (), [] and {} and after a backslash continue the line; blank and
 * comment-only lines never count. The runtime parser and the content-assist parser each wrap their
 * own lexer with this class, passing their own token type numbers.
 */
public class IndentationTokens implements TokenSource {

	/** The token type numbers of one generated lexer. */
	public record Types(int ws, int comment, int lineContinuation, int nl, int begin, int end, int badDedent, int tooDeep) {
	}

	private static final int TAB_WIDTH = 8;
	/** Python's own limits: deeper nesting is an error, never a parser stack overflow. */
	public static final int MAX_BRACKET_DEPTH = 200;
	public static final int MAX_BLOCK_DEPTH = 100;

	private final TokenSource lexer;
	private final Types types;
	private final Deque<Token> pending = new ArrayDeque<>();
	private final Deque<Integer> indents = new ArrayDeque<>();
	private int bracketDepth;
	private boolean lineHasContent;
	/** The last significant token: a line's NL is placed right after it, before any comment. */
	private CommonToken lastSignificant;
	private boolean done;

	public IndentationTokens(TokenSource lexer, Types types) {
		this.lexer = lexer;
		this.types = types;
		indents.push(0);
	}

	@Override
	public Token nextToken() {
		if (pending.isEmpty()) {
			fill();
		}
		return pending.poll();
	}

	@Override
	public String getSourceName() {
		return lexer.getSourceName();
	}

	/** Reads the next significant token and queues it behind the synthetic tokens it implies. */
	private void fill() {
		if (done) {
			pending.add(eofToken(null));
			return;
		}
		List<Token> hidden = new ArrayList<>();
		boolean sawNewline = false;
		Token next;
		while (true) {
			next = lexer.nextToken();
			int type = next.getType();
			if (type == types.ws() || type == types.comment() || type == types.lineContinuation()) {
				if (type == types.ws() && bracketDepth == 0 && next.getText() != null && next.getText().indexOf('\n') >= 0) {
					sawNewline = true;
				}
				hidden.add(next);
				continue;
			}
			break;
		}
		if (next.getType() == Token.EOF) {
			// Same order as within the file: the NL right after the last token, then the trailing
			// whitespace and comments, then the dedents at the very end.
			if (lineHasContent) {
				pending.add(endOfLine());
			}
			pending.addAll(hidden);
			int offset = endOffset(hidden, next);
			while (indents.size() > 1) {
				indents.pop();
				pending.add(synthetic(types.end(), offset, next));
			}
			done = true;
			pending.add(eofToken(next));
			return;
		}
		if (sawNewline && lineHasContent) {
			pending.add(endOfLine());
		}
		pending.addAll(hidden);
		if (sawNewline || !lineHasContent) {
			int column = indentationOf(next, hidden);
			int start = ((CommonToken) next).getStartIndex();
			if (column > indents.peek()) {
				indents.push(column);
				pending.add(synthetic(indents.size() > MAX_BLOCK_DEPTH ? types.tooDeep() : types.begin(), start, next));
			} else {
				while (column < indents.peek()) {
					indents.pop();
					pending.add(synthetic(types.end(), start, next));
				}
				if (column != indents.peek()) {
					pending.add(synthetic(types.badDedent(), start, next));
					indents.push(column);
				}
			}
		}
		if (trackBrackets(next) > MAX_BRACKET_DEPTH) {
			((CommonToken) next).setType(types.tooDeep());
		}
		lineHasContent = true;
		lastSignificant = (CommonToken) next;
		pending.add(next);
	}

	/** The NL that ends a logical line, right after its last token, so "expected ':'" points there. */
	private CommonToken endOfLine() {
		CommonToken nl = new CommonToken(types.nl(), "");
		int end = lastSignificant.getStopIndex() + 1;
		nl.setStartIndex(end);
		nl.setStopIndex(end - 1);
		nl.setLine(lastSignificant.getLine());
		String text = lastSignificant.getText() == null ? "" : lastSignificant.getText();
		int lastBreak = text.lastIndexOf('\n');
		nl.setCharPositionInLine(lastBreak >= 0 ? text.length() - lastBreak - 1 : lastSignificant.getCharPositionInLine() + text.length());
		return nl;
	}

	/** Updates the bracket depth for {@code token} and returns the depth it opens, or 0. */
	private int trackBrackets(Token token) {
		String text = token.getText();
		if (text == null || text.length() != 1) {
			return 0;
		}
		switch (text.charAt(0)) {
			case '(', '[', '{' -> {
				return ++bracketDepth;
			}
			case ')', ']', '}' -> bracketDepth = Math.max(0, bracketDepth - 1);
			default -> {
			}
		}
		return 0;
	}

	/** The visual column of a line's first token: tabs advance to the next multiple of eight. */
	private static int indentationOf(Token token, List<Token> hidden) {
		StringBuilder before = new StringBuilder();
		for (Token h : hidden) {
			before.append(h.getText());
		}
		int lineStart = before.lastIndexOf("\n") + 1;
		if (lineStart == 0 && !hidden.isEmpty() && ((CommonToken) hidden.get(0)).getStartIndex() > 0) {
			// No newline among the hidden tokens: the token is on the line of the previous one.
			return token.getCharPositionInLine();
		}
		int column = 0;
		for (int i = lineStart; i < before.length(); i++) {
			char c = before.charAt(i);
			column = c == '\t' ? (column / TAB_WIDTH + 1) * TAB_WIDTH : c == '\f' ? 0 : column + 1;
		}
		return column;
	}

	private static int endOffset(List<Token> hidden, Token eof) {
		if (!hidden.isEmpty()) {
			return ((CommonToken) hidden.get(hidden.size() - 1)).getStopIndex() + 1;
		}
		return Math.max(0, ((CommonToken) eof).getStartIndex());
	}

	private static CommonToken synthetic(int type, int offset, Token near) {
		CommonToken token = new CommonToken(type, "");
		token.setStartIndex(offset);
		token.setStopIndex(offset - 1);
		token.setLine(near != null ? near.getLine() : 1);
		token.setCharPositionInLine(near != null ? Math.max(0, near.getCharPositionInLine()) : 0);
		return token;
	}

	private Token eofToken(Token original) {
		return original != null ? original : new CommonToken(Token.EOF, "");
	}
}
