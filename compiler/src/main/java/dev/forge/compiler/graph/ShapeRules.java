package dev.forge.compiler.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.types.DType;
import dev.forge.types.Dim;
import dev.forge.types.Type;

/**
 * The shape and dtype rule of every Graph IR op: the result type from the operand types, or an
 * {@link IllegalArgumentException} saying why the operands do not fit. Shared by the builder (which
 * types what it creates) and the verifier (which re-derives every type).
 */
public final class ShapeRules {

	private ShapeRules() {
	}

	/** The type an op's result must have. */
	public static Type.Tensor infer(Op op) {
		return switch (op) {
			case Op.Unary u -> wellFormed(u.x().type());
			case Op.Binary b -> binary(b.kind(), b.lhs().type(), b.rhs().type());
			case Op.MatMul m -> matmul(m.lhs().type(), m.rhs().type());
			case Op.Reduce r -> reduce(r.x().type(), r.axes(), r.keepDims());
			case Op.Reshape r -> reshape(r.x().type(), r.result().type());
			case Op.Transpose t -> transpose(t.x().type(), t.perm());
			case Op.BroadcastTo b -> broadcastTo(b.x().type(), b.result().type());
			case Op.Cast c -> cast(c.x().type(), c.result().type().dtype());
			case Op.Constant c -> scalar(c.result().type());
			case Op.DimValue d -> scalar(d.result().type());
			case Op.Concat c -> concat(c.inputs().stream().map(Value::type).toList(), c.axis());
			case Op.Slice s -> slice(s.x().type(), s.starts(), s.kept(), s.result().type());
			case Op.Select s -> select(s.cond().type(), s.a().type(), s.b().type());
			case Op.Iota i -> iota(i.result().type(), i.axis());
		};
	}

	public static Type.Tensor select(Type.Tensor cond, Type.Tensor a, Type.Tensor b) {
		wellFormed(cond);
		if (cond.dtype() != DType.BOOL) {
			throw new IllegalArgumentException("the condition is " + cond.dtype().sourceName() + ", not bool");
		}
		Type.Tensor ab = binary(BinaryKind.ADD, a, b);
		return new Type.Tensor(broadcast(cond.dims(), ab.dims()), ab.dtype());
	}

	public static Type.Tensor iota(Type.Tensor t, int axis) {
		wellFormed(t);
		if (!t.dtype().isInteger() || axis < 0 || axis >= t.dims().size()) {
			throw new IllegalArgumentException("iota needs an integer type and one of its axes, got " + show(t) + " axis " + axis);
		}
		return t;
	}

	public static Type.Tensor wellFormed(Type.Tensor t) {
		if (t == null || t.dims() == null || t.dtype() == null || t.variadic() != null || t.dtypeVar() != null) {
			throw new IllegalArgumentException("type " + show(t) + " is not a concrete tensor type");
		}
		return t;
	}

	public static Type.Tensor binary(BinaryKind kind, Type.Tensor a, Type.Tensor b) {
		wellFormed(a);
		wellFormed(b);
		if (a.dtype() != b.dtype()) {
			throw new IllegalArgumentException("operand dtypes differ: " + a.dtype().sourceName() + " vs " + b.dtype().sourceName());
		}
		return new Type.Tensor(broadcast(a.dims(), b.dims()), kind.isComparison() ? DType.BOOL : a.dtype());
	}

	/** NumPy broadcasting: align from the right; equal dims or a 1 combine. */
	public static List<Dim> broadcast(List<Dim> a, List<Dim> b) {
		int rank = Math.max(a.size(), b.size());
		List<Dim> out = new ArrayList<>();
		for (int i = 0; i < rank; i++) {
			int ia = a.size() - rank + i;
			int ib = b.size() - rank + i;
			Dim x = ia >= 0 ? a.get(ia) : Dim.ONE;
			Dim y = ib >= 0 ? b.get(ib) : Dim.ONE;
			if (x.equals(y) || y.equals(Dim.ONE)) {
				out.add(x);
			} else if (x.equals(Dim.ONE)) {
				out.add(y);
			} else if (Dim.compare(x, y) == Dim.Relation.UNDECIDED) {
				out.add(x); // equal by assumption; the interpreter checks the values
			} else {
				throw new IllegalArgumentException("shapes " + shape(a) + " and " + shape(b) + " do not broadcast: " + x + " vs " + y);
			}
		}
		return out;
	}

	public static Type.Tensor matmul(Type.Tensor a, Type.Tensor b) {
		wellFormed(a);
		wellFormed(b);
		if (a.dims().size() < 2 || b.dims().size() < 2) {
			throw new IllegalArgumentException("matmul operands need rank >= 2, got " + shape(a.dims()) + " and " + shape(b.dims()));
		}
		if (a.dtype() != b.dtype()) {
			throw new IllegalArgumentException("operand dtypes differ: " + a.dtype().sourceName() + " vs " + b.dtype().sourceName());
		}
		int ra = a.dims().size();
		int rb = b.dims().size();
		Dim k1 = a.dims().get(ra - 1);
		Dim k2 = b.dims().get(rb - 2);
		if (Dim.compare(k1, k2) == Dim.Relation.DIFFERENT) {
			throw new IllegalArgumentException("matmul inner dims differ: " + shape(a.dims()) + " @ " + shape(b.dims()) + ": " + k1 + " vs " + k2);
		}
		List<Dim> out = new ArrayList<>(broadcast(a.dims().subList(0, ra - 2), b.dims().subList(0, rb - 2)));
		out.add(a.dims().get(ra - 2));
		out.add(b.dims().get(rb - 1));
		return new Type.Tensor(out, a.dtype());
	}

	public static Type.Tensor reduce(Type.Tensor x, List<Integer> axes, boolean keepDims) {
		wellFormed(x);
		int rank = x.dims().size();
		for (int i = 0; i < axes.size(); i++) {
			int axis = axes.get(i);
			if (axis < 0 || axis >= rank) {
				throw new IllegalArgumentException("axis " + axis + " is out of range for rank " + rank);
			}
			if (i > 0 && axes.get(i - 1) >= axis) {
				throw new IllegalArgumentException("axes " + axes + " are not sorted and distinct");
			}
		}
		List<Dim> out = new ArrayList<>();
		for (int i = 0; i < rank; i++) {
			if (!axes.contains(i)) {
				out.add(x.dims().get(i));
			} else if (keepDims) {
				out.add(Dim.ONE);
			}
		}
		return new Type.Tensor(out, x.dtype());
	}

	public static Type.Tensor reshape(Type.Tensor x, Type.Tensor target) {
		wellFormed(x);
		wellFormed(target);
		if (x.dtype() != target.dtype()) {
			throw new IllegalArgumentException("reshape changes the dtype: " + x.dtype().sourceName() + " to " + target.dtype().sourceName());
		}
		Dim from = product(x.dims());
		Dim to = product(target.dims());
		if (Dim.compare(from, to) == Dim.Relation.DIFFERENT && !from.hasFloorDiv() && !to.hasFloorDiv()) {
			throw new IllegalArgumentException("reshape changes the element count: " + shape(x.dims()) + " (" + from + ") to " + shape(target.dims()) + " ("
					+ to + ")");
		}
		return target;
	}

	public static Type.Tensor transpose(Type.Tensor x, List<Integer> perm) {
		wellFormed(x);
		int rank = x.dims().size();
		Set<Integer> seen = new HashSet<>(perm);
		if (perm.size() != rank || seen.size() != rank || Collections.min(perm.isEmpty() ? List.of(0) : perm) < 0
				|| Collections.max(perm.isEmpty() ? List.of(0) : perm) >= Math.max(rank, 1)) {
			throw new IllegalArgumentException("perm " + perm + " is not a permutation of " + rank + " axes");
		}
		List<Dim> out = new ArrayList<>();
		perm.forEach(p -> out.add(x.dims().get(p)));
		return new Type.Tensor(out, x.dtype());
	}

	public static Type.Tensor broadcastTo(Type.Tensor x, Type.Tensor target) {
		wellFormed(x);
		wellFormed(target);
		if (x.dtype() != target.dtype()) {
			throw new IllegalArgumentException("broadcast_to changes the dtype");
		}
		if (x.dims().size() > target.dims().size()) {
			throw new IllegalArgumentException("cannot broadcast " + shape(x.dims()) + " to the lower rank " + shape(target.dims()));
		}
		List<Dim> b = broadcast(x.dims(), target.dims());
		if (!b.equals(target.dims())) {
			throw new IllegalArgumentException("cannot broadcast " + shape(x.dims()) + " to " + shape(target.dims()));
		}
		return target;
	}

	public static Type.Tensor cast(Type.Tensor x, DType dtype) {
		wellFormed(x);
		if (dtype == null) {
			throw new IllegalArgumentException("cast to no dtype");
		}
		return new Type.Tensor(x.dims(), dtype);
	}

	public static Type.Tensor scalar(Type.Tensor t) {
		wellFormed(t);
		if (!t.dims().isEmpty()) {
			throw new IllegalArgumentException("a constant is a scalar, not " + shape(t.dims()));
		}
		return t;
	}

	/** A slice keeps x's dtype and as many axes as it keeps (their lengths are the type checker's). */
	public static Type.Tensor slice(Type.Tensor x, List<Dim> starts, List<Boolean> kept, Type.Tensor result) {
		wellFormed(x);
		long rank = kept.stream().filter(k -> k).count();
		if (starts.size() != x.dims().size() || kept.size() != x.dims().size() || result.dims().size() != rank) {
			throw new IllegalArgumentException("a slice of " + show(x) + " keeping " + kept + " cannot be " + show(result));
		}
		return new Type.Tensor(result.dims(), x.dtype());
	}

	public static Type.Tensor concat(List<Type.Tensor> inputs, int axis) {
		if (inputs.isEmpty()) {
			throw new IllegalArgumentException("concat of nothing");
		}
		Type.Tensor first = wellFormed(inputs.get(0));
		int rank = first.dims().size();
		if (axis < 0 || axis >= rank) {
			throw new IllegalArgumentException("axis " + axis + " is out of range for rank " + rank);
		}
		Dim total = Dim.ZERO;
		for (Type.Tensor t : inputs) {
			wellFormed(t);
			if (t.dtype() != first.dtype() || t.dims().size() != rank) {
				throw new IllegalArgumentException("concat inputs differ: " + show(first) + " vs " + show(t));
			}
			for (int i = 0; i < rank; i++) {
				if (i != axis && Dim.compare(t.dims().get(i), first.dims().get(i)) == Dim.Relation.DIFFERENT) {
					throw new IllegalArgumentException("concat inputs differ at axis " + i + ": " + show(first) + " vs " + show(t));
				}
			}
			total = total.plus(t.dims().get(axis));
		}
		List<Dim> out = new ArrayList<>(first.dims());
		out.set(axis, total);
		return new Type.Tensor(out, first.dtype());
	}

	public static Dim product(List<Dim> dims) {
		Dim p = Dim.ONE;
		for (Dim d : dims) {
			p = p.times(d);
		}
		return p;
	}

	/** {@code [B,S,D]} */
	public static String shape(List<Dim> dims) {
		StringBuilder b = new StringBuilder("[");
		for (int i = 0; i < dims.size(); i++) {
			b.append(i > 0 ? "," : "").append(dims.get(i));
		}
		return b.append(']').toString();
	}

	/** {@code [B,S,D] bf16}: the type in the Graph IR's text form. */
	public static String show(Type.Tensor t) {
		if (t == null) {
			return "<no type>";
		}
		return (t.dims() == null ? "[?]" : shape(t.dims())) + " " + Type.dtypeName(t.dtype(), t.dtypeVar());
	}
}
