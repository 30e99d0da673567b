package dev.forge.compiler.tile;

import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * A run-time integer of the Tile IR: offsets of tiles, loop bounds and grid extents. Tile shapes are
 * compile-time constants; everything that depends on the sizes of the tensors is an {@code Index}
 * over the extents of the kernel's arguments, the program ids and the loop variables.
 */
public sealed interface Index {

	/** A literal. */
	record Const(long value) implements Index {
	}

	/** Extent of axis {@code axis} of kernel argument {@code arg} (its view shape), e.g. {@code x.shape[1]}. */
	record Extent(String arg, int axis) implements Index {
	}

	/** The id of this program along grid axis {@code axis}. */
	record ProgramId(int axis) implements Index {
	}

	/** The induction variable of an enclosing {@code for}. */
	record LoopVar(String name) implements Index {
	}

	enum Operator {
		ADD("+"), SUB("-"), MUL("*"), FLOOR_DIV("//"), CEIL_DIV("cdiv"), MIN("min"), MAX("max");

		final String symbol;

		Operator(String symbol) {
			this.symbol = symbol;
		}
	}

	record Binary(Operator op, Index lhs, Index rhs) implements Index {
	}

	static Index of(long value) {
		return new Const(value);
	}

	static Index add(Index a, Index b) {
		if (a instanceof Const ca && ca.value() == 0) {
			return b;
		}
		if (b instanceof Const cb && cb.value() == 0) {
			return a;
		}
		if (a instanceof Const ca && b instanceof Const cb) {
			return new Const(ca.value() + cb.value());
		}
		return new Binary(Operator.ADD, a, b);
	}

	static Index mul(Index a, Index b) {
		if (a instanceof Const ca && ca.value() == 1) {
			return b;
		}
		if (b instanceof Const cb && cb.value() == 1) {
			return a;
		}
		if (a instanceof Const ca && b instanceof Const cb) {
			return new Const(ca.value() * cb.value());
		}
		return new Binary(Operator.MUL, a, b);
	}

	static Index cdiv(Index a, long b) {
		return b == 1 ? a : new Binary(Operator.CEIL_DIV, a, new Const(b));
	}

	/** This index with loop variable {@code var} replaced by {@code with}. */
	default Index replace(String var, Index with) {
		return switch (this) {
			case LoopVar v when v.name().equals(var) -> with;
			case Binary b -> new Binary(b.op(), b.lhs().replace(var, with), b.rhs().replace(var, with));
			default -> this;
		};
	}

	/** Whether loop variable {@code var} occurs in this index. */
	default boolean uses(String var) {
		return switch (this) {
			case LoopVar v -> v.name().equals(var);
			case Binary b -> b.lhs().uses(var) || b.rhs().uses(var);
			default -> false;
		};
	}

	/** The value under {@code leaf}, which gives extents, program ids and loop variables. */
	default long evaluate(ToLongFunction<Index> leaf) {
		return switch (this) {
			case Const c -> c.value();
			case Extent e -> leaf.applyAsLong(e);
			case ProgramId p -> leaf.applyAsLong(p);
			case LoopVar v -> leaf.applyAsLong(v);
			case Binary b -> {
				long x = b.lhs().evaluate(leaf);
				long y = b.rhs().evaluate(leaf);
				yield switch (b.op()) {
					case ADD -> x + y;
					case SUB -> x - y;
					case MUL -> x * y;
					case FLOOR_DIV -> Math.floorDiv(x, y);
					case CEIL_DIV -> -Math.floorDiv(-x, y);
					case MIN -> Math.min(x, y);
					case MAX -> Math.max(x, y);
				};
			}
		};
	}

	/** The value given the extents of the kernel's arguments; for grids, which use nothing else. */
	default long evaluate(Map<String, long[]> extents) {
		return evaluate(leaf -> switch (leaf) {
			case Extent e -> extents.get(e.arg())[e.axis()];
			default -> throw new IllegalArgumentException("not defined here: " + print(leaf));
		});
	}

	/** The text form: infix with C-like precedence, {@code cdiv(a, b)}, {@code x.shape[1]}, {@code pid0}. */
	static String print(Index index) {
		return print(index, 0);
	}

	private static String print(Index index, int outerPrecedence) {
		return switch (index) {
			case Const c -> Long.toString(c.value());
			case Extent e -> e.arg() + ".shape[" + e.axis() + "]";
			case ProgramId p -> "pid" + p.axis();
			case LoopVar v -> v.name();
			case Binary b -> switch (b.op()) {
				case CEIL_DIV, MIN, MAX -> b.op().symbol + "(" + print(b.lhs(), 0) + ", " + print(b.rhs(), 0) + ")";
				default -> {
					int precedence = b.op() == Operator.ADD || b.op() == Operator.SUB ? 1 : 2;
					// Right operands of -, // bind tighter so that a - (b - c) keeps its parentheses.
					String text = print(b.lhs(), precedence) + " " + b.op().symbol + " " + print(b.rhs(), precedence + 1);
					yield precedence < outerPrecedence ? "(" + text + ")" : text;
				}
			};
		};
	}
}
