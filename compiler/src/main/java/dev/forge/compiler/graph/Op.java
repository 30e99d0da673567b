package dev.forge.compiler.graph;

import java.util.List;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.types.Dim;

/**
 * One operation of the Graph IR: defines exactly one {@link Value} from its operands. Immutable.
 * The shape rule of each op is in {@link ShapeRules}; its exact numeric meaning in
 * {@link dev.forge.compiler.interp.Interpreter}. Ops whose result is not a function of the operand
 * types alone (reshape, broadcast_to, cast, constant, dim) read their target from the result's type.
 */
public sealed interface Op {

	Value result();

	List<Value> operands();

	SourceRange range();

	/** Elementwise {@code kind(x)}. */
	record Unary(UnaryKind kind, Value result, Value x, SourceRange range) implements Op {
		public List<Value> operands() {
			return List.of(x);
		}
	}

	/** Elementwise with NumPy broadcasting; both operands have one dtype; comparisons give bool. */
	record Binary(BinaryKind kind, Value result, Value lhs, Value rhs, SourceRange range) implements Op {
		public List<Value> operands() {
			return List.of(lhs, rhs);
		}
	}

	/** {@code [..., M, K] @ [..., K, N] -> [..., M, N]}, batch dims broadcast; both operands rank >= 2, one dtype. */
	record MatMul(Value result, Value lhs, Value rhs, SourceRange range) implements Op {
		public List<Value> operands() {
			return List.of(lhs, rhs);
		}
	}

	/** A reduction over {@code axes} (sorted, distinct, 0-based), keeping them as 1 when {@code keepDims}. */
	record Reduce(ReduceKind kind, Value result, Value x, List<Integer> axes, boolean keepDims, SourceRange range) implements Op {
		public Reduce {
			axes = List.copyOf(axes);
		}

		public List<Value> operands() {
			return List.of(x);
		}
	}

	/** The same elements (row-major order) in the result's shape. */
	record Reshape(Value result, Value x, SourceRange range) implements Op {
		public List<Value> operands() {
			return List.of(x);
		}
	}

	/** Result axis i is operand axis {@code perm[i]}. */
	record Transpose(Value result, Value x, List<Integer> perm, SourceRange range) implements Op {
		public Transpose {
			perm = List.copyOf(perm);
		}

		public List<Value> operands() {
			return List.of(x);
		}
	}

	/** NumPy broadcast of x to the result's shape. */
	record BroadcastTo(Value result, Value x, SourceRange range) implements Op {
		public List<Value> operands() {
			return List.of(x);
		}
	}

	/** The same values converted to the result's dtype. */
	record Cast(Value result, Value x, SourceRange range) implements Op {
		public List<Value> operands() {
			return List.of(x);
		}
	}

	/** A scalar (rank 0) constant of the result's dtype. */
	record Constant(Value result, double value, SourceRange range) implements Op {
		public List<Value> operands() {
			return List.of();
		}
	}

	/** The value of a symbolic dim ({@code D}, {@code D//heads}) as a scalar of the result's dtype. */
	record DimValue(Value result, Dim dim, SourceRange range) implements Op {
		public List<Value> operands() {
			return List.of();
		}
	}

	/**
	 * {@code x[...]} with ints and unit-step slices: x's axis a is read from {@code starts[a]}; the
	 * {@code kept} axes are the result's axes in order (their lengths the result's dims), an axis not
	 * kept is an int index (read at its start alone).
	 */
	record Slice(Value result, Value x, List<Dim> starts, List<Boolean> kept, SourceRange range) implements Op {
		public Slice {
			starts = List.copyOf(starts);
			kept = List.copyOf(kept);
		}

		public List<Value> operands() {
			return List.of(x);
		}
	}

	/** Joins the inputs along {@code axis}; the other dims and the dtype agree. */
	record Concat(Value result, List<Value> inputs, int axis, SourceRange range) implements Op {
		public Concat {
			inputs = List.copyOf(inputs);
		}

		public List<Value> operands() {
			return inputs;
		}
	}

	/** Elementwise {@code cond ? a : b} ({@code where}) with NumPy broadcasting; cond is bool, a and b one dtype. */
	record Select(Value result, Value cond, Value a, Value b, SourceRange range) implements Op {
		public List<Value> operands() {
			return List.of(cond, a, b);
		}
	}

	/** Each element is its own index along {@code axis} (for masks such as causal attention's); an integer type. */
	record Iota(Value result, int axis, SourceRange range) implements Op {
		public List<Value> operands() {
			return List.of();
		}
	}

	/** The text-form name of an op. */
	static String mnemonic(Op op) {
		return switch (op) {
			case Unary u -> u.kind().mnemonic();
			case Binary b -> b.kind().mnemonic();
			case MatMul m -> "matmul";
			case Reduce r -> r.kind().mnemonic();
			case Reshape r -> "reshape";
			case Transpose t -> "transpose";
			case BroadcastTo b -> "broadcast_to";
			case Cast c -> "cast";
			case Constant c -> "constant";
			case DimValue d -> "dim";
			case Concat c -> "concat";
			case Slice s -> "slice";
			case Select s -> "select";
			case Iota i -> "iota";
		};
	}
}
