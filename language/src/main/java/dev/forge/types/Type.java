package dev.forge.types;

import java.util.List;
import java.util.stream.Collectors;

import dev.forge.forge.FunctionDef;

/**
 * The types of Forge values. Shapes are lists of symbolic {@link Dim}s; a null shape or dtype means
 * "not known", which never produces an error (an earlier error already explains it). In signatures
 * (the prelude's and user functions'), a tensor may start with a variadic dim group ({@code "*S"})
 * and name a dtype variable instead of a dtype; values never carry either.
 */
public sealed interface Type {

	/** A tensor on the modeling layer. */
	record Tensor(List<Dim> dims, String variadic, DType dtype, String dtypeVar) implements Type {
		public Tensor(List<Dim> dims, DType dtype) {
			this(dims == null ? null : List.copyOf(dims), null, dtype, null);
		}

		public Integer rank() {
			return dims == null || variadic != null ? null : dims.size();
		}
	}

	/** A global tensor seen by a kernel ({@code KTile[f16]} or {@code KTile["M","K", f16]}). */
	record KTile(List<Dim> dims, DType dtype, String dtypeVar) implements Type {
	}

	/** A tile inside a kernel: in registers, or in a shared-memory buffer. */
	record Tile(List<Dim> dims, DType dtype, boolean shared) implements Type {
	}

	/** Python's scalars; an int may carry its symbolic value (a dim such as {@code heads} or {@code BM}). */
	record Scalar(Kind kind, Dim value) implements Type {
		public enum Kind {
			INT, FLOAT, BOOL, STR, NONE
		}

		public static Scalar of(Kind kind) {
			return new Scalar(kind, null);
		}
	}

	record Tuple(List<Type> elements) implements Type {
	}

	record ListOf(Type element) implements Type {
	}

	record Dict() implements Type {
	}

	/** A function: user-defined (its FunctionDef) or a builtin of the prelude. */
	record Function(Signature signature) implements Type {
	}

	/** The value of a dtype name such as {@code bf16}. */
	record DTypeValue(DType dtype) implements Type {
	}

	/** A namespace: {@code tile}, or an imported module. */
	record Namespace(String name) implements Type {
	}

	/** Values the type system knows only by name: KVCache, Mesh, TileContext, a kernel's Schedule. */
	record Opaque(String name, FunctionDef kernel) implements Type {
		public Opaque(String name) {
			this(name, null);
		}
	}

	/** Not known; checks involving it are skipped. */
	record Unknown() implements Type {
	}

	Type UNKNOWN = new Unknown();
	Type INT = Scalar.of(Scalar.Kind.INT);
	Type FLOAT = Scalar.of(Scalar.Kind.FLOAT);
	Type BOOL = Scalar.of(Scalar.Kind.BOOL);
	Type STR = Scalar.of(Scalar.Kind.STR);
	Type NONE = Scalar.of(Scalar.Kind.NONE);

	/** A shape in the notation users write: {@code [B,S,D]}. */
	static String shape(List<Dim> dims, String variadic) {
		if (dims == null) {
			return "[?]";
		}
		String inner = dims.stream().map(Dim::toString).collect(Collectors.joining(","));
		if (variadic != null) {
			inner = "*" + variadic + (inner.isEmpty() ? "" : "," + inner);
		}
		return "[" + inner + "]";
	}

	/** The type as the source writes it: {@code Tensor["B","S","D", bf16]}. */
	static String show(Type type) {
		return switch (type) {
			case Tensor t -> "Tensor[" + dimsAndDtype(t.dims(), t.variadic(), t.dtype(), t.dtypeVar()) + "]";
			case KTile k -> "KTile[" + dimsAndDtype(k.dims(), null, k.dtype(), k.dtypeVar()) + "]";
			case Tile t -> "tile" + shape(t.dims(), null) + " " + dtypeName(t.dtype(), null) + (t.shared() ? " (shared)" : "");
			case Scalar s -> switch (s.kind()) {
				case INT -> s.value() != null && !s.value().isConstant() ? "int (= " + s.value() + ")" : "int";
				case FLOAT -> "float";
				case BOOL -> "bool";
				case STR -> "str";
				case NONE -> "None";
			};
			case Tuple t -> "tuple[" + t.elements().stream().map(Type::show).collect(Collectors.joining(", ")) + "]";
			case ListOf l -> "list[" + show(l.element()) + "]";
			case Dict d -> "dict";
			case Function f -> f.signature().show();
			case DTypeValue d -> "dtype " + d.dtype().sourceName();
			case Namespace n -> "module " + n.name();
			case Opaque o -> o.name();
			case Unknown u -> "?";
		};
	}

	private static String dimsAndDtype(List<Dim> dims, String variadic, DType dtype, String dtypeVar) {
		StringBuilder b = new StringBuilder();
		if (dims == null) {
			b.append("...");
		} else {
			if (variadic != null) {
				b.append("\"*").append(variadic).append("\"");
			}
			for (Dim d : dims) {
				if (!b.isEmpty()) {
					b.append(",");
				}
				b.append(d.isConstant() ? d.toString() : "\"" + d + "\"");
			}
		}
		return b + (b.isEmpty() ? "" : ", ") + dtypeName(dtype, dtypeVar);
	}

	static String dtypeName(DType dtype, String dtypeVar) {
		return dtype != null ? dtype.sourceName() : dtypeVar != null ? dtypeVar : "?";
	}
}
