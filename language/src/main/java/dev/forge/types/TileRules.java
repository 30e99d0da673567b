package dev.forge.types;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.ecore.EObject;

import dev.forge.forge.Call;
import dev.forge.forge.Expression;
import dev.forge.validation.IssueCodes;

/**
 * The shape rules of the kernel layer's index tiles, masks, {@code where} and tile reshapes (the
 * {@code tile_*} rules of tile.forge that {@link Rules} hands over). Shapes are symbolic here
 * ({@code [BM,BN]}); the kernel lowering substitutes the schedule's sizes.
 */
final class TileRules {

	private TileRules() {
	}

	/** tile.arange(n) or tile.arange(start, end): an i32 tile [end - start]. */
	static Type arange(Calls.Bound args, Call call, TypeChecker checker) {
		Type first = Rules.typeOr(args, "start");
		Type second = args.type("end");
		boolean countOnly = second == null || second == Type.NONE;
		Dim start = countOnly ? Dim.of(0) : intValue("tile.arange", "start", first, Rules.value(args, "start"), checker);
		Dim end = intValue("tile.arange", countOnly ? "n" : "end", countOnly ? first : second, Rules.value(args, countOnly ? "start" : "end"), checker);
		if (start == null || end == null) {
			return new Type.Tile(null, DType.I32, false);
		}
		Dim n = end.minus(start);
		if (n.isConstant() && n.constantValue().getAsLong() < 1) {
			checker.error(IssueCodes.ARGUMENTS, "tile.arange: the range " + start + " .. " + end + " is empty (an index tile needs at least one element)", call);
			return new Type.Tile(null, DType.I32, false);
		}
		return new Type.Tile(List.of(n), DType.I32, false);
	}

	/** An int argument's value (a dim such as BN); null when not known, with an error when it is not an int at all. */
	private static Dim intValue(String op, String param, Type t, EObject where, TypeChecker checker) {
		if (t instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.INT) {
			return s.value();
		}
		if (!(t instanceof Type.Unknown)) {
			checker.error(IssueCodes.ARGUMENT_TYPE, op + ": " + param + " must be an int (a literal or a schedule field such as T.n), got " + Type.show(t), where);
		}
		return null;
	}

	/** tile.where(condition, a, b): a bool condition; the three shapes broadcast together. */
	static Type where(Calls.Bound args, Call call, TypeChecker checker) {
		Type cond = Rules.typeOr(args, "condition");
		Type a = Rules.typeOr(args, "a");
		Type b = Rules.typeOr(args, "b");
		checkBool("tile.where", "condition", cond, Rules.value(args, "condition"), checker);
		DType dtype = valueDtype(a, b);
		List<Dim> x = TypeChecker.tileDims(a);
		List<Dim> y = TypeChecker.tileDims(b);
		List<Dim> c = TypeChecker.tileDims(cond);
		if (x == null || y == null || c == null) {
			return new Type.Tile(null, dtype, false);
		}
		boolean[] different = { false }; // after a shape error the result's shape is unknown: no follow-up errors
		List<Dim> ab = Shapes.broadcast(x, y, (p, q, r) -> {
			different[0] |= r == Dim.Relation.DIFFERENT;
			Rules.report(checker, r, "tile.where: the values do not broadcast: " + TypeChecker.nodeText(Rules.value(args, "a")) + " is " + Shapes.show(x)
					+ ", " + TypeChecker.nodeText(Rules.value(args, "b")) + " is " + Shapes.show(y) + ": " + p + " vs " + q, call);
		});
		if (different[0]) {
			return new Type.Tile(null, dtype, false);
		}
		List<Dim> all = Shapes.broadcast(c, ab, (p, q, r) -> {
			different[0] |= r == Dim.Relation.DIFFERENT;
			Rules.report(checker, r, "tile.where: the condition " + TypeChecker.nodeText(Rules.value(args, "condition")) + " is " + Shapes.show(c)
					+ ", the values are " + Shapes.show(ab) + ": " + p + " vs " + q, call);
		});
		return new Type.Tile(different[0] ? null : all, dtype, false);
	}

	/**
	 * The dtype of an elementwise result from two operands: the promoted dtype, where a Python
	 * number is weak (it takes the tile's dtype), except that a float meeting an int tile gives f32.
	 */
	static DType valueDtype(Type a, Type b) {
		DType dtype = TypeChecker.promote(TypeChecker.dtypeOf(a), TypeChecker.dtypeOf(b));
		boolean floatScalar = isFloatScalar(a) || isFloatScalar(b);
		if (dtype == null) {
			// Two Python numbers (bools count as ints, as the compiler holds them).
			return floatScalar ? DType.F32 : isIntScalar(a) || isIntScalar(b) ? DType.I32 : null;
		}
		return floatScalar && !dtype.isFloat() ? DType.F32 : dtype;
	}

	private static boolean isIntScalar(Type t) {
		return t instanceof Type.Scalar s && (s.kind() == Type.Scalar.Kind.INT || s.kind() == Type.Scalar.Kind.BOOL);
	}

	static boolean isFloatScalar(Type t) {
		return t instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.FLOAT;
	}

	/** A condition or mask must be a bool tile (or a bool); reports on {@code where} otherwise. */
	static boolean checkBool(String op, String param, Type t, EObject where, TypeChecker checker) {
		boolean bool = t instanceof Type.Tile tile && (tile.dtype() == null || tile.dtype() == DType.BOOL)
				|| t instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.BOOL || t instanceof Type.Unknown;
		if (!bool) {
			checker.error(IssueCodes.DTYPE_MISMATCH, op + ": " + param + " must be a bool tile (a comparison such as cols < N, or & | ~ of them), got "
					+ Type.show(t), where);
		}
		return bool;
	}

	/** tile.cumsum: the tile's shape and dtype (bool counts as i32); the axis must be one of its axes. */
	static Type cumsum(Calls.Bound args, Call call, TypeChecker checker) {
		Type x = Rules.typeOr(args, "x");
		if (!(x instanceof Type.Tile t)) {
			return x;
		}
		Type axis = args.type("axis");
		if (t.dims() != null && axis instanceof Type.Scalar s && s.value() != null && s.value().isConstant()) {
			long a = s.value().constantValue().getAsLong();
			int rank = t.dims().size();
			if (a < -rank || a >= rank) {
				checker.error(IssueCodes.ARGUMENTS, "tile.cumsum: axis " + a + " is out of range for a " + rank + "-D tile", Rules.value(args, "axis"));
			}
		}
		return new Type.Tile(t.dims(), t.dtype() == DType.BOOL ? DType.I32 : t.dtype(), false);
	}

	/**
	 * tile.rand / tile.randint: an int seed (a number or an int parameter) and a tile of int offsets;
	 * the result has the offsets' shape, f32 uniforms or i64 random words.
	 */
	static Type random(String op, Calls.Bound args, Call call, TypeChecker checker, DType out) {
		Type seed = Rules.typeOr(args, "seed");
		Type offsets = Rules.typeOr(args, "offsets");
		boolean intSeed = seed instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.INT || seed instanceof Type.Unknown
				|| seed instanceof Type.Tile t && t.dtype() != null && t.dtype().isInteger() && t.dims() != null && t.dims().isEmpty();
		if (!intSeed) {
			checker.error(IssueCodes.ARGUMENT_TYPE, op + ": seed must be an int (a number or an int parameter), got " + Type.show(seed),
					Rules.value(args, "seed"));
		}
		if (offsets instanceof Type.Tile t) {
			if (t.dtype() != null && !t.dtype().isInteger()) {
				checker.error(IssueCodes.DTYPE_MISMATCH, op + ": offsets must be an int tile (such as pid * T.n + tile.arange(T.n)), got "
						+ Type.show(offsets), Rules.value(args, "offsets"));
			}
			return new Type.Tile(t.dims(), out, false);
		}
		if (!(offsets instanceof Type.Unknown)) {
			checker.error(IssueCodes.ARGUMENT_TYPE, op + ": offsets must be an int tile (such as pid * T.n + tile.arange(T.n)), got "
					+ Type.show(offsets), Rules.value(args, "offsets"));
		}
		return new Type.Tile(null, out, false);
	}

	/** The mask= of tile.load and tile.store: a bool tile that broadcasts to the tile's shape. */
	static Type checkMask(String op, Type tile, Calls.Bound args, TypeChecker checker) {
		Type mask = args.type("mask");
		if (mask == null || mask == Type.NONE) {
			return tile;
		}
		Expression where = Rules.value(args, "mask");
		if (checkBool(op, "mask", mask, where, checker)) {
			fitsShape(op + ": the mask " + TypeChecker.nodeText(where), TypeChecker.tileDims(mask), TypeChecker.tileDims(tile), "the tile", where, checker);
		}
		return tile;
	}

	/**
	 * Whether {@code from} broadcasts to exactly {@code to} (size-1 and missing leading axes repeat);
	 * reports the first axis that does not on {@code where}, starting the message with {@code what}.
	 */
	private static void fitsShape(String what, List<Dim> from, List<Dim> to, String target, EObject where, TypeChecker checker) {
		if (from == null || to == null) {
			return;
		}
		String message = what + " is " + Shapes.show(from) + ", " + target + " is " + Shapes.show(to);
		if (from.size() > to.size()) {
			checker.error(IssueCodes.SHAPE_MISMATCH, message + ": " + from.size() + " dims for " + to.size(), where);
			return;
		}
		int offset = to.size() - from.size();
		for (int i = 0; i < from.size(); i++) {
			Dim d = from.get(i);
			if (Shapes.isOne(d)) {
				continue;
			}
			Dim.Relation r = Dim.compare(d, to.get(offset + i));
			if (r != Dim.Relation.EQUAL) {
				Rules.report(checker, r, message + ": " + d + " vs " + to.get(offset + i), where);
				return;
			}
		}
	}

	/** tile.fma's third operand broadcast with the first two. */
	static Type withThird(String op, Type ab, Type c, Expression cExpr, Call call, TypeChecker checker) {
		List<Dim> x = TypeChecker.tileDims(ab);
		List<Dim> y = TypeChecker.tileDims(c);
		DType dtype = valueDtype(ab, c);
		if (x == null || y == null) {
			return new Type.Tile(null, dtype, false);
		}
		List<Dim> dims = Shapes.broadcast(x, y, (p, q, r) -> Rules.report(checker, r, "tile." + op + ": a * b is " + Shapes.show(x) + ", "
				+ TypeChecker.nodeText(cExpr) + " is " + Shapes.show(y) + ": " + p + " vs " + q, call));
		return new Type.Tile(dims, dtype, false);
	}

	/** tile.reshape(x, shape): the element count stays the same; one size may be -1. */
	static Type reshape(Calls.Bound args, Call call, TypeChecker checker) {
		Type x = Rules.typeOr(args, "x");
		List<Dim> from = TypeChecker.tileDims(x);
		DType dtype = TypeChecker.dtypeOf(x);
		List<Dim> to = Rules.shapeArg(args, "shape", checker);
		Expression shapeExpr = Rules.value(args, "shape");
		if (from == null || to == null) {
			return new Type.Tile(null, dtype, false);
		}
		int inferred = -1;
		for (int i = 0; i < to.size(); i++) {
			if (to.get(i).isConstant() && to.get(i).constantValue().getAsLong() == -1) {
				if (inferred >= 0) {
					checker.error(IssueCodes.RESHAPE, "tile.reshape: only one size can be -1", shapeExpr);
					return new Type.Tile(null, dtype, false);
				}
				inferred = i;
			}
		}
		Dim count = Shapes.product(from);
		List<Dim> out = new ArrayList<>(to);
		if (inferred >= 0) {
			List<Dim> rest = new ArrayList<>(to);
			rest.remove(inferred);
			out.set(inferred, count.floorDiv(Shapes.product(rest)));
		}
		Dim newCount = Shapes.product(out);
		Dim.Relation relation = Dim.compare(count, newCount);
		if (relation != Dim.Relation.EQUAL) {
			String message = "tile.reshape: the element count changes: " + TypeChecker.nodeText(Rules.value(args, "x")) + " is " + Shapes.show(from) + " ("
					+ count + " elements), the new shape " + Shapes.show(out) + " has " + newCount;
			if (relation == Dim.Relation.DIFFERENT) {
				checker.error(IssueCodes.RESHAPE, message, shapeExpr);
			} else {
				checker.warning(IssueCodes.UNDECIDED_DIM, message + " (cannot tell whether they are equal)", shapeExpr);
			}
		}
		return new Type.Tile(out, dtype, false);
	}

	/** tile.expand_dims(x, axis): a new size-1 axis at axis (-1 appends it). */
	static Type expandDims(Calls.Bound args, Call call, TypeChecker checker) {
		Type x = Rules.typeOr(args, "x");
		List<Dim> dims = TypeChecker.tileDims(x);
		DType dtype = TypeChecker.dtypeOf(x);
		Type axisType = args.type("axis");
		if (dims == null || !(axisType instanceof Type.Scalar s) || s.value() == null || !s.value().isConstant()) {
			return new Type.Tile(null, dtype, false);
		}
		long axis = s.value().constantValue().getAsLong();
		int rank = dims.size() + 1;
		if (axis < -rank || axis >= rank) {
			checker.error(IssueCodes.AXIS, "tile.expand_dims: axis " + axis + " is out of range for the result's " + rank + " dims (x is " + Shapes.show(dims)
					+ ")", Rules.value(args, "axis"));
			return new Type.Tile(null, dtype, false);
		}
		List<Dim> out = new ArrayList<>(dims);
		out.add((int) (axis < 0 ? axis + rank : axis), Dim.of(1));
		return new Type.Tile(out, dtype, false);
	}

	/** tile.broadcast_to(x, shape): x's shape must broadcast to shape. */
	static Type broadcastTo(Calls.Bound args, Call call, TypeChecker checker) {
		Type x = Rules.typeOr(args, "x");
		DType dtype = TypeChecker.dtypeOf(x);
		List<Dim> to = Rules.shapeArg(args, "shape", checker);
		fitsShape("tile.broadcast_to: " + TypeChecker.nodeText(Rules.value(args, "x")), TypeChecker.tileDims(x), to, "the shape", call, checker);
		return new Type.Tile(to, dtype, false);
	}
}
