package dev.forge.types;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Parses what users write inside a dim string ({@code "S*2"}, {@code "D//heads"}) into a normalized
 * {@link Dim}.
 *
 * <pre>
 * sum     := product (('+' | '-') product)*
 * product := unary (('*' | '//' | '/') unary)*
 * unary   := '-'* primary
 * primary := NAME | NUMBER | '(' sum ')'
 * NAME    := [A-Za-z_][A-Za-z_0-9]*
 * NUMBER  := [0-9]+            (at most Long.MAX_VALUE)
 * </pre>
 *
 * Python precedence: unary minus binds tighter than {@code * // /}, which bind tighter than
 * {@code + -}; binary operators are left-associative ({@code -7//2} is {@code (-7)//2 == -4},
 * {@code a//b*c} is {@code (a//b)*c}). {@code /} is read as {@code //}. Whitespace is ignored.
 *
 * <p>Any input string either parses or throws {@link DimSyntaxException}, never another exception;
 * the work is bounded (parentheses nest at most {@value #MAX_NESTING} deep, and {@link Dim}'s size
 * limits apply).
 */
public final class DimParser {

	/** Most parentheses open at once. */
	public static final int MAX_NESTING = 64;

	private DimParser() {
	}

	/**
	 * The dim that {@code text} denotes.
	 *
	 * @throws DimSyntaxException with the offending range and a plain message when it does not parse
	 */
	public static Dim parse(String text) {
		Objects.requireNonNull(text, "text");
		return new Parser(text).parseAll();
	}

	private enum Kind {
		NAME, NUMBER, PLUS, MINUS, STAR, SLASH_SLASH, SLASH, POWER, OPEN, CLOSE, BAD, END
	}

	private record Token(Kind kind, int start, int end, String text) {

		boolean isOperand() {
			return kind == Kind.NAME || kind == Kind.NUMBER || kind == Kind.OPEN;
		}
	}

	/** A parsed subexpression and its range in the text. */
	private record Node(Dim dim, int start, int end) {
	}

	private static final class Parser {

		private final String text;
		private final List<Token> tokens;
		private int position;

		Parser(String text) {
			this.text = text;
			this.tokens = tokenize(text);
		}

		Dim parseAll() {
			if (peek().kind == Kind.END) {
				throw new DimSyntaxException("empty dim", 0, text.length());
			}
			Node node = parseSum(0, null);
			Token rest = peek();
			if (rest.kind != Kind.END) {
				throw unexpectedAfterOperand(rest);
			}
			return node.dim;
		}

		private Token peek() {
			return tokens.get(position);
		}

		private Token next() {
			return tokens.get(position++);
		}

		private Node parseSum(int nesting, Token after) {
			Node left = parseProduct(nesting, after);
			while (peek().kind == Kind.PLUS || peek().kind == Kind.MINUS) {
				Token op = next();
				Node right = parseProduct(nesting, op);
				left = combine(op, left, right);
			}
			return left;
		}

		private Node parseProduct(int nesting, Token after) {
			Node left = parseUnary(nesting, after);
			while (true) {
				Kind kind = peek().kind;
				if (kind == Kind.POWER) {
					throw powerNotSupported(peek());
				}
				if (kind != Kind.STAR && kind != Kind.SLASH_SLASH && kind != Kind.SLASH) {
					return left;
				}
				Token op = next();
				Node right = parseUnary(nesting, op);
				left = combine(op, left, right);
			}
		}

		private Node parseUnary(int nesting, Token after) {
			int start = -1;
			boolean negative = false;
			Token last = after;
			while (peek().kind == Kind.MINUS) {
				Token minus = next();
				if (start < 0) {
					start = minus.start;
				}
				negative = !negative;
				last = minus;
			}
			Node operand = parsePrimary(nesting, last);
			return negative ? new Node(operand.dim.negate(), start, operand.end) : operand;
		}

		private Node parsePrimary(int nesting, Token after) {
			Token t = peek();
			switch (t.kind) {
				case NAME -> {
					next();
					return new Node(Dim.symbol(t.text), t.start, t.end);
				}
				case NUMBER -> {
					next();
					long value;
					try {
						value = Long.parseLong(t.text);
					} catch (NumberFormatException tooLarge) {
						throw new DimSyntaxException("the number " + shorten(t.text) + " is too large (at most "
								+ Long.MAX_VALUE + ")", t.start, t.end - t.start);
					}
					return new Node(Dim.of(value), t.start, t.end);
				}
				case OPEN -> {
					if (nesting >= MAX_NESTING) {
						throw new DimSyntaxException("parentheses are nested too deeply", t.start, 1);
					}
					next();
					Node inner = parseSum(nesting + 1, t);
					Token close = peek();
					if (close.kind == Kind.CLOSE) {
						next();
						return new Node(inner.dim, t.start, close.end);
					}
					if (close.kind == Kind.END) {
						throw new DimSyntaxException("'(' is never closed", t.start, 1);
					}
					throw unexpectedAfterOperand(close);
				}
				case BAD -> throw unexpectedCharacter(t);
				case POWER -> throw powerNotSupported(t);
				default -> throw expectedOperand(after, t);
			}
		}

		private Node combine(Token op, Node left, Node right) {
			try {
				Dim dim = switch (op.kind) {
					case PLUS -> left.dim.plus(right.dim);
					case MINUS -> left.dim.minus(right.dim);
					case STAR -> left.dim.times(right.dim);
					default -> {
						if (right.dim.isZero()) {
							throw new DimSyntaxException("division by zero", right.start, right.end - right.start);
						}
						yield left.dim.floorDiv(right.dim);
					}
				};
				return new Node(dim, left.start, right.end);
			} catch (ArithmeticException e) {
				String message = Dim.TOO_DEEP.equals(e.getMessage()) ? "floor divisions are nested too deeply"
						: "this dim grows too large (a number overflows or there are too many terms)";
				throw new DimSyntaxException(message, left.start, right.end - left.start);
			}
		}

		private DimSyntaxException expectedOperand(Token after, Token found) {
			if (after == null) {
				if (found.kind == Kind.CLOSE) {
					return new DimSyntaxException("unexpected ')'", found.start, 1);
				}
				return new DimSyntaxException("expected a name or a number, found '" + found.text + "'", found.start,
						found.end - found.start);
			}
			String message = "expected a name or a number after '" + after.text + "'";
			if (found.kind == Kind.END) {
				return new DimSyntaxException(message, after.start, after.end - after.start);
			}
			return new DimSyntaxException(message, found.start, found.end - found.start);
		}

		private DimSyntaxException unexpectedAfterOperand(Token t) {
			return switch (t.kind) {
				case CLOSE -> new DimSyntaxException("unexpected ')'", t.start, 1);
				case BAD -> unexpectedCharacter(t);
				case POWER -> powerNotSupported(t);
				default -> {
					String what = t.isOperand() ? "'" + shorten(t.text) + "'" : "'" + t.text + "'";
					yield new DimSyntaxException("expected an operator such as '+' or '*' before " + what, t.start,
							t.end - t.start);
				}
			};
		}

		private static DimSyntaxException unexpectedCharacter(Token t) {
			int cp = t.text.codePointAt(0);
			String shown = Character.isISOControl(cp) || Character.isWhitespace(cp) || Character.isSpaceChar(cp)
					? String.format("U+%04X", cp) : "'" + t.text + "'";
			return new DimSyntaxException("unexpected character " + shown, t.start, t.end - t.start);
		}

		private static DimSyntaxException powerNotSupported(Token t) {
			return new DimSyntaxException("'**' (power) is not allowed in a dim; multiply instead, as in D*D", t.start,
					t.end - t.start);
		}

		private static String shorten(String s) {
			return s.length() <= 24 ? s : s.substring(0, 20) + "...";
		}

		private static List<Token> tokenize(String text) {
			List<Token> tokens = new ArrayList<>();
			int i = 0;
			int n = text.length();
			while (i < n) {
				char c = text.charAt(i);
				int start = i;
				if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
					i++;
					continue;
				}
				Kind kind;
				if (isNameStart(c)) {
					while (i < n && (isNameStart(text.charAt(i)) || isDigit(text.charAt(i)))) {
						i++;
					}
					kind = Kind.NAME;
				} else if (isDigit(c)) {
					while (i < n && isDigit(text.charAt(i))) {
						i++;
					}
					kind = Kind.NUMBER;
				} else if (c == '*' && i + 1 < n && text.charAt(i + 1) == '*') {
					i += 2;
					kind = Kind.POWER;
				} else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '/') {
					i += 2;
					kind = Kind.SLASH_SLASH;
				} else {
					i++;
					kind = switch (c) {
						case '+' -> Kind.PLUS;
						case '-' -> Kind.MINUS;
						case '*' -> Kind.STAR;
						case '/' -> Kind.SLASH;
						case '(' -> Kind.OPEN;
						case ')' -> Kind.CLOSE;
						default -> Kind.BAD;
					};
					if (kind == Kind.BAD && Character.isHighSurrogate(c) && i < n && Character.isLowSurrogate(text.charAt(i))) {
						i++;
					}
				}
				tokens.add(new Token(kind, start, i, text.substring(start, i)));
			}
			tokens.add(new Token(Kind.END, n, n, ""));
			return tokens;
		}

		private static boolean isNameStart(char c) {
			return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
		}

		private static boolean isDigit(char c) {
			return c >= '0' && c <= '9';
		}
	}
}
