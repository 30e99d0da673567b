package dev.forge.types;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.ecore.EObject;

import dev.forge.validation.IssueCodes;

import dev.forge.forge.EllipsisLiteral;
import dev.forge.forge.Expression;
import dev.forge.forge.IntLiteral;
import dev.forge.forge.Name;
import dev.forge.forge.NoneLiteral;
import dev.forge.forge.StringLiteral;
import dev.forge.forge.Subscript;
import dev.forge.forge.UnaryExpr;

/**
 * Reads type annotations, which are expressions as in Python: {@code Tensor["B","S*2", bf16]},
 * {@code KTile[f16]}, {@code int}, {@code tuple[...]}. Dims are strings (parsed by {@link DimParser}),
 * ints or bare names. In the prelude ({@code generic}), a name in dtype position that is no dtype is
 * a dtype variable, and a leading {@code "*S"} is a variadic group of dims.
 */
final class Annotations {

	private final Problems problems;
	private final boolean generic;

	Annotations(Problems problems, boolean generic) {
		this.problems = problems;
		this.generic = generic;
	}

	Type read(Expression annotation) {
		if (annotation == null) {
			return Type.UNKNOWN;
		}
		if (annotation instanceof NoneLiteral) {
			return Type.NONE;
		}
		if (annotation instanceof Name name) {
			return named(name);
		}
		if (annotation instanceof Subscript subscript && subscript.getReceiver() instanceof Name receiver) {
			return switch (receiver.getId()) {
				case "Tensor" -> tensor(subscript, false);
				case "KTile" -> tensor(subscript, true);
				case "tuple" -> {
					List<Type> elements = new ArrayList<>();
					subscript.getIndices().forEach(i -> elements.add(read(i)));
					yield new Type.Tuple(elements);
				}
				case "list" -> new Type.ListOf(subscript.getIndices().isEmpty() ? Type.UNKNOWN : read(subscript.getIndices().get(0)));
				default -> {
					problems.error(IssueCodes.INVALID_ANNOTATION, "'" + receiver.getId() + "[...]' is not a type; use Tensor[...], KTile[...], tuple[...] or list[...]", receiver);
					yield Type.UNKNOWN;
				}
			};
		}
		problems.error(IssueCodes.INVALID_ANNOTATION, "not a type annotation; use a type such as Tensor[\"B\", \"D\", f32], int or float", annotation);
		return Type.UNKNOWN;
	}

	private Type named(Name name) {
		String id = name.getId();
		switch (id) {
			case "int":
				return Type.INT;
			case "float":
				return Type.FLOAT;
			case "bool":
				return Type.BOOL;
			case "str":
				return Type.STR;
			case "Tensor":
				return new Type.Tensor(null, null);
			case "KTile":
				return new Type.KTile(null, null, null);
			case "KVCache", "Mesh", "Device", "TileContext":
				return new Type.Opaque(id);
			case "dtype", "tuple", "list", "dict", "object", "Any":
				return Type.UNKNOWN;
			default:
				break;
		}
		var dtype = DType.bySourceName(id);
		if (dtype.isPresent()) {
			return new Type.Tensor(List.of(), dtype.get());
		}
		problems.error(IssueCodes.INVALID_ANNOTATION, "unknown type '" + id + "'", name);
		return Type.UNKNOWN;
	}

	private Type tensor(Subscript subscript, boolean ktile) {
		List<Expression> items = subscript.getIndices();
		String kind = ktile ? "KTile" : "Tensor";
		if (items.isEmpty()) {
			return Type.UNKNOWN; // `Tensor[` while typing
		}
		Expression last = items.get(items.size() - 1);
		DType dtype = null;
		String dtypeVar = null;
		if (last instanceof Name name && DType.bySourceName(name.getId()).isPresent()) {
			dtype = DType.bySourceName(name.getId()).get();
		} else if (last instanceof Name name && generic) {
			dtypeVar = name.getId();
		} else if (last instanceof Name name) {
			problems.error(IssueCodes.INVALID_ANNOTATION, "unknown dtype '" + name.getId() + "'; dtypes are " + dtypeList(), name);
			return Type.UNKNOWN;
		} else {
			problems.error(IssueCodes.INVALID_ANNOTATION, kind + "[...] needs a dtype as its last item, as in " + kind + "[\"B\", \"D\", f32]", last);
			return Type.UNKNOWN;
		}
		List<Dim> dims = new ArrayList<>();
		String variadic = null;
		for (int i = 0; i < items.size() - 1; i++) {
			Expression item = items.get(i);
			if (item instanceof StringLiteral s && s.getParts().size() == 1 && s.getParts().get(0).strip().startsWith("*") && i == 0) {
				variadic = s.getParts().get(0).strip().substring(1).strip();
				continue;
			}
			Dim dim = dim(item);
			if (dim == null) {
				return Type.UNKNOWN;
			}
			dims.add(dim);
		}
		if (ktile && items.size() == 1) {
			return new Type.KTile(null, dtype, dtypeVar);
		}
		if (!dims.isEmpty() && elementsOverflow(dims)) {
			// No machine holds it, and its sizes would wrap wherever they are multiplied out.
			problems.error(IssueCodes.INVALID_ANNOTATION, kind + " " + Shapes.show(dims) + " has more than 2^63 - 1 elements (sizes are 64-bit)",
					subscript);
			return Type.UNKNOWN;
		}
		return ktile ? new Type.KTile(List.copyOf(dims), dtype, dtypeVar) : new Type.Tensor(List.copyOf(dims), variadic, dtype, dtypeVar);
	}

	/**
	 * Whether the element count of {@code dims} passes 2^63 - 1: for constant dims their product, for
	 * symbolic ones a coefficient of the product (then for every non-zero value of the symbols).
	 */
	private static boolean elementsOverflow(List<Dim> dims) {
		try {
			Shapes.product(dims);
			return false;
		} catch (ArithmeticException e) {
			return e.getMessage() != null && e.getMessage().endsWith("overflow");
		}
	}

	/** A dim of an annotation: a string such as "S*2", an int, or a bare name. Null after an error. */
	Dim dim(Expression item) {
		if (item instanceof StringLiteral s) {
			String text = String.join("", s.getParts());
			try {
				return DimParser.parse(text);
			} catch (DimSyntaxException e) {
				int start = Problems.offset(item) + 1;
				problems.error(IssueCodes.INVALID_ANNOTATION, "invalid dim \"" + text + "\": " + e.getMessage(), start + e.offset(), Math.max(1, e.length()));
				return null;
			} catch (ArithmeticException e) {
				problems.error(IssueCodes.INVALID_ANNOTATION, "invalid dim \"" + text + "\": division by zero", item);
				return null;
			}
		}
		if (item instanceof IntLiteral i) {
			// past 64 bits: no dim, and the validator reports the literal (F0009)
			return IntLiterals.value(i.getValue()).stream().mapToObj(Dim::of).findFirst().orElse(null);
		}
		if (item instanceof UnaryExpr u && "-".equals(u.getOp()) && u.getOperand() instanceof IntLiteral) {
			problems.error(IssueCodes.INVALID_ANNOTATION, "a dim cannot be negative", item);
			return null;
		}
		if (item instanceof Name name) {
			return Dim.symbol(name.getId());
		}
		if (item instanceof EllipsisLiteral) {
			problems.error(IssueCodes.INVALID_ANNOTATION, "'...' is not a dim; name the dims, as in Tensor[\"B\", \"S\", f32]", item);
			return null;
		}
		problems.error(IssueCodes.INVALID_ANNOTATION, "a dim is a string such as \"S*2\", an integer or a name", item);
		return null;
	}

	static String dtypeList() {
		StringBuilder b = new StringBuilder();
		for (DType t : DType.values()) {
			b.append(b.isEmpty() ? "" : ", ").append(t.sourceName());
		}
		return b.toString();
	}

	/** Where diagnostics go. */
	interface Problems {
		void report(boolean error, String code, String message, int offset, int length);

		default void error(String code, String message, EObject where) {
			var node = org.eclipse.xtext.nodemodel.util.NodeModelUtils.findActualNodeFor(where);
			report(true, code, message, node == null ? 0 : node.getOffset(), node == null ? 0 : node.getLength());
		}

		default void error(String code, String message, int offset, int length) {
			report(true, code, message, offset, length);
		}

		default void warning(String code, String message, EObject where) {
			var node = org.eclipse.xtext.nodemodel.util.NodeModelUtils.findActualNodeFor(where);
			report(false, code, message, node == null ? 0 : node.getOffset(), node == null ? 0 : node.getLength());
		}

		static int offset(EObject where) {
			var node = org.eclipse.xtext.nodemodel.util.NodeModelUtils.findActualNodeFor(where);
			return node == null ? 0 : node.getOffset();
		}
	}
}
