package dev.forge.types;

import java.util.List;
import java.util.stream.Collectors;

import dev.forge.forge.FunctionDef;

/**
 * A function's parameters and result as the type checker sees them. Builtins come from the prelude
 * (Forge source under dev/forge/prelude/), user functions from their own annotations. {@code rule}
 * names a shape rule for the few builtins whose result a signature cannot state (matmul, reductions,
 * reshape, ...); {@code kernel} marks a {@code @kernel}.
 */
public record Signature(String name, List<Param> params, Type result, String rule, boolean kernel, FunctionDef definition, String doc) {

	public record Param(String name, Kind kind, Type type, boolean hasDefault) {
		public enum Kind {
			POSITIONAL, KEYWORD_ONLY, VARARGS, VARKEYWORDS
		}
	}

	public Param param(String paramName) {
		return params.stream().filter(p -> p.name() != null && p.name().equals(paramName)).findFirst().orElse(null);
	}

	/** {@code def name(x: Tensor["B","S","D", bf16], *, eps: float = ...) -> Tensor[...]} */
	public String show() {
		StringBuilder b = new StringBuilder("def ").append(name).append('(');
		boolean starShown = false;
		for (int i = 0; i < params.size(); i++) {
			Param p = params.get(i);
			if (p.kind() == Param.Kind.KEYWORD_ONLY && !starShown) {
				b.append(i > 0 ? ", " : "").append('*');
				starShown = true;
				b.append(", ");
			} else if (i > 0) {
				b.append(", ");
			}
			if (p.kind() == Param.Kind.VARARGS) {
				b.append('*');
				starShown = true;
			} else if (p.kind() == Param.Kind.VARKEYWORDS) {
				b.append("**");
			}
			b.append(p.name());
			if (p.type() != null && !(p.type() instanceof Type.Unknown)) {
				b.append(": ").append(Type.show(p.type()));
			}
			if (p.hasDefault()) {
				b.append(" = ...");
			}
		}
		b.append(')');
		if (result != null && !(result instanceof Type.Unknown)) {
			b.append(" -> ").append(Type.show(result));
		}
		return b.toString();
	}

	public List<String> parameterNames() {
		return params.stream().map(Param::name).filter(n -> n != null).collect(Collectors.toList());
	}
}
