package dev.forge.types;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.ecore.EObject;

import dev.forge.forge.Argument;
import dev.forge.forge.Call;
import dev.forge.util.Names;
import dev.forge.validation.IssueCodes;

/**
 * A call against a signature: arguments bound to parameters as Python binds them, then each
 * argument's type unified with its parameter's. The callee's dims and dtype variables bind to the
 * caller's on first use and must agree on every later use (x: [B,S,D] and y: [B,T,D] bind B, S, T,
 * D consistently); the result is the declared result with the bindings substituted. Builtins with
 * a shape rule go to {@link Rules} once their arguments are bound.
 */
final class Calls {

	private Calls() {
	}

	/** The bound arguments of a call: parameter name to argument (and its type). */
	record Bound(Map<String, Argument> arguments, Map<String, Type> types, List<Type> extraPositional, boolean complete) {
		Type type(String param) {
			return types.get(param);
		}

		Argument argument(String param) {
			return arguments.get(param);
		}
	}

	static Type apply(Signature sig, Call call, List<Type> argTypes, TypeChecker checker) {
		Bound bound = bind(sig, call, argTypes, checker);
		if (sig.rule() != null) {
			return Rules.apply(sig, call, bound, checker);
		}
		Unifier unifier = new Unifier(sig, checker);
		for (Signature.Param p : sig.params()) {
			Argument a = bound.argument(p.name());
			if (a != null && p.kind() != Signature.Param.Kind.VARARGS && p.kind() != Signature.Param.Kind.VARKEYWORDS) {
				unifier.unify(p, bound.type(p.name()), a.getValue());
			}
		}
		checkAxis(sig, bound, checker);
		return unifier.result(sig.result());
	}

	/** An `axis=` of a builtin without a shape rule (softmax, ...) must lie within its first tensor's dims. */
	private static void checkAxis(Signature sig, Bound bound, TypeChecker checker) {
		Argument axis = bound.argument("axis");
		if (axis == null || sig.params().isEmpty()) {
			return;
		}
		Type first = bound.type(sig.params().get(0).name());
		if (!(first instanceof Type.Tensor || first instanceof Type.Tile)) {
			return;
		}
		List<Dim> dims = TypeChecker.tensorDims(first);
		if (dims != null && bound.type("axis") != null) {
			Rules.axis(sig.name(), bound.type("axis"), dims, axis.getValue(), checker);
		}
	}

	static Bound bind(Signature sig, Call call, List<Type> argTypes, TypeChecker checker) {
		Map<String, Argument> arguments = new LinkedHashMap<>();
		Map<String, Type> types = new HashMap<>();
		List<Type> extra = new ArrayList<>();
		List<Signature.Param> positional = sig.params().stream().filter(p -> p.kind() == Signature.Param.Kind.POSITIONAL).toList();
		boolean varargs = sig.params().stream().anyMatch(p -> p.kind() == Signature.Param.Kind.VARARGS);
		boolean varkw = sig.params().stream().anyMatch(p -> p.kind() == Signature.Param.Kind.VARKEYWORDS);
		boolean unpacked = false;
		int next = 0;
		for (int i = 0; i < call.getArgs().size(); i++) {
			Argument a = call.getArgs().get(i);
			Type t = argTypes.get(i);
			if (a.isStar() || a.isDoubleStar()) {
				unpacked = true;
				continue;
			}
			if (a.getName() == null) {
				if (next < positional.size()) {
					Signature.Param p = positional.get(next++);
					arguments.put(p.name(), a);
					types.put(p.name(), t);
				} else if (varargs) {
					extra.add(t);
				} else {
					checker.error(IssueCodes.ARGUMENTS, "'" + sig.name() + "' takes " + positional.size() + " positional argument"
							+ (positional.size() == 1 ? "" : "s") + " but more were given", a);
				}
				continue;
			}
			Signature.Param p = sig.param(a.getName());
			if (p == null || p.kind() == Signature.Param.Kind.VARARGS || p.kind() == Signature.Param.Kind.VARKEYWORDS) {
				if (!varkw) {
					String suggestion = Names.closest(a.getName(), sig.parameterNames()).orElse(null);
					checker.error(IssueCodes.UNKNOWN_KEYWORD, "'" + sig.name() + "' has no parameter '" + a.getName() + "'"
							+ (suggestion == null ? "" : "; did you mean '" + suggestion + "'?"), a);
				}
				continue;
			}
			if (arguments.containsKey(p.name())) {
				checker.error(IssueCodes.ARGUMENTS, "'" + sig.name() + "' got two values for '" + p.name() + "'", a);
				continue;
			}
			arguments.put(p.name(), a);
			types.put(p.name(), t);
		}
		if (!unpacked) {
			for (Signature.Param p : sig.params()) {
				if (!p.hasDefault() && p.kind() != Signature.Param.Kind.VARARGS && p.kind() != Signature.Param.Kind.VARKEYWORDS
						&& !arguments.containsKey(p.name())) {
					checker.error(IssueCodes.ARGUMENTS, "'" + sig.name() + "' is missing " + (p.kind() == Signature.Param.Kind.KEYWORD_ONLY ? "keyword " : "")
							+ "argument '" + p.name() + "'", call);
				}
			}
		}
		return new Bound(arguments, types, extra, !unpacked);
	}

	/** Binds the callee's dims and dtype variables to the caller's, argument by argument. */
	static final class Unifier {
		private final Signature sig;
		private final TypeChecker checker;
		private final Map<String, Dim> dims = new HashMap<>();
		private final Map<String, String> boundBy = new HashMap<>();
		private final Map<String, List<Dim>> variadics = new HashMap<>();
		private final Map<String, DType> dtypes = new HashMap<>();

		Unifier(Signature sig, TypeChecker checker) {
			this.sig = sig;
			this.checker = checker;
		}

		void unify(Signature.Param p, Type arg, EObject where) {
			Type param = p.type();
			if (param instanceof Type.Unknown || arg instanceof Type.Unknown || arg == null) {
				return;
			}
			if (!TypeChecker.compatible(param, arg)) {
				checker.error(IssueCodes.ARGUMENT_TYPE, "argument '" + p.name() + "' of '" + sig.name() + "' must be " + Type.show(param) + ", got "
						+ Type.show(arg), where);
				return;
			}
			List<Dim> paramDims;
			String variadic;
			DType paramDtype;
			String dtypeVar;
			switch (param) {
				case Type.Tensor t -> {
					paramDims = t.dims();
					variadic = t.variadic();
					paramDtype = t.dtype();
					dtypeVar = t.dtypeVar();
				}
				case Type.KTile k -> {
					paramDims = k.dims();
					variadic = null;
					paramDtype = k.dtype();
					dtypeVar = k.dtypeVar();
				}
				default -> {
					return;
				}
			}
			if (arg instanceof Type.Scalar && paramDims != null && !paramDims.isEmpty()) {
				checker.error(IssueCodes.ARGUMENT_TYPE, "argument '" + p.name() + "' of '" + sig.name() + "' must be " + Type.show(param) + ", got "
						+ Type.show(arg), where);
				return;
			}
			List<Dim> argDims = TypeChecker.tensorDims(arg);
			DType argDtype = TypeChecker.dtypeOf(arg);
			if (paramDims != null && argDims != null) {
				if (!unifyShape(p, paramDims, variadic, argDims, where)) {
					return;
				}
			}
			if (argDtype != null) {
				if (dtypeVar != null) {
					DType previous = dtypes.putIfAbsent(dtypeVar, argDtype);
					if (previous != null && previous != argDtype) {
						checker.error(IssueCodes.DTYPE_MISMATCH, "argument '" + p.name() + "' of '" + sig.name() + "' is " + argDtype.sourceName()
								+ ", but the other arguments are " + previous.sourceName(), where);
					}
				} else if (paramDtype != null && paramDtype != argDtype) {
					checker.error(IssueCodes.DTYPE_MISMATCH, "argument '" + p.name() + "' of '" + sig.name() + "' must be " + paramDtype.sourceName()
							+ ", got " + argDtype.sourceName() + " (" + Type.show(arg) + ")", where);
				}
			}
		}

		private boolean unifyShape(Signature.Param p, List<Dim> paramDims, String variadic, List<Dim> argDims, EObject where) {
			int fixed = paramDims.size();
			if (variadic == null ? argDims.size() != fixed : argDims.size() < fixed) {
				checker.error(IssueCodes.RANK_MISMATCH, "argument '" + p.name() + "' of '" + sig.name() + "' must have " + (variadic == null ? "" : "at least ")
						+ fixed + " dim" + (fixed == 1 ? "" : "s") + " " + Type.shape(paramDims, variadic) + ", got " + argDims.size() + " "
						+ Shapes.show(argDims), where);
				return false;
			}
			int offset = argDims.size() - fixed;
			if (variadic != null) {
				List<Dim> prefix = List.copyOf(argDims.subList(0, offset));
				List<Dim> previous = variadics.putIfAbsent(variadic, prefix);
				if (previous != null && (previous.size() != prefix.size() || Shapes.firstDifference(previous, prefix) != null)) {
					checker.error(IssueCodes.SHAPE_MISMATCH, "argument '" + p.name() + "' of '" + sig.name() + "' has leading dims " + Shapes.show(prefix)
							+ ", but earlier arguments have " + Shapes.show(previous), where);
					return false;
				}
			}
			for (int i = 0; i < fixed; i++) {
				Dim want = paramDims.get(i);
				Dim got = argDims.get(offset + i);
				if (want.asSymbol().isPresent() && !dims.containsKey(want.asSymbol().get())) {
					dims.put(want.asSymbol().get(), got);
					boundBy.put(want.asSymbol().get(), p.name());
					continue;
				}
				if (!dims.keySet().containsAll(want.symbols())) {
					continue; // an expression of dims not bound yet: nothing to compare with
				}
				Dim expected = want.substitute(dims);
				Dim.Relation relation = Dim.compare(expected, got);
				if (relation == Dim.Relation.EQUAL) {
					continue;
				}
				String source = want.symbols().stream().filter(boundBy::containsKey).map(s -> s + " = " + dims.get(s) + " from '" + boundBy.get(s) + "'")
						.reduce((a, b) -> a + ", " + b).orElse("");
				List<Dim> shown = new ArrayList<>(variadic != null ? variadics.getOrDefault(variadic, List.of()) : List.of());
				shown.addAll(substituted(paramDims));
				String message = "argument '" + p.name() + "' of '" + sig.name() + "' must be " + Shapes.show(shown)
						+ (source.isEmpty() ? "" : " (" + source + ")") + ", got " + Shapes.show(argDims) + ": " + got + " vs " + expected;
				if (relation == Dim.Relation.DIFFERENT) {
					checker.error(IssueCodes.SHAPE_MISMATCH, message, where);
					return false;
				}
				checker.warning(IssueCodes.UNDECIDED_DIM, message + " (cannot tell whether they are equal)", where);
			}
			return true;
		}

		private List<Dim> substituted(List<Dim> paramDims) {
			List<Dim> out = new ArrayList<>();
			for (Dim d : paramDims) {
				out.add(dims.keySet().containsAll(d.symbols()) ? d.substitute(dims) : d);
			}
			return out;
		}

		/** The declared result with the bindings substituted; dims bound by no argument become unknown. */
		Type result(Type declared) {
			return switch (declared) {
				case Type.Tensor t -> {
					DType dtype = t.dtype() != null ? t.dtype() : t.dtypeVar() != null ? dtypes.get(t.dtypeVar()) : null;
					if (t.dims() == null) {
						yield new Type.Tensor(null, dtype);
					}
					List<Dim> out = new ArrayList<>();
					if (t.variadic() != null) {
						List<Dim> prefix = variadics.get(t.variadic());
						if (prefix == null) {
							yield new Type.Tensor(null, dtype);
						}
						out.addAll(prefix);
					}
					for (Dim d : t.dims()) {
						if (!dims.keySet().containsAll(d.symbols())) {
							yield new Type.Tensor(null, dtype);
						}
						out.add(d.substitute(dims));
					}
					yield new Type.Tensor(out, dtype);
				}
				case Type.Tuple t -> {
					List<Type> elements = new ArrayList<>();
					t.elements().forEach(e -> elements.add(result(e)));
					yield new Type.Tuple(elements);
				}
				case Type.KTile k -> new Type.KTile(null, k.dtype() != null ? k.dtype() : dtypes.get(k.dtypeVar()), null);
				default -> declared;
			};
		}
	}
}
