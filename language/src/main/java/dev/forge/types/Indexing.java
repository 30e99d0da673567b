package dev.forge.types;

import java.util.ArrayList;
import java.util.List;

import dev.forge.forge.EllipsisLiteral;
import dev.forge.forge.Expression;
import dev.forge.forge.NoneLiteral;
import dev.forge.forge.Slice;
import dev.forge.forge.Subscript;
import dev.forge.validation.IssueCodes;

/** The shape of {@code x[...]}: ints drop a dim, slices shorten it, None adds one, ... stands for the rest. */
final class Indexing {

	private Indexing() {
	}

	static List<Dim> apply(List<Dim> dims, Subscript s, List<Type> indexTypes, TypeChecker checker) {
		if (dims == null) {
			return null;
		}
		List<Expression> indices = s.getIndices();
		int consuming = 0;
		boolean ellipsis = false;
		for (Expression i : indices) {
			if (i instanceof EllipsisLiteral) {
				ellipsis = true;
			} else if (!(i instanceof NoneLiteral)) {
				consuming++;
			}
		}
		if (consuming > dims.size()) {
			checker.error(IssueCodes.INDEX, "too many indices: " + TypeChecker.nodeText(s.getReceiver()) + " has " + dims.size() + " dim"
					+ (dims.size() == 1 ? "" : "s") + " " + Shapes.show(dims) + ", indexed with " + consuming, s);
			return null;
		}
		List<Dim> out = new ArrayList<>();
		int d = 0;
		for (int k = 0; k < indices.size(); k++) {
			Expression i = indices.get(k);
			Type t = indexTypes.get(k);
			if (i instanceof EllipsisLiteral) {
				int skip = dims.size() - consuming;
				for (int j = 0; j < skip; j++) {
					out.add(dims.get(d++));
				}
			} else if (i instanceof NoneLiteral) {
				out.add(Dim.of(1));
			} else if (i instanceof Slice slice) {
				Dim sliced = slice(dims.get(d++), slice, checker);
				if (sliced == null) {
					return null;
				}
				out.add(sliced);
			} else if (t instanceof Type.Scalar scalar && scalar.kind() == Type.Scalar.Kind.INT) {
				Dim size = dims.get(d++);
				if (scalar.value() != null && scalar.value().isConstant() && size.isConstant()) {
					long index = scalar.value().constantValue().getAsLong();
					long n = size.constantValue().getAsLong();
					if (index < -n || index >= n) {
						checker.error(IssueCodes.INDEX, "index " + index + " is out of range for a dim of size " + n, i);
						return null;
					}
				}
			} else {
				return null; // a tensor index or something unknown: gather semantics are not modelled yet
			}
		}
		if (!ellipsis) {
			while (d < dims.size()) {
				out.add(dims.get(d++));
			}
		}
		return out;
	}

	/** The length of {@code dim[lower:upper:step]}; null when it cannot be stated. */
	private static Dim slice(Dim dim, Slice s, TypeChecker checker) {
		Dim lower = value(s.getLower(), checker);
		Dim upper = value(s.getUpper(), checker);
		Dim step = value(s.getStep(), checker);
		if ((s.getLower() != null && lower == null) || (s.getUpper() != null && upper == null) || (s.getStep() != null && step == null)) {
			return null;
		}
		Dim start = lower == null ? Dim.of(0) : fromEnd(lower, dim);
		Dim stop = upper == null ? dim : fromEnd(upper, dim);
		Dim length = stop.minus(start);
		if (length.isConstant() && length.constantValue().getAsLong() < 0) {
			length = Dim.of(0);
		}
		if (step != null) {
			if (!step.isConstant() || step.constantValue().getAsLong() <= 0) {
				return null;
			}
			long k = step.constantValue().getAsLong();
			length = length.plus(Dim.of(k - 1)).floorDiv(Dim.of(k));
		}
		return length;
	}

	private static Dim fromEnd(Dim index, Dim size) {
		if (index.isConstant() && index.constantValue().getAsLong() < 0) {
			return size.plus(index);
		}
		return index;
	}

	private static Dim value(Expression e, TypeChecker checker) {
		if (e == null) {
			return null;
		}
		return checker.types().get(e) instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.INT ? s.value() : null;
	}
}
