package dev.forge.types;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.emf.ecore.EObject;

import dev.forge.forge.Argument;
import dev.forge.forge.Call;
import dev.forge.forge.Expression;
import dev.forge.forge.ListExpr;
import dev.forge.forge.StringLiteral;
import dev.forge.forge.TupleExpr;
import dev.forge.validation.IssueCodes;

/**
 * The shape rules that a prelude signature names with {@code @rule("...")}: results that depend on
 * argument values (axes, new shapes, dtypes) or on shape arithmetic a signature cannot state. One
 * rule serves every builtin of its kind (all reductions share "reduce").
 */
final class Rules {

	private Rules() {
	}

	static Type apply(Signature sig, Call call, Calls.Bound args, TypeChecker checker) {
		String name = sig.name();
		return switch (sig.rule()) {
			case "broadcast" -> broadcast(sig, args, call, checker, "a", "b");
			case "where" -> {
				Type ab = broadcast(sig, args, call, checker, "a", "b");
				List<Dim> cond = TypeChecker.tensorDims(typeOr(args, "condition"));
				List<Dim> dims = TypeChecker.tensorDims(ab);
				if (cond != null && dims != null) {
					dims = Shapes.broadcast(cond, dims, (x, y, r) -> report(checker, r, name + ": condition " + Shapes.show(cond) + " does not broadcast with "
							+ Shapes.show(TypeChecker.tensorDims(ab)) + ": " + x + " vs " + y, call));
				}
				yield new Type.Tensor(dims, TypeChecker.dtypeOf(ab));
			}
			case "matmul" -> checker.matmul(typeOr(args, "a"), typeOr(args, "b"), value(args, "a"), value(args, "b"), call, name);
			case "reduce" -> reduce(name, typeOr(args, "x"), args, call, checker, false);
			case "reshape" -> reshape(args, call, checker);
			case "transpose" -> transpose(args, call, checker);
			case "concat", "stack" -> join(sig.rule(), args, call, checker);
			case "cast" -> castTo(typeOr(args, "x"), dtypeArg(args, "dtype", null));
			case "create" -> {
				List<Dim> dims = shapeArg(args, "shape", checker);
				yield new Type.Tensor(dims, dtypeArg(args, "dtype", DType.F32));
			}
			case "len" -> {
				Type x = typeOr(args, "x");
				if (x instanceof Type.Tuple t) {
					yield new Type.Scalar(Type.Scalar.Kind.INT, Dim.of(t.elements().size()));
				}
				List<Dim> dims = TypeChecker.tensorDims(x);
				yield dims != null && !dims.isEmpty() ? new Type.Scalar(Type.Scalar.Kind.INT, dims.get(0)) : Type.INT;
			}
			case "range" -> new Type.ListOf(Type.INT);
			case "zip" -> {
				List<Type> elements = new ArrayList<>();
				for (Type t : args.extraPositional()) {
					elements.add(elementOf(t));
				}
				yield new Type.ListOf(new Type.Tuple(elements));
			}
			case "enumerate" -> new Type.ListOf(new Type.Tuple(List.of(Type.INT, elementOf(typeOr(args, "iterable")))));
			case "dict" -> new Type.Dict();
			case "identity" -> typeOr(args, "f");
			case "context" -> checker.currentFunction() == null ? new Type.Opaque("TileContext") : checker.tileContext();
			case "tile_load" -> TileRules.checkMask("tile.load", tileLoad(args, checker), args, checker);
			case "tile_store" -> tileStore(args, call, checker);
			case "tile_atomic" -> {
				Type dst = typeOr(args, "dst");
				if (dst instanceof Type.Tile t && t.shared()) {
					checker.error(IssueCodes.ARGUMENT_TYPE, "tile." + name + ": atomics update a KTile parameter, not a shared buffer (each program owns its shared buffers)",
							value(args, "dst"));
				}
				TileRules.checkMask("tile." + name, typeOr(args, "value"), args, checker);
				yield Type.NONE;
			}
			case "tile_create" -> new Type.Tile(shapeArg(args, "shape", checker), dtypeArg(args, "dtype", DType.F32), false);
			case "tile_full" -> new Type.Tile(shapeArg(args, "shape", checker), dtypeArg(args, "dtype", DType.F32), false);
			case "tile_shared" -> new Type.Tile(shapeArg(args, "shape", checker), dtypeArg(args, "dtype", DType.F16), true);
			case "tile_dot" -> tileDot(args, call, checker);
			case "tile_transpose" -> {
				Type x = typeOr(args, "x");
				if (x instanceof Type.Tile t && t.dims() != null) {
					if (t.dims().size() != 2) {
						checker.error(IssueCodes.RANK_MISMATCH, "tile.transpose needs a 2-D tile, got " + Shapes.show(t.dims()), value(args, "x"));
						yield Type.UNKNOWN;
					}
					yield new Type.Tile(List.of(t.dims().get(1), t.dims().get(0)), t.dtype(), false);
				}
				yield x instanceof Type.Tile ? x : Type.UNKNOWN;
			}
			case "tile_cast" -> {
				Type x = typeOr(args, "x");
				DType dtype = dtypeArg(args, "dtype", null);
				yield x instanceof Type.Tile t ? new Type.Tile(t.dims(), dtype, false) : castTo(x, dtype);
			}
			case "tile_unary" -> {
				// Transcendental math computes in floats: an int or bool tile becomes f32, as in Triton.
				Type x = typeOr(args, "x");
				yield x instanceof Type.Scalar ? Type.FLOAT : x instanceof Type.Tile t ? new Type.Tile(t.dims(), floatDtype(t.dtype()), false) : x;
			}
			case "tile_unary_same" -> {
				Type x = typeOr(args, "x");
				yield x instanceof Type.Tile t ? new Type.Tile(t.dims(), t.dtype(), false) : x;
			}
			case "tile_binary" -> broadcast(sig, args, call, checker, "a", "b");
			case "tile_fma" -> {
				Type ab = broadcast(sig, args, call, checker, "a", "b");
				yield TileRules.withThird(sig.name(), ab, typeOr(args, "c"), value(args, "c"), call, checker);
			}
			case "tile_where" -> TileRules.where(args, call, checker);
			case "tile_cumsum" -> TileRules.cumsum(args, call, checker);
			case "tile_argreduce" -> {
				Type r = reduce("tile." + name, typeOr(args, "x"), args, call, checker, true);
				yield r instanceof Type.Tile t ? new Type.Tile(t.dims(), DType.I32, false) : r;
			}
			case "tile_rand" -> TileRules.random("tile.rand", args, call, checker, DType.F32);
			case "tile_randint" -> TileRules.random("tile.randint", args, call, checker, DType.I64);
			case "tile_arange" -> TileRules.arange(args, call, checker);
			case "tile_reshape" -> TileRules.reshape(args, call, checker);
			case "tile_expand_dims" -> TileRules.expandDims(args, call, checker);
			case "tile_broadcast_to" -> TileRules.broadcastTo(args, call, checker);
			case "tile_max" -> {
				if (args.argument("other") != null) {
					yield broadcast(sig, args, call, checker, "x", "other");
				}
				yield reduce("tile." + name, typeOr(args, "x"), args, call, checker, true);
			}
			case "tile_reduce" -> reduce("tile." + name, typeOr(args, "x"), args, call, checker, true);
			case "tile_softmax_online" -> {
				Type scores = typeOr(args, "scores");
				if (scores instanceof Type.Tile t && t.dims() != null && t.dims().size() == 2) {
					Dim rows = t.dims().get(0);
					yield new Type.Tuple(List.of(new Type.Tile(t.dims(), DType.F32, false), new Type.Tile(List.of(rows), DType.F32, false),
							new Type.Tile(List.of(rows), DType.F32, false)));
				}
				yield new Type.Tuple(List.of(Type.UNKNOWN, Type.UNKNOWN, Type.UNKNOWN));
			}
			case "tile_softmax_accumulate" -> softmaxAccumulate(args, call, checker);
			default -> Type.UNKNOWN;
		};
	}

	/** An int or bool dtype as f32; float dtypes (and unknown ones) as they are. */
	static DType floatDtype(DType dtype) {
		return dtype == null || dtype.isFloat() ? dtype : DType.F32;
	}

	static void report(TypeChecker checker, Dim.Relation relation, String message, EObject where) {
		if (relation == Dim.Relation.DIFFERENT) {
			checker.error(IssueCodes.SHAPE_MISMATCH, message, where);
		} else {
			checker.warning(IssueCodes.UNDECIDED_DIM, message + " (cannot tell whether they are equal)", where);
		}
	}

	static Type castTo(Type x, DType dtype) {
		return switch (x) {
			case Type.Tensor t -> new Type.Tensor(t.dims(), dtype);
			case Type.Tile t -> new Type.Tile(t.dims(), dtype, false);
			case Type.Scalar s -> new Type.Tensor(List.of(), dtype);
			default -> new Type.Tensor(null, dtype);
		};
	}

	static Type typeOr(Calls.Bound args, String param) {
		Type t = args.type(param);
		return t == null ? Type.UNKNOWN : t;
	}

	static Expression value(Calls.Bound args, String param) {
		Argument a = args.argument(param);
		return a == null ? null : a.getValue();
	}

	private static Type elementOf(Type t) {
		return t instanceof Type.ListOf l ? l.element() : Type.UNKNOWN;
	}

	private static DType dtypeArg(Calls.Bound args, String param, DType fallback) {
		Type t = args.type(param);
		if (t instanceof Type.DTypeValue d) {
			return d.dtype();
		}
		return t == null ? fallback : null;
	}

	/** A constant int argument such as axis=-1, or null when absent or not constant. */
	private static Long constantInt(Calls.Bound args, String param) {
		Type t = args.type(param);
		if (t instanceof Type.Scalar s && s.value() != null && s.value().isConstant()) {
			return s.value().constantValue().getAsLong();
		}
		return null;
	}

	static Type broadcast(Signature sig, Calls.Bound args, Call call, TypeChecker checker, String first, String second) {
		Type a = typeOr(args, first);
		Type b = typeOr(args, second);
		boolean tile = a instanceof Type.Tile || b instanceof Type.Tile;
		List<Dim> x = TypeChecker.tensorDims(a);
		List<Dim> y = TypeChecker.tensorDims(b);
		DType dtype = tile ? TileRules.valueDtype(a, b) : TypeChecker.promote(TypeChecker.dtypeOf(a), TypeChecker.dtypeOf(b));
		if (x == null || y == null) {
			return tile ? new Type.Tile(null, dtype, false) : new Type.Tensor(null, dtype);
		}
		List<Dim> dims = Shapes.broadcast(x, y, (p, q, r) -> report(checker, r, sig.name() + ": shapes do not broadcast: " + TypeChecker.nodeText(value(args, first))
				+ " is " + Shapes.show(x) + ", " + TypeChecker.nodeText(value(args, second)) + " is " + Shapes.show(y) + ": " + p + " vs " + q, call));
		return tile ? new Type.Tile(dims, dtype, false) : new Type.Tensor(dims, dtype);
	}

	/** Reductions: axis (an int, negative from the end, or None for all) and keepdims. */
	private static Type reduce(String name, Type x, Calls.Bound args, Call call, TypeChecker checker, boolean tile) {
		List<Dim> dims = TypeChecker.tensorDims(x);
		DType dtype = TypeChecker.dtypeOf(x);
		boolean keep = args.type("keepdims") instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.BOOL && isTrue(args.argument("keepdims"));
		if (dims == null) {
			return tile ? new Type.Tile(null, dtype, false) : new Type.Tensor(null, dtype);
		}
		Set<Integer> axes = new HashSet<>();
		Type axisType = args.type("axis");
		if (axisType == null || axisType == Type.NONE) {
			if (tile) {
				axes.add(dims.size() - 1);
			} else {
				for (int i = 0; i < dims.size(); i++) {
					axes.add(i);
				}
			}
		} else if (axisType instanceof Type.Tuple tuple) {
			for (Type t : tuple.elements()) {
				Integer a = axis(name, t, dims, value(args, "axis"), checker);
				if (a == null) {
					return new Type.Tensor(null, dtype);
				}
				axes.add(a);
			}
		} else {
			Integer a = axis(name, axisType, dims, value(args, "axis"), checker);
			if (a == null) {
				return tile ? new Type.Tile(null, dtype, false) : new Type.Tensor(null, dtype);
			}
			axes.add(a);
		}
		List<Dim> out = new ArrayList<>();
		for (int i = 0; i < dims.size(); i++) {
			if (!axes.contains(i)) {
				out.add(dims.get(i));
			} else if (keep) {
				out.add(Dim.of(1));
			}
		}
		return tile ? new Type.Tile(out, dtype, false) : new Type.Tensor(out, dtype);
	}

	private static boolean isTrue(Argument a) {
		return a != null && a.getValue() instanceof dev.forge.forge.BoolLiteral b && b.isValue();
	}

	/** A constant axis normalized to 0..rank-1, or null (and an error when out of range). */
	static Integer axis(String op, Type t, List<Dim> dims, EObject where, TypeChecker checker) {
		if (!(t instanceof Type.Scalar s) || s.value() == null || !s.value().isConstant()) {
			return null;
		}
		long a = s.value().constantValue().getAsLong();
		int rank = dims.size();
		if (a < -rank || a >= rank) {
			checker.error(IssueCodes.AXIS, op + ": axis " + a + " is out of range for " + rank + " dim" + (rank == 1 ? "" : "s") + " " + Shapes.show(dims),
					where);
			return null;
		}
		return (int) (a < 0 ? a + rank : a);
	}

	/** A shape argument written as a tuple of dims: ints, dim strings ("D//heads"), int values (heads, T.m). */
	static List<Dim> shapeArg(Calls.Bound args, String param, TypeChecker checker) {
		Argument a = args.argument(param);
		if (a == null) {
			return null;
		}
		return shapeOf(a.getValue(), args.type(param), checker);
	}

	static List<Dim> shapeOf(Expression e, Type type, TypeChecker checker) {
		List<Expression> items = e instanceof TupleExpr t ? t.getElements() : e instanceof ListExpr l ? l.getElements() : null;
		if (items == null) {
			if (type instanceof Type.Tuple tuple) {
				List<Dim> dims = new ArrayList<>();
				for (Type t : tuple.elements()) {
					if (!(t instanceof Type.Scalar s) || s.value() == null) {
						return null;
					}
					dims.add(s.value());
				}
				return dims;
			}
			if (type instanceof Type.Scalar s && s.value() != null) {
				return List.of(s.value());
			}
			return null;
		}
		List<Dim> dims = new ArrayList<>();
		for (Expression item : items) {
			if (item instanceof StringLiteral) {
				Dim d = checker.annotations().dim(item);
				if (d == null) {
					return null;
				}
				dims.add(checker.resolveDim(d));
				continue;
			}
			Type t = checker.types().get(item);
			if (t instanceof Type.Scalar s && s.value() != null) {
				dims.add(s.value());
			} else {
				return null;
			}
		}
		return dims;
	}

	/** reshape(x, shape): the element count must stay the same; one -1 is inferred. */
	private static Type reshape(Calls.Bound args, Call call, TypeChecker checker) {
		Type x = typeOr(args, "x");
		List<Dim> from = TypeChecker.tensorDims(x);
		DType dtype = TypeChecker.dtypeOf(x);
		List<Dim> to = shapeArg(args, "shape", checker);
		if (from == null || to == null) {
			return new Type.Tensor(null, dtype);
		}
		int inferred = -1;
		for (int i = 0; i < to.size(); i++) {
			if (to.get(i).isConstant() && to.get(i).constantValue().getAsLong() == -1) {
				if (inferred >= 0) {
					checker.error(IssueCodes.RESHAPE, "reshape: only one dim can be -1", value(args, "shape"));
					return new Type.Tensor(null, dtype);
				}
				inferred = i;
			}
		}
		Dim count = Shapes.product(from);
		if (inferred >= 0) {
			List<Dim> rest = new ArrayList<>(to);
			rest.remove(inferred);
			List<Dim> out = new ArrayList<>(to);
			out.set(inferred, count.floorDiv(Shapes.product(rest)));
			return new Type.Tensor(out, dtype);
		}
		Dim newCount = Shapes.product(to);
		Dim.Relation relation = Shapes.compareAssumingDivisible(count, newCount, concat(from, to));
		if (relation != Dim.Relation.EQUAL) {
			String message = "reshape: element count changes: " + TypeChecker.nodeText(value(args, "x")) + " is " + Shapes.show(from) + " (" + count
					+ " elements), the new shape " + Shapes.show(to) + " has " + newCount;
			if (relation == Dim.Relation.DIFFERENT) {
				checker.error(IssueCodes.RESHAPE, message, value(args, "shape"));
			} else {
				checker.warning(IssueCodes.UNDECIDED_DIM, message + " (cannot tell whether they are equal)", value(args, "shape"));
			}
		}
		return new Type.Tensor(to, dtype);
	}

	private static List<Dim> concat(List<Dim> a, List<Dim> b) {
		List<Dim> out = new ArrayList<>(a);
		out.addAll(b);
		return out;
	}

	/** transpose(x, axes): axes must be a permutation of the dims; none reverses them. */
	private static Type transpose(Calls.Bound args, Call call, TypeChecker checker) {
		Type x = typeOr(args, "x");
		List<Dim> dims = TypeChecker.tensorDims(x);
		DType dtype = TypeChecker.dtypeOf(x);
		if (dims == null) {
			return new Type.Tensor(null, dtype);
		}
		Type axesType = args.type("axes");
		if (axesType == null || axesType == Type.NONE) {
			List<Dim> out = new ArrayList<>(dims);
			java.util.Collections.reverse(out);
			return new Type.Tensor(out, dtype);
		}
		if (!(axesType instanceof Type.Tuple tuple)) {
			return new Type.Tensor(null, dtype);
		}
		if (tuple.elements().size() != dims.size()) {
			checker.error(IssueCodes.AXIS, "transpose: " + tuple.elements().size() + " axes for " + dims.size() + " dims " + Shapes.show(dims),
					value(args, "axes"));
			return new Type.Tensor(null, dtype);
		}
		List<Dim> out = new ArrayList<>();
		Set<Integer> seen = new HashSet<>();
		for (Type t : tuple.elements()) {
			Integer a = axis("transpose", t, dims, value(args, "axes"), checker);
			if (a == null) {
				return new Type.Tensor(null, dtype);
			}
			if (!seen.add(a)) {
				checker.error(IssueCodes.AXIS, "transpose: axis " + a + " appears twice; axes must be a permutation", value(args, "axes"));
				return new Type.Tensor(null, dtype);
			}
			out.add(dims.get(a));
		}
		return new Type.Tensor(out, dtype);
	}

	/** concat: dims agree except along axis, which adds up; stack: equal shapes, a new axis of the count. */
	private static Type join(String rule, Calls.Bound args, Call call, TypeChecker checker) {
		Type xs = typeOr(args, "xs");
		if (!(xs instanceof Type.Tuple tuple) || tuple.elements().isEmpty()) {
			return Type.UNKNOWN;
		}
		List<List<Dim>> shapes = new ArrayList<>();
		DType dtype = null;
		for (Type t : tuple.elements()) {
			List<Dim> d = TypeChecker.tensorDims(t);
			if (d == null) {
				return new Type.Tensor(null, TypeChecker.dtypeOf(t));
			}
			shapes.add(d);
			dtype = TypeChecker.promote(dtype, TypeChecker.dtypeOf(t));
		}
		List<Dim> first = shapes.get(0);
		boolean stack = rule.equals("stack");
		int rank = first.size() + (stack ? 1 : 0);
		Type axisType = args.type("axis") == null ? new Type.Scalar(Type.Scalar.Kind.INT, Dim.of(0)) : args.type("axis");
		List<Dim> shown = new ArrayList<>(first);
		if (stack) {
			shown.add(Dim.of(shapes.size()));
		}
		Integer axis = axis(rule, axisType, shown, value(args, "axis"), checker);
		if (axis == null) {
			return new Type.Tensor(null, dtype);
		}
		Dim total = first.size() > axis && !stack ? first.get(axis) : null;
		for (int k = 1; k < shapes.size(); k++) {
			List<Dim> s = shapes.get(k);
			if (s.size() != first.size()) {
				checker.error(IssueCodes.CONCAT, rule + ": tensor " + (k + 1) + " has " + s.size() + " dims " + Shapes.show(s) + ", the first has "
						+ first.size() + " " + Shapes.show(first), value(args, "xs"));
				return new Type.Tensor(null, dtype);
			}
			for (int i = 0; i < s.size(); i++) {
				if (!stack && i == axis) {
					continue;
				}
				Dim.Relation r = Dim.compare(first.get(i), s.get(i));
				if (r != Dim.Relation.EQUAL) {
					String message = rule + ": tensor " + (k + 1) + " is " + Shapes.show(s) + ", the first is " + Shapes.show(first) + ": " + s.get(i) + " vs "
							+ first.get(i) + " at axis " + i;
					if (r == Dim.Relation.DIFFERENT) {
						checker.error(IssueCodes.CONCAT, message, value(args, "xs"));
						return new Type.Tensor(null, dtype);
					}
					checker.warning(IssueCodes.UNDECIDED_DIM, message + " (cannot tell whether they are equal)", value(args, "xs"));
				}
			}
			if (total != null) {
				total = total.plus(s.get(axis));
			}
		}
		List<Dim> out = new ArrayList<>(first);
		if (stack) {
			out.add(axis, Dim.of(shapes.size()));
		} else {
			out.set(axis, total);
		}
		return new Type.Tensor(out, dtype);
	}

	/** tile.load(src, index, rows=, cols=): a rows x cols tile of src's dtype. */
	private static Type tileLoad(Calls.Bound args, TypeChecker checker) {
		Type src = typeOr(args, "src");
		DType dtype = TypeChecker.dtypeOf(src);
		Dim rows = dimArg(args, "rows");
		Dim cols = dimArg(args, "cols");
		if (rows != null && cols != null) {
			return new Type.Tile(List.of(rows, cols), dtype, false);
		}
		if (cols != null && args.argument("rows") == null && src instanceof Type.KTile k && k.dims() != null && k.dims().size() == 1) {
			return new Type.Tile(List.of(cols), dtype, false);
		}
		return new Type.Tile(null, dtype, false);
	}

	static Dim dimArg(Calls.Bound args, String param) {
		return args.type(param) instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.INT ? s.value() : null;
	}

	private static Type tileStore(Calls.Bound args, Call call, TypeChecker checker) {
		Type dst = typeOr(args, "dst");
		Type value = typeOr(args, "value");
		if (dst instanceof Type.Tile target && target.shared() && value instanceof Type.Tile v && target.dims() != null && v.dims() != null) {
			if (target.dims().size() != v.dims().size()) {
				checker.error(IssueCodes.SHAPE_MISMATCH, "tile.store: the shared buffer is " + Shapes.show(target.dims()) + ", the value is "
						+ Shapes.show(v.dims()), call);
			} else {
				Shapes.Difference d = Shapes.firstDifference(target.dims(), v.dims());
				if (d != null) {
					report(checker, d.relation(), "tile.store: the shared buffer is " + Shapes.show(target.dims()) + ", the value is " + Shapes.show(v.dims())
							+ ": " + d.describe(), call);
				}
			}
		}
		TileRules.checkMask("tile.store", value, args, checker);
		return Type.NONE;
	}

	/** tile.dot(a, b): [M,K] @ [K,N] -> [M,N], accumulating in acc_dtype (f32 by default). */
	private static Type tileDot(Calls.Bound args, Call call, TypeChecker checker) {
		Type a = typeOr(args, "a");
		Type b = typeOr(args, "b");
		DType acc = dtypeArg(args, "acc_dtype", DType.F32);
		Type accTile = args.type("acc");
		if (accTile instanceof Type.Tile t && t.dtype() != null) {
			acc = t.dtype(); // the accumulator's dtype is the result's
		}
		List<Dim> x = transposedIf(TypeChecker.tensorDims(a), isTrue(args, "trans_a"));
		List<Dim> y = transposedIf(TypeChecker.tensorDims(b), isTrue(args, "trans_b"));
		if (x == null || y == null) {
			return new Type.Tile(null, acc, false);
		}
		if (x.size() != 2 || y.size() != 2) {
			checker.error(IssueCodes.RANK_MISMATCH, "tile.dot multiplies 2-D tiles, got " + Shapes.show(x) + " and " + Shapes.show(y), call);
			return new Type.Tile(null, acc, false);
		}
		Dim.Relation r = Dim.compare(x.get(1), y.get(0));
		if (r != Dim.Relation.EQUAL) {
			String message = "tile.dot: inner dims differ: " + TypeChecker.nodeText(value(args, "a")) + " is " + Shapes.show(x) + ", "
					+ TypeChecker.nodeText(value(args, "b")) + " is " + Shapes.show(y) + ": " + x.get(1) + " vs " + y.get(0);
			if (r == Dim.Relation.DIFFERENT) {
				checker.error(IssueCodes.MATMUL_INNER, message, call);
			} else {
				checker.warning(IssueCodes.UNDECIDED_DIM, message + " (cannot tell whether they are equal)", call);
			}
		}
		List<Dim> out = List.of(x.get(0), y.get(1));
		List<Dim> accDims = accTile instanceof Type.Tile ? TypeChecker.tileDims(accTile) : null;
		if (accDims != null) {
			Shapes.broadcast(accDims, out, (p, q, rel) -> report(checker, rel, "tile.dot: the accumulator " + TypeChecker.nodeText(value(args, "acc"))
					+ " is " + Shapes.show(accDims) + ", the product is " + Shapes.show(out) + ": " + p + " vs " + q, call));
		}
		return new Type.Tile(out, acc, false);
	}

	/** A 2-D tile's dims swapped when {@code transposed}. */
	private static List<Dim> transposedIf(List<Dim> dims, boolean transposed) {
		return transposed && dims != null && dims.size() == 2 ? List.of(dims.get(1), dims.get(0)) : dims;
	}

	/** Whether a bool argument is written {@code True} (the literal; flags such as trans_b= are compile-time). */
	private static boolean isTrue(Calls.Bound args, String param) {
		return value(args, param) instanceof dev.forge.forge.BoolLiteral b && b.isValue();
	}

	/** tile.softmax_accumulate(acc [M,D], m [M], l [M], p [M,N], v [N,D], m_curr, l_curr) -> (acc, m, l). */
	private static Type softmaxAccumulate(Calls.Bound args, Call call, TypeChecker checker) {
		Type acc = typeOr(args, "acc");
		List<Dim> p = TypeChecker.tensorDims(typeOr(args, "p"));
		List<Dim> v = TypeChecker.tensorDims(typeOr(args, "v"));
		List<Dim> a = TypeChecker.tensorDims(acc);
		if (p != null && v != null && p.size() == 2 && v.size() == 2) {
			Dim.Relation r = Dim.compare(p.get(1), v.get(0));
			if (r != Dim.Relation.EQUAL) {
				report(checker, r, "tile.softmax_accumulate: p is " + Shapes.show(p) + ", v is " + Shapes.show(v) + ": " + p.get(1) + " vs " + v.get(0), call);
			}
			if (a != null && a.size() == 2) {
				Dim.Relation r2 = Dim.compare(a.get(1), v.get(1));
				if (r2 != Dim.Relation.EQUAL) {
					report(checker, r2, "tile.softmax_accumulate: acc is " + Shapes.show(a) + ", v is " + Shapes.show(v) + ": " + a.get(1) + " vs " + v.get(1),
							call);
				}
			}
		}
		return new Type.Tuple(List.of(acc, typeOr(args, "m"), typeOr(args, "l")));
	}
}
