package dev.forge.compiler.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.EcoreUtil2;
import org.eclipse.xtext.nodemodel.ICompositeNode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.AnnotatedAssignment;
import dev.forge.forge.Argument;
import dev.forge.forge.Assert;
import dev.forge.forge.Assignment;
import dev.forge.forge.Attribute;
import dev.forge.forge.AugmentedAssignment;
import dev.forge.forge.BinaryExpr;
import dev.forge.forge.BoolLiteral;
import dev.forge.forge.Break;
import dev.forge.forge.Call;
import dev.forge.forge.CompareExpr;
import dev.forge.forge.ConditionalExpr;
import dev.forge.forge.Elif;
import dev.forge.forge.EllipsisLiteral;
import dev.forge.forge.Continue;
import dev.forge.forge.Expression;
import dev.forge.forge.ExpressionStatement;
import dev.forge.forge.FloatLiteral;
import dev.forge.forge.For;
import dev.forge.forge.FromImport;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.If;
import dev.forge.forge.Import;
import dev.forge.forge.ImportedName;
import dev.forge.forge.IntLiteral;
import dev.forge.forge.ListExpr;
import dev.forge.forge.Module;
import dev.forge.forge.Name;
import dev.forge.forge.NoneLiteral;
import dev.forge.forge.Parameter;
import dev.forge.forge.Pass;
import dev.forge.forge.Return;
import dev.forge.forge.Statement;
import dev.forge.forge.StringLiteral;
import dev.forge.forge.Subscript;
import dev.forge.forge.TupleExpr;
import dev.forge.forge.UnaryExpr;
import dev.forge.forge.While;
import dev.forge.forge.With;
import dev.forge.types.DType;
import dev.forge.types.Dim;
import dev.forge.types.Prelude;
import dev.forge.types.Signature;
import dev.forge.types.Type;
import dev.forge.types.TypeCheckResult;
import dev.forge.types.TypeChecker;

/**
 * Lowers a typed modeling function to Graph IR. Straight-line code only: assignments (also to tuples
 * and annotated), augmented assignments, one return (a tensor or a tuple of tensors), asserts
 * (skipped: they check scalar arguments), docstrings and {@code pass}. Calls of other user functions
 * are inlined (also across imports); builtins become ops, softmax, log_softmax, rmsnorm, layernorm
 * and var expanded into primitives so that fusion sees them.
 *
 * <p>Python scalars are weak, as in the type checker: a literal or a float parameter meets a tensor
 * as a rank-0 value of the tensor's dtype. Dtype promotion is made explicit: elementwise ops and
 * matmul get operands of one dtype, with casts inserted. An int parameter is a dim symbol of the
 * graph ({@code heads}); a float parameter is an f64 scalar parameter; bool and str parameters are
 * specialised at their defaults.
 *
 * <p>Every tensor the lowering produces is checked against the type checker's type for the same
 * expression (with the callee's dims substituted inside inlined functions); a difference is a bug
 * and fails the lowering loudly.
 */
public final class Lowering {

	private static final int MAX_INLINE_DEPTH = 64;

	private final Map<Module, TypeCheckResult> checked = new IdentityHashMap<>();
	private final List<FunctionDef> stack = new ArrayList<>();
	private GraphBuilder builder;

	private Lowering(Module module, TypeCheckResult types) {
		checked.put(module, types);
	}

	/** Lowers {@code def}, whose module the type checker has checked into {@code types}. */
	public static GraphFunction lower(FunctionDef def, TypeCheckResult types) throws LoweringException {
		Module module = EcoreUtil2.getContainerOfType(def, Module.class);
		Lowering l = new Lowering(module, types);
		try {
			return l.function(def);
		} catch (ArithmeticException | IllegalArgumentException e) {
			throw new LoweringException("internal error lowering '" + def.getName() + "': " + e.getMessage(), l.range(def));
		}
	}

	/** The scalar and structured values of the source, and tensors (as Graph IR values). */
	private sealed interface Operand {
	}

	private record TensorOp(Value value) implements Operand {
	}

	/** A Python number known at compile time (bools are 1 and 0). */
	private record Num(double value, boolean integer) implements Operand {
	}

	/** A Python int with a symbolic value: an int parameter, a dim of a shape. */
	private record DimNum(Dim dim) implements Operand {
	}

	/** A Python float known at run time only, as an f64 scalar value. */
	private record ScalarVal(Value value) implements Operand {
	}

	private record Tup(List<Operand> elements) implements Operand {
	}

	private record Str(String value) implements Operand {
	}

	private record NoneV() implements Operand {
	}

	private record DTypeV(DType dtype) implements Operand {
	}

	/** A truth value known at run time only (a comparison of run-time floats), as a bool scalar value. */
	private record Cond(Value value) implements Operand {
	}

	/** One function being lowered: the top one, or one inlined into it. */
	private final class Frame {
		final FunctionDef def;
		final TypeCheckResult types;
		final Map<String, Dim> dims; // the callee's dim symbols -> the graph's dims; null: identity (top level)
		final Map<String, Operand> env = new HashMap<>();

		Frame(FunctionDef def, TypeCheckResult types, Map<String, Dim> dims) {
			this.def = def;
			this.types = types;
			this.dims = dims;
		}

		/** The type checker's type of a node, in the graph's dims; null when unknown or not a tensor. */
		Type.Tensor expected(EObject node) {
			if (!(types.typeOf(node) instanceof Type.Tensor t) || t.dims() == null || t.dtype() == null || t.variadic() != null) {
				return null;
			}
			if (dims == null) {
				return t;
			}
			List<Dim> out = new ArrayList<>();
			for (Dim d : t.dims()) {
				if (!dims.keySet().containsAll(d.symbols())) {
					return null;
				}
				out.add(d.substitute(dims));
			}
			return new Type.Tensor(out, t.dtype());
		}
	}

	// ------------------------------------------------------------------ functions

	private GraphFunction function(FunctionDef def) throws LoweringException {
		TypeCheckResult types = typesOf(def);
		Signature sig = types.signatureOf(def);
		if (sig == null) {
			throw new LoweringException("'" + def.getName() + "' has no signature", range(def));
		}
		if (sig.kernel()) {
			throw new LoweringException("'" + def.getName() + "' is a @kernel: kernels lower to Tile IR, not Graph IR", range(def));
		}
		builder = new GraphBuilder(def.getName());
		Frame frame = new Frame(def, types, null);
		for (Parameter p : def.getParams()) {
			if (p.getName() == null) {
				continue; // the bare '*' before keyword-only parameters
			}
			if (p.isStar() || p.isDoubleStar()) {
				throw unsupported("parameter '" + (p.isStar() ? "*" : "**") + p.getName() + "'", p);
			}
			Signature.Param sp = sig.param(p.getName());
			Type t = sp == null ? Type.UNKNOWN : sp.type();
			Operand value = switch (t) {
				case Type.Tensor tensor when tensor.dims() != null && tensor.dtype() != null && tensor.variadic() == null ->
					new TensorOp(builder.param(p.getName(), tensor, null));
				case Type.Scalar s when s.kind() == Type.Scalar.Kind.FLOAT -> {
					Operand d = p.getDefault() == null ? null : literal(p.getDefault());
					Double dv = d instanceof Num n ? n.value() : null;
					yield new ScalarVal(builder.param(p.getName(), new Type.Tensor(List.of(), DType.F64), dv));
				}
				case Type.Scalar s when s.kind() == Type.Scalar.Kind.INT -> new DimNum(Dim.symbol(p.getName()));
				case Type.Scalar s when (s.kind() == Type.Scalar.Kind.BOOL || s.kind() == Type.Scalar.Kind.STR) && p.getDefault() != null -> {
					Operand d = literal(p.getDefault());
					if (d == null) {
						throw unsupported("parameter '" + p.getName() + "' with a default that is not a literal", p);
					}
					yield d;
				}
				default -> throw unsupported("parameter '" + p.getName() + "' of type " + Type.show(t), p);
			};
			frame.env.put(p.getName(), value);
		}
		stack.add(def);
		Operand result = body(frame);
		stack.remove(stack.size() - 1);
		List<Value> results = new ArrayList<>();
		List<Type> declared = sig.result() instanceof Type.Tuple tuple ? tuple.elements() : List.of(sig.result());
		List<Operand> returned = result instanceof Tup tup ? tup.elements() : List.of(result);
		if (declared.size() != returned.size() && !(sig.result() instanceof Type.Unknown)) {
			throw new LoweringException("internal: '" + def.getName() + "' returns " + returned.size() + " values, but declares " + declared.size(), range(def));
		}
		for (int i = 0; i < returned.size(); i++) {
			Type want = i < declared.size() ? declared.get(i) : Type.UNKNOWN;
			Operand r = returned.get(i);
			Value v;
			if (r instanceof TensorOp t) {
				v = t.value();
			} else if (isScalar(r) && want instanceof Type.Tensor wt && wt.dtype() != null) {
				v = materialize(r, wt.dtype(), range(def));
			} else {
				throw unsupported("returning " + describe(r) + " (a graph returns tensors)", def);
			}
			if (want instanceof Type.Tensor wt && wt.dims() != null && wt.dtype() != null && wt.variadic() == null && !wt.equals(v.type())) {
				throw new LoweringException("internal: '" + def.getName() + "' returns " + ShapeRules.show(v.type()) + ", but declares "
						+ ShapeRules.show(wt), range(def));
			}
			results.add(v);
		}
		GraphFunction g = builder.build(results);
		List<String> problems = GraphVerifier.verify(g);
		if (!problems.isEmpty()) {
			throw new LoweringException("internal: the lowered Graph IR of '" + def.getName() + "' does not verify: " + problems.get(0), range(def));
		}
		return g;
	}

	private TypeCheckResult typesOf(FunctionDef def) throws LoweringException {
		Module module = EcoreUtil2.getContainerOfType(def, Module.class);
		TypeCheckResult types = checked.computeIfAbsent(module, TypeChecker::check);
		for (SourceDiagnostic d : types.diagnostics()) {
			if (d.severity() == SourceDiagnostic.Severity.ERROR) {
				throw new LoweringException("'" + def.getName() + "' cannot be lowered: its module has type errors (first: " + d.message() + ")", range(def));
			}
		}
		return types;
	}

	/** The statements of a function body; what its return statement returns. */
	private Operand body(Frame f) throws LoweringException {
		if (f.def.getBody() == null) {
			throw new LoweringException("'" + f.def.getName() + "' has no body", range(f.def));
		}
		Operand returned = block(f.def.getBody().getStatements(), f);
		if (returned != null) {
			return returned;
		}
		throw new LoweringException("'" + f.def.getName() + "' does not end in a return statement", range(f.def));
	}

	/** Lowers {@code statements} in order; what a return statement among them returns, or null when none runs. */
	private Operand block(List<Statement> statements, Frame f) throws LoweringException {
		for (Statement s : statements) {
			switch (s) {
				case Return r -> {
					return r.getValue() == null ? new NoneV() : expr(r.getValue(), f);
				}
				case If i -> {
					Operand returned = ifStatement(i, f);
					if (returned != null) {
						return returned;
					}
				}
				case Assignment a -> assign(target(a.getTarget()), expr(a.getValue(), f), f);
				case AnnotatedAssignment a -> {
					if (a.getValue() != null) {
						assign(target(a.getTarget()), expr(a.getValue(), f), f);
					}
				}
				case AugmentedAssignment a -> {
					if (!(target(a.getTarget()) instanceof Name n) || !f.env.containsKey(n.getId())) {
						throw unsupported("augmented assignment to anything but a local name", a);
					}
					String op = a.getOp().substring(0, a.getOp().length() - 1);
					f.env.put(n.getId(), binary(op, f.env.get(n.getId()), expr(a.getValue(), f), a, f));
				}
				case ExpressionStatement e when e.getExpression() instanceof StringLiteral -> {
					// a docstring
				}
				case Pass p -> {
				}
				case Assert a -> {
					// A condition known now must hold; run-time checks of scalar arguments are the driver's.
					Operand c;
					try {
						c = expr(a.getCondition(), f);
					} catch (LoweringException notNow) {
						continue; // a condition on dims or run-time values: checked when the arguments are known
					}
					if (truth(c) == Boolean.FALSE) {
						String message = a.getMessage() == null ? null : literal(a.getMessage()) instanceof Str m ? m.value() : null;
						throw new LoweringException("assertion fails for these arguments" + (message == null ? "" : ": " + message), range(a));
					}
				}
				default -> throw unsupported(statementName(s), s);
			}
		}
		return null;
	}

	/**
	 * An {@code if}/{@code elif}/{@code else} chain. A condition known at compile time (a literal
	 * parameter such as {@code activation: str = "gelu"}, shapes, ints) selects its branch, which
	 * may return. A run-time condition (a comparison of float parameters) lowers both branches and
	 * merges each variable they assign differently with {@code where(cond, then, else)}; such
	 * branches may not return.
	 */
	private Operand ifStatement(If i, Frame f) throws LoweringException {
		List<Expression> conditions = new ArrayList<>();
		List<List<Statement>> branches = new ArrayList<>();
		conditions.add(i.getCondition());
		branches.add(i.getThen().getStatements());
		for (Elif e : i.getElifs()) {
			conditions.add(e.getCondition());
			branches.add(e.getBody().getStatements());
		}
		List<Statement> orelse = i.getOrelse() == null ? List.of() : i.getOrelse().getStatements();
		return chain(conditions, branches, orelse, 0, i, f);
	}

	private Operand chain(List<Expression> conditions, List<List<Statement>> branches, List<Statement> orelse, int at, EObject node,
			Frame f) throws LoweringException {
		if (at == conditions.size()) {
			return block(orelse, f);
		}
		Operand c = expr(conditions.get(at), f);
		Boolean known = truth(c);
		if (known != null) {
			return known ? block(branches.get(at), f) : chain(conditions, branches, orelse, at + 1, node, f);
		}
		if (!(c instanceof Cond cond)) {
			throw unsupported("an 'if' on " + describe(c) + " (a condition known at compile time or a comparison of float parameters is)",
					conditions.get(at));
		}
		Map<String, Operand> before = new HashMap<>(f.env);
		if (block(branches.get(at), f) != null) {
			throw unsupported("'return' inside an 'if' whose condition is known only at run time", node);
		}
		Map<String, Operand> taken = new HashMap<>(f.env);
		f.env.clear();
		f.env.putAll(before);
		if (chain(conditions, branches, orelse, at + 1, node, f) != null) {
			throw unsupported("'return' inside an 'if' whose condition is known only at run time", node);
		}
		Map<String, Operand> other = new HashMap<>(f.env);
		f.env.clear();
		f.env.putAll(before);
		for (String name : taken.keySet()) {
			Operand a = taken.get(name);
			Operand b = other.get(name);
			if (b == null) {
				continue; // assigned on one path only: not defined after the 'if' (as in Python, where using it may fail)
			}
			f.env.put(name, a.equals(b) ? a : merge(cond, a, b, name, node));
		}
		return null;
	}

	/** {@code where(cond, a, b)} for a variable two branches of a run-time 'if' assign differently. */
	private Operand merge(Cond cond, Operand a, Operand b, String name, EObject node) throws LoweringException {
		SourceRange at = range(node);
		if (a instanceof TensorOp ta && b instanceof TensorOp tb && ta.value().type().equals(tb.value().type())) {
			return new TensorOp(builder.select(cond.value(), ta.value(), tb.value(), at));
		}
		if (isScalar(a) && isScalar(b) && !(a instanceof TensorOp) && !(b instanceof TensorOp)) {
			return new ScalarVal(builder.select(cond.value(), materialize(a, DType.F64, at), materialize(b, DType.F64, at), at));
		}
		throw unsupported("'" + name + "' is " + describe(a) + " on one path of a run-time 'if' and " + describe(b) + " on the other", node);
	}

	/** The truth of a value known at compile time (Python's rules), or null when it is known only at run time. */
	private static Boolean truth(Operand o) {
		return switch (o) {
			case Num n -> n.value() != 0;
			case Str s -> !s.value().isEmpty();
			case NoneV n -> false;
			case Tup t -> !t.elements().isEmpty();
			case DimNum d -> d.dim().isConstant() ? (Boolean) (d.dim().constantValue().getAsLong() != 0) : null;
			default -> null;
		};
	}

	private static String statementName(Statement s) {
		return switch (s) {
			case If i -> "'if' statement";
			case For x -> "'for' loop";
			case While w -> "'while' loop";
			case With w -> "'with' block";
			case FunctionDef d -> "nested 'def'";
			case Import i -> "import inside a function";
			case FromImport i -> "import inside a function";
			case Break b -> "'break'";
			case Continue c -> "'continue'";
			case ExpressionStatement e -> "expression statement (a call for its effect)";
			default -> s.eClass().getName();
		};
	}

	private static Expression target(EObject statement) {
		return statement instanceof ExpressionStatement e ? e.getExpression() : null;
	}

	private void assign(Expression target, Operand value, Frame f) throws LoweringException {
		switch (target) {
			case Name n -> f.env.put(n.getId(), value);
			case TupleExpr t -> unpack(t.getElements(), value, t, f);
			case ListExpr l -> unpack(l.getElements(), value, l, f);
			case null -> throw new LoweringException("assignment without a target", SourceRange.NONE);
			default -> throw unsupported("assignment to " + target.eClass().getName(), target);
		}
	}

	private void unpack(List<Expression> targets, Operand value, Expression where, Frame f) throws LoweringException {
		if (!(value instanceof Tup tup) || tup.elements().size() != targets.size()) {
			throw unsupported("unpacking " + describe(value) + " into " + targets.size() + " names", where);
		}
		for (int i = 0; i < targets.size(); i++) {
			assign(targets.get(i), tup.elements().get(i), f);
		}
	}

	// ------------------------------------------------------------------ expressions

	private Operand expr(Expression e, Frame f) throws LoweringException {
		Operand out = switch (e) {
			case Name n -> name(n, f);
			case IntLiteral i -> literal(i);
			case FloatLiteral x -> literal(x);
			case BoolLiteral b -> literal(b);
			case StringLiteral s -> literal(s);
			case NoneLiteral n -> new NoneV();
			case TupleExpr t -> tuple(t.getElements(), f);
			case ListExpr l -> tuple(l.getElements(), f);
			case UnaryExpr u -> unary(u, f);
			case BinaryExpr b -> binary(b.getOp(), expr(b.getLeft(), f), expr(b.getRight(), f), b, f);
			case CompareExpr c -> {
				if (c.getRights().size() != 1) {
					throw unsupported("chained comparison", c);
				}
				yield binary(c.getOps().get(0).replaceAll("\\s+", " "), expr(c.getLeft(), f), expr(c.getRights().get(0), f), c, f);
			}
			case Call c -> call(c, f);
			case Attribute a -> attribute(a, f);
			case Subscript s -> subscript(s, f);
			case ConditionalExpr c -> throw unsupported("conditional expression ('a if c else b')", c);
			case null -> throw new LoweringException("missing expression", SourceRange.NONE);
			default -> throw unsupported(e.eClass().getName() + " expression", e);
		};
		if (out instanceof TensorOp t) {
			Type.Tensor want = f.expected(e);
			if (want != null && !want.equals(t.value().type())) {
				throw new LoweringException("internal: lowered to " + ShapeRules.show(t.value().type()) + ", but the type checker says " + ShapeRules.show(want),
						range(e));
			}
		}
		return out;
	}

	private Operand tuple(List<Expression> elements, Frame f) throws LoweringException {
		List<Operand> out = new ArrayList<>();
		for (Expression x : elements) {
			out.add(expr(x, f));
		}
		return new Tup(out);
	}

	private Operand name(Name n, Frame f) throws LoweringException {
		Operand v = f.env.get(n.getId());
		if (v != null) {
			return v;
		}
		var dtype = DType.bySourceName(n.getId());
		if (dtype.isPresent()) {
			return new DTypeV(dtype.get());
		}
		throw unsupported("the name '" + n.getId() + "' as a value (only parameters, local variables and dtypes are)", n);
	}

	/** The value of a literal (or a negated number); null for other expressions. */
	private static Operand literal(Expression e) {
		return switch (e) {
			case IntLiteral i -> {
				try {
					yield new Num(Long.decode(i.getValue().replace("_", "")), true);
				} catch (NumberFormatException ex) {
					yield null;
				}
			}
			case FloatLiteral x -> new Num(Double.parseDouble(x.getValue().replace("_", "")), false);
			case BoolLiteral b -> new Num(b.isValue() ? 1 : 0, true);
			case StringLiteral s -> new Str(String.join("", s.getParts()));
			case NoneLiteral n -> new NoneV();
			case UnaryExpr u when "-".equals(u.getOp()) && literal(u.getOperand()) instanceof Num n -> new Num(-n.value(), n.integer());
			default -> null;
		};
	}

	private Operand unary(UnaryExpr u, Frame f) throws LoweringException {
		Operand x = expr(u.getOperand(), f);
		switch (u.getOp()) {
			case "+":
				return x;
			case "not":
				if (truth(x) != null) {
					return new Num(truth(x) ? 0 : 1, true);
				}
				throw unsupported("'not' on " + describe(x), u);
			case "-":
				return switch (x) {
					case Num n -> new Num(-n.value(), n.integer());
					case DimNum d -> new DimNum(d.dim().negate());
					case TensorOp t -> new TensorOp(builder.unary(UnaryKind.NEG, t.value(), range(u)));
					case ScalarVal s -> new ScalarVal(builder.unary(UnaryKind.NEG, s.value(), range(u)));
					default -> throw unsupported("'-' on " + describe(x), u);
				};
			default:
				throw unsupported("the operator '" + u.getOp() + "'", u);
		}
	}

	private static BinaryKind binaryKind(String op) {
		return switch (op) {
			case "+" -> BinaryKind.ADD;
			case "-" -> BinaryKind.SUB;
			case "*" -> BinaryKind.MUL;
			case "/" -> BinaryKind.DIV;
			case "**" -> BinaryKind.POW;
			case "==" -> BinaryKind.EQ;
			case "!=" -> BinaryKind.NE;
			case "<" -> BinaryKind.LT;
			case "<=" -> BinaryKind.LE;
			case ">" -> BinaryKind.GT;
			case ">=" -> BinaryKind.GE;
			default -> null;
		};
	}

	private Operand binary(String op, Operand l, Operand r, EObject node, Frame f) throws LoweringException {
		if (op.equals("@")) {
			return matmul(l, r, node);
		}
		if ((op.equals("and") || op.equals("or")) && truth(l) != null) {
			// Python's short circuit on a value known now.
			return op.equals("and") == truth(l) ? r : l;
		}
		Boolean same = compileTimeEquality(op, l, r);
		if (same != null) {
			return new Num(same ? 1 : 0, true);
		}
		if (isScalar(l) && isScalar(r)) {
			return scalarArithmetic(op, l, r, node);
		}
		BinaryKind kind = binaryKind(op);
		if (kind == null || !(l instanceof TensorOp || isScalar(l)) || !(r instanceof TensorOp || isScalar(r))) {
			throw unsupported("'" + op + "' on " + describe(l) + " and " + describe(r), node);
		}
		return new TensorOp(elementwise(kind, l, r, node, f));
	}

	/** An elementwise binary op, operands converted to one dtype: the result's, or the promoted one for comparisons. */
	private Value elementwise(BinaryKind kind, Operand l, Operand r, EObject node, Frame f) throws LoweringException {
		DType promoted = promote(strongDtype(l), strongDtype(r));
		Type.Tensor expected = f.expected(node);
		DType dtype = !kind.isComparison() && expected != null ? expected.dtype() : promoted;
		if (dtype == null) {
			dtype = DType.F32;
		}
		SourceRange at = range(node);
		return builder.binary(kind, materialize(l, dtype, at), materialize(r, dtype, at), at);
	}

	private Operand matmul(Operand l, Operand r, EObject node) throws LoweringException {
		if (!(l instanceof TensorOp a) || !(r instanceof TensorOp b)) {
			throw unsupported("'@' on " + describe(l) + " and " + describe(r), node);
		}
		if (a.value().rank() < 2 || b.value().rank() < 2) {
			throw unsupported("matmul with a 1-D operand", node);
		}
		DType dtype = promote(a.value().type().dtype(), b.value().type().dtype());
		SourceRange at = range(node);
		return new TensorOp(builder.matmul(builder.cast(a.value(), dtype, at), builder.cast(b.value(), dtype, at), at));
	}

	/** {@code ==}, {@code !=}, {@code is}, {@code is not} on strings, None and dtypes known now; null for anything else. */
	private static Boolean compileTimeEquality(String op, Operand l, Operand r) {
		boolean equal = op.equals("==") || op.equals("is");
		if (!equal && !op.equals("!=") && !op.equals("is not")) {
			return null;
		}
		boolean known = (l instanceof Str || l instanceof NoneV || l instanceof DTypeV) && (r instanceof Str || r instanceof NoneV || r instanceof DTypeV)
				|| (l instanceof NoneV || r instanceof NoneV) && (l instanceof Num || r instanceof Num || l instanceof Str || r instanceof Str);
		return known ? equal == l.equals(r) : null;
	}

	private Operand scalarArithmetic(String op, Operand l, Operand r, EObject node) throws LoweringException {
		if (l instanceof Num a && r instanceof Num b) {
			boolean ints = a.integer() && b.integer();
			double x = a.value();
			double y = b.value();
			Boolean compared = switch (op) {
				case "<" -> x < y;
				case ">" -> x > y;
				case "<=" -> x <= y;
				case ">=" -> x >= y;
				case "==" -> x == y;
				case "!=" -> x != y;
				default -> null;
			};
			if (compared != null) {
				return new Num(compared ? 1 : 0, true);
			}
			switch (op) {
				case "+":
					return new Num(x + y, ints);
				case "-":
					return new Num(x - y, ints);
				case "*":
					return new Num(x * y, ints);
				case "/":
					return new Num(x / y, false);
				case "**":
					return new Num(Math.pow(x, y), ints && y >= 0);
				case "//":
					if (y != 0) {
						return new Num(Math.floor(x / y), ints);
					}
					break;
				default:
					break;
			}
		}
		if (isInt(l) && isInt(r)) {
			Dim a = intDim(l);
			Dim b = intDim(r);
			switch (op) {
				case "+":
					return new DimNum(a.plus(b));
				case "-":
					return new DimNum(a.minus(b));
				case "*":
					return new DimNum(a.times(b));
				case "//":
					if (!b.isZero()) {
						return new DimNum(a.floorDiv(b));
					}
					break;
				default:
					break;
			}
		}
		BinaryKind kind = binaryKind(op);
		if (kind != null && kind.isComparison() && (l instanceof ScalarVal || r instanceof ScalarVal)) {
			// A comparison of floats known at run time: a condition for an 'if'.
			SourceRange at = range(node);
			return new Cond(builder.binary(kind, materialize(l, DType.F64, at), materialize(r, DType.F64, at), at));
		}
		if (kind == null || kind.isComparison()) {
			throw unsupported("'" + op + "' on " + describe(l) + " and " + describe(r), node);
		}
		// A Python float known at run time: computed as an f64 scalar.
		SourceRange at = range(node);
		return new ScalarVal(builder.binary(kind, materialize(l, DType.F64, at), materialize(r, DType.F64, at), at));
	}

	private Operand attribute(Attribute a, Frame f) throws LoweringException {
		Operand receiver = expr(a.getReceiver(), f);
		if (receiver instanceof TensorOp t) {
			Value v = t.value();
			switch (a.getName()) {
				case "T":
					List<Integer> perm = new ArrayList<>();
					for (int i = v.rank() - 1; i >= 0; i--) {
						perm.add(i);
					}
					return new TensorOp(builder.transpose(v, perm, range(a)));
				case "shape":
					return new Tup(v.type().dims().stream().map(d -> (Operand) new DimNum(d)).toList());
				case "ndim":
					return new Num(v.rank(), true);
				default:
					break;
			}
		}
		throw unsupported("the attribute '." + a.getName() + "' of " + describe(receiver), a);
	}

	private Operand subscript(Subscript s, Frame f) throws LoweringException {
		Operand receiver = expr(s.getReceiver(), f);
		if (receiver instanceof Tup tup && s.getIndices().size() == 1 && expr(s.getIndices().get(0), f) instanceof Num n && n.integer()) {
			int size = tup.elements().size();
			int i = (int) n.value();
			if (i >= -size && i < size) {
				return tup.elements().get(i < 0 ? i + size : i);
			}
		}
		if (receiver instanceof TensorOp t) {
			return new TensorOp(slice(t.value(), s, f));
		}
		throw unsupported("indexing or slicing " + describe(receiver), s);
	}

	/** {@code x[...]} with ints, unit-step slices and {@code ...}: the start of every axis and the axes kept. */
	private Value slice(Value x, Subscript s, Frame f) throws LoweringException {
		Type.Tensor result = f.expected(s);
		if (result == null) {
			throw unsupported("indexing " + describe(new TensorOp(x)) + " where the type checker does not know the result's shape", s);
		}
		List<Dim> dims = x.type().dims();
		List<Dim> starts = new ArrayList<>();
		List<Boolean> kept = new ArrayList<>();
		long consuming = s.getIndices().stream().filter(i -> !(i instanceof EllipsisLiteral)).count();
		for (Expression i : s.getIndices()) {
			int axis = starts.size();
			if (i instanceof EllipsisLiteral) {
				for (long j = 0; j < dims.size() - consuming; j++) {
					starts.add(Dim.ZERO);
					kept.add(true);
				}
			} else if (i instanceof dev.forge.forge.Slice sl) {
				if (sl.getStep() != null && !(expr(sl.getStep(), f) instanceof Num n && n.value() == 1)) {
					throw unsupported("a slice with a step other than 1", sl);
				}
				starts.add(sl.getLower() == null ? Dim.ZERO : position(expr(sl.getLower(), f), dims.get(axis), sl));
				kept.add(true);
			} else if (i instanceof NoneLiteral) {
				throw unsupported("None (a new axis) in an index", i);
			} else {
				Operand index = expr(i, f);
				if (!isInt(index)) {
					throw unsupported("indexing with " + describe(index) + " (gather)", i);
				}
				starts.add(position(index, dims.get(axis), i));
				kept.add(false);
			}
		}
		while (starts.size() < dims.size()) {
			starts.add(Dim.ZERO);
			kept.add(true);
		}
		if (!kept.contains(false) && starts.stream().allMatch(Dim::isZero) && result.dims().equals(dims)) {
			return x;
		}
		return builder.slice(x, starts, kept, result, range(s));
	}

	/** An index as a position along an axis of {@code size}: a negative constant counts from the end. */
	private Dim position(Operand index, Dim size, EObject node) throws LoweringException {
		if (!isInt(index)) {
			throw unsupported("an index that is " + describe(index), node);
		}
		Dim d = intDim(index);
		return d.isConstant() && d.constantValue().getAsLong() < 0 ? size.plus(d) : d;
	}

	// ------------------------------------------------------------------ calls

	private Operand call(Call c, Frame f) throws LoweringException {
		if (!(c.getCallee() instanceof Name callee)) {
			throw unsupported("a call of anything but a function name", c);
		}
		if (f.env.containsKey(callee.getId())) {
			throw unsupported("calling the local value '" + callee.getId() + "'", c);
		}
		EObject definition = f.types.definitionOf(callee);
		FunctionDef target = definition instanceof FunctionDef d ? d
				: definition instanceof ImportedName in && in.getFunction() != null && !in.getFunction().eIsProxy() ? in.getFunction() : null;
		if (target != null) {
			return inline(target, c, f);
		}
		Signature sig = Prelude.get().builtins().get(callee.getId());
		if (sig == null) {
			throw unsupported("a call of '" + callee.getId() + "'", c);
		}
		return builtin(sig, bind(sig, c, f), c, f);
	}

	/** The call's arguments bound to the callee's parameters, as Python binds them (lowered). */
	private Map<String, Operand> bind(Signature sig, Call c, Frame f) throws LoweringException {
		Map<String, Operand> bound = new HashMap<>();
		List<Signature.Param> positional = sig.params().stream().filter(p -> p.kind() == Signature.Param.Kind.POSITIONAL).toList();
		int next = 0;
		for (Argument a : c.getArgs()) {
			if (a.isStar() || a.isDoubleStar()) {
				throw unsupported("argument unpacking ('*' or '**')", a);
			}
			String param;
			if (a.getName() == null) {
				if (next >= positional.size()) {
					throw unsupported("extra positional arguments to '" + sig.name() + "'", a);
				}
				param = positional.get(next++).name();
			} else {
				param = a.getName();
			}
			bound.put(param, expr(a.getValue(), f));
		}
		return bound;
	}

	private Operand inline(FunctionDef callee, Call c, Frame caller) throws LoweringException {
		if (stack.contains(callee) || stack.size() > MAX_INLINE_DEPTH) {
			throw unsupported("recursive call of '" + callee.getName() + "'", c);
		}
		TypeCheckResult types = typesOf(callee);
		Signature sig = types.signatureOf(callee);
		if (sig == null || sig.kernel()) {
			throw unsupported("calling the @kernel '" + callee.getName() + "' from a modeling function", c);
		}
		Map<String, Operand> bound = bind(sig, c, caller);
		Map<String, Dim> dims = new HashMap<>();
		Frame frame = new Frame(callee, types, dims);
		for (Parameter p : callee.getParams()) {
			if (p.getName() == null) {
				continue;
			}
			if (p.isStar() || p.isDoubleStar()) {
				throw unsupported("calling a function with '*" + p.getName() + "'", c);
			}
			Operand value = bound.get(p.getName());
			if (value == null) {
				value = p.getDefault() == null ? null : literal(p.getDefault());
				if (value == null) {
					throw unsupported("the default of '" + p.getName() + "' (not a literal)", p);
				}
			}
			Signature.Param sp = sig.param(p.getName());
			if (sp != null && sp.type() instanceof Type.Tensor t && t.dims() != null && t.variadic() == null && value instanceof TensorOp v
					&& v.value().rank() == t.dims().size()) {
				List<Dim> argDims = v.value().type().dims();
				for (int i = 0; i < t.dims().size(); i++) {
					Dim argDim = argDims.get(i);
					t.dims().get(i).asSymbol().ifPresent(sym -> dims.putIfAbsent(sym, argDim));
				}
			}
			if (sp != null && sp.type() instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.INT && isInt(value)) {
				dims.put(p.getName(), intDim(value));
			}
			frame.env.put(p.getName(), value);
		}
		stack.add(callee);
		Operand result = body(frame);
		stack.remove(stack.size() - 1);
		return result;
	}

	private Operand builtin(Signature sig, Map<String, Operand> args, Call c, Frame f) throws LoweringException {
		String name = sig.name();
		SourceRange at = range(c);
		switch (name) {
			case "exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "relu", "silu", "abs": {
				UnaryKind kind = UnaryKind.valueOf(name.toUpperCase(java.util.Locale.ROOT));
				// On Python floats: folded when known, else an op on the f64 scalar.
				if (args.get("x") instanceof Num n) {
					boolean keepsInts = kind == UnaryKind.ABS || kind == UnaryKind.RELU;
					return new Num(dev.forge.compiler.interp.Elementwise.unary(kind, n.value()), n.integer() && keepsInts);
				}
				if (args.get("x") instanceof ScalarVal s) {
					return new ScalarVal(builder.unary(kind, s.value(), at));
				}
				return new TensorOp(builder.unary(kind, tensor(args, "x", c), at));
			}
			case "float": {
				// A Python float: folded when known, else the f64 value of a dim known at run time.
				Operand x = required(args, "x", c);
				return switch (x) {
					case Num n -> new Num(n.value(), false);
					case DimNum d -> new ScalarVal(materialize(d, DType.F64, at));
					case ScalarVal v -> v;
					case Str str -> new Num(pythonFloat(str.value(), at), false);
					default -> throw new LoweringException("float() of " + describe(x) + ": it takes a number or a dim", at);
				};
			}
			case "int": {
				// A Python int: truncated toward zero when known; a dim stays a dim.
				Operand x = required(args, "x", c);
				return switch (x) {
					case Num n -> new Num(n.value() < 0 ? Math.ceil(n.value()) : Math.floor(n.value()), true);
					case DimNum d -> d;
					case ScalarVal v -> throw new LoweringException(
							"int() of a float known only at run time: use // on ints (a dim // 2) to stay an int", at);
					default -> throw new LoweringException("int() of " + describe(x) + ": it takes a number or a dim", at);
				};
			}
			case "gelu":
				return new TensorOp(builder.unary(bool(args, "approximate", false, c) ? UnaryKind.GELU_TANH : UnaryKind.GELU, tensor(args, "x", c), at));
			case "maximum", "minimum":
				return new TensorOp(elementwise(name.equals("maximum") ? BinaryKind.MAX : BinaryKind.MIN, required(args, "a", c), required(args, "b", c), c, f));
			case "matmul":
				return matmul(required(args, "a", c), required(args, "b", c), c);
			case "where": {
				Value cond = materialize(required(args, "condition", c), DType.BOOL, at);
				Operand a = required(args, "a", c);
				Operand b = required(args, "b", c);
				Type.Tensor expected = f.expected(c);
				DType dt = expected != null ? expected.dtype() : promote(strongDtype(a), strongDtype(b));
				return new TensorOp(builder.select(cond, materialize(a, dt, at), materialize(b, dt, at), at));
			}
			case "zeros", "ones": {
				// A constant broadcast to the shape: fused, it is a tile filled in registers, never memory.
				Type.Tensor expected = f.expected(c);
				if (expected == null) {
					throw unsupported(name + "(...) of a shape the type checker does not know", c);
				}
				return new TensorOp(builder.broadcastTo(builder.constant(name.equals("ones") ? 1 : 0, expected.dtype(), at), expected.dims(), at));
			}
			case "dropout":
				// Compiled functions run in inference mode, where dropout is the identity (as torch's eval()).
				return new TensorOp(tensor(args, "x", c));
			case "attention":
				return new TensorOp(attention(args, sig, c));
			case "sum", "mean", "max", "min": {
				Value x = tensor(args, "x", c);
				return new TensorOp(builder.reduce(ReduceKind.valueOf(name.toUpperCase(java.util.Locale.ROOT)), x, axes(args, x, c, true),
						bool(args, "keepdims", false, c), at));
			}
			case "var": {
				Value x = tensor(args, "x", c);
				List<Integer> axes = axes(args, x, c, true);
				Value mu = builder.reduce(ReduceKind.MEAN, x, axes, true, at);
				Value centered = builder.binary(BinaryKind.SUB, x, mu, at);
				Value sq = builder.binary(BinaryKind.MUL, centered, centered, at);
				return new TensorOp(builder.reduce(ReduceKind.MEAN, sq, axes, bool(args, "keepdims", false, c), at));
			}
			case "softmax", "log_softmax": {
				Value input = tensor(args, "x", c);
				// Statistics of 16-bit inputs are computed in f32, as the normalization layers of torch do.
				Value x = builder.cast(input, wide(input), at);
				List<Integer> axis = axes(args, x, c, false);
				if (axis.isEmpty()) {
					axis = List.of(x.rank() - 1);
				}
				Value m = builder.reduce(ReduceKind.MAX, x, axis, true, at);
				Value shifted = builder.binary(BinaryKind.SUB, x, m, at);
				Value e = builder.unary(UnaryKind.EXP, shifted, at);
				Value s = builder.reduce(ReduceKind.SUM, e, axis, true, at);
				// e * (1 / s): one division per row instead of one per element.
				Value y = name.equals("softmax")
						? builder.binary(BinaryKind.MUL, e, builder.binary(BinaryKind.DIV, builder.constant(1, x.type().dtype(), at), s, at), at)
						: builder.binary(BinaryKind.SUB, shifted, builder.unary(UnaryKind.LOG, s, at), at);
				return new TensorOp(builder.cast(y, input.type().dtype(), at));
			}
			case "rmsnorm": {
				Value input = tensor(args, "x", c);
				Value x = builder.cast(input, wide(input), at);
				DType dt = x.type().dtype();
				List<Integer> last = List.of(x.rank() - 1);
				Value sq = builder.binary(BinaryKind.MUL, x, x, at);
				Value ms = builder.reduce(ReduceKind.MEAN, sq, last, true, at);
				Value eps = materialize(scalar(args, "eps", sig, c), dt, at);
				Value inv = builder.unary(UnaryKind.RSQRT, builder.binary(BinaryKind.ADD, ms, eps, at), at);
				Value y = builder.binary(BinaryKind.MUL, x, inv, at);
				Value w = optionalTensor(args, "weight", c);
				if (w != null) {
					y = builder.binary(BinaryKind.MUL, y, builder.cast(w, dt, at), at);
				}
				return new TensorOp(builder.cast(y, input.type().dtype(), at));
			}
			case "layernorm": {
				Value input = tensor(args, "x", c);
				Value x = builder.cast(input, wide(input), at);
				DType dt = x.type().dtype();
				List<Integer> last = List.of(x.rank() - 1);
				Value mu = builder.reduce(ReduceKind.MEAN, x, last, true, at);
				Value centered = builder.binary(BinaryKind.SUB, x, mu, at);
				Value variance = builder.reduce(ReduceKind.MEAN, builder.binary(BinaryKind.MUL, centered, centered, at), last, true, at);
				Value eps = materialize(scalar(args, "eps", sig, c), dt, at);
				Value inv = builder.unary(UnaryKind.RSQRT, builder.binary(BinaryKind.ADD, variance, eps, at), at);
				Value y = builder.binary(BinaryKind.MUL, centered, inv, at);
				Value w = optionalTensor(args, "weight", c);
				if (w != null) {
					y = builder.binary(BinaryKind.MUL, y, builder.cast(w, dt, at), at);
				}
				Value b = optionalTensor(args, "bias", c);
				if (b != null) {
					y = builder.binary(BinaryKind.ADD, y, builder.cast(b, dt, at), at);
				}
				return new TensorOp(builder.cast(y, input.type().dtype(), at));
			}
			case "reshape": {
				Value x = tensor(args, "x", c);
				Type.Tensor to = f.expected(c);
				if (to == null) {
					throw unsupported("a reshape whose shape the type checker could not tell", c);
				}
				return new TensorOp(builder.reshape(x, to.dims(), at));
			}
			case "transpose": {
				Value x = tensor(args, "x", c);
				Operand axesArg = args.get("axes");
				List<Integer> perm = new ArrayList<>();
				if (axesArg == null || axesArg instanceof NoneV) {
					for (int i = x.rank() - 1; i >= 0; i--) {
						perm.add(i);
					}
				} else if (axesArg instanceof Tup tup) {
					for (Operand o : tup.elements()) {
						perm.add(axis(o, x.rank(), c));
					}
				} else {
					throw unsupported("transpose axes given as " + describe(axesArg), c);
				}
				return new TensorOp(builder.transpose(x, perm, at));
			}
			case "concat": {
				if (!(args.get("xs") instanceof Tup xs) || xs.elements().isEmpty()) {
					throw unsupported("concat of anything but a literal tuple or list of tensors", c);
				}
				Type.Tensor want = f.expected(c);
				List<Value> inputs = new ArrayList<>();
				for (Operand o : xs.elements()) {
					if (!(o instanceof TensorOp t)) {
						throw unsupported("concat of " + describe(o), c);
					}
					inputs.add(t.value());
				}
				DType dt = want != null ? want.dtype() : inputs.get(0).type().dtype();
				List<Value> cast = new ArrayList<>();
				for (Value v : inputs) {
					cast.add(builder.cast(v, dt, at));
				}
				Operand axisArg = args.getOrDefault("axis", new Num(0, true));
				return new TensorOp(builder.concat(cast, axis(axisArg, inputs.get(0).rank(), c), at));
			}
			case "cast": {
				Value x = tensor(args, "x", c);
				if (!(args.get("dtype") instanceof DTypeV d)) {
					throw unsupported("cast to a dtype not named in the source", c);
				}
				return new TensorOp(builder.cast(x, d.dtype(), at));
			}
			default:
				throw unsupported("the builtin '" + name + "'", c);
		}
	}

	/**
	 * softmax(q @ k^T * scale [+ causal mask]) @ v with the softmax in f32 (dropout is the identity
	 * in inference). The causal mask lets query i see keys j <= i + (Sk - Sq), aligning the last
	 * query with the last key as a KV cache does.
	 */
	private Value attention(Map<String, Operand> args, Signature sig, Call c) throws LoweringException {
		SourceRange at = range(c);
		Value q = tensor(args, "q", c);
		Value k = tensor(args, "k", c);
		Value v = tensor(args, "v", c);
		if (args.get("cache") != null && !(args.get("cache") instanceof NoneV)) {
			throw unsupported("attention with a KV cache", c);
		}
		int r = k.rank();
		List<Integer> swap = new ArrayList<>();
		for (int i = 0; i < r; i++) {
			swap.add(i == r - 2 ? r - 1 : i == r - 1 ? r - 2 : i);
		}
		DType dt = q.type().dtype();
		Value scores = builder.cast(builder.matmul(q, builder.transpose(k, swap, at), at), DType.F32, at);
		Operand scaleArg = args.get("scale");
		Value scale;
		if (scaleArg == null || scaleArg instanceof NoneV) {
			Dim dh = q.type().dims().get(q.rank() - 1);
			scale = builder.unary(UnaryKind.RSQRT, builder.dimValue(dh, DType.F32, at), at);
		} else {
			scale = materialize(scaleArg, DType.F32, at);
		}
		scores = builder.binary(BinaryKind.MUL, scores, scale, at);
		if (bool(args, "causal", false, c)) {
			List<Dim> square = scores.type().dims().subList(scores.rank() - 2, scores.rank());
			Value rows = builder.iota(square, 0, at);
			Value cols = builder.iota(square, 1, at);
			Dim offset = square.get(1).minus(square.get(0));
			if (!offset.isZero()) {
				rows = builder.binary(BinaryKind.ADD, rows, builder.dimValue(offset, DType.I64, at), at);
			}
			Value visible = builder.binary(BinaryKind.LE, cols, rows, at);
			scores = builder.select(visible, scores, builder.constant(Double.NEGATIVE_INFINITY, DType.F32, at), at);
		}
		List<Integer> last = List.of(scores.rank() - 1);
		Value m = builder.reduce(ReduceKind.MAX, scores, last, true, at);
		Value e = builder.unary(UnaryKind.EXP, builder.binary(BinaryKind.SUB, scores, m, at), at);
		Value p = builder.binary(BinaryKind.DIV, e, builder.reduce(ReduceKind.SUM, e, last, true, at), at);
		return builder.matmul(builder.cast(p, dt, at), v, at);
	}

	/** f32 for 16-bit floats, else the value's own dtype: the precision normalization statistics need. */
	private static DType wide(Value x) {
		DType d = x.type().dtype();
		return d == DType.BF16 || d == DType.F16 ? DType.F32 : d;
	}

	/** Python's float(str): a decimal number, or inf/infinity/nan with an optional sign, any case. */
	private static double pythonFloat(String text, SourceRange at) throws LoweringException {
		String t = text.strip().toLowerCase(java.util.Locale.ROOT);
		boolean negative = t.startsWith("-");
		String body = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
		if (body.equals("inf") || body.equals("infinity")) {
			return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
		}
		if (body.equals("nan")) {
			return Double.NaN;
		}
		try {
			if (!body.matches("[0-9._e+-]+")) {
				throw new NumberFormatException();
			}
			return Double.parseDouble(t.replace("_", ""));
		} catch (NumberFormatException e) {
			throw new LoweringException("float() of the string \"" + text + "\": not a number", at);
		}
	}

	private Operand required(Map<String, Operand> args, String param, Call c) throws LoweringException {
		Operand o = args.get(param);
		if (o == null) {
			throw new LoweringException("missing argument '" + param + "'", range(c));
		}
		return o;
	}

	private Value tensor(Map<String, Operand> args, String param, Call c) throws LoweringException {
		Operand o = required(args, param, c);
		if (!(o instanceof TensorOp t)) {
			throw unsupported("argument '" + param + "' as " + describe(o) + " (a tensor is expected)", c);
		}
		return t.value();
	}

	private Value optionalTensor(Map<String, Operand> args, String param, Call c) throws LoweringException {
		Operand o = args.get(param);
		return o == null || o instanceof NoneV ? null : tensor(args, param, c);
	}

	private boolean bool(Map<String, Operand> args, String param, boolean fallback, Call c) throws LoweringException {
		Operand o = args.get(param);
		if (o == null) {
			return fallback;
		}
		if (o instanceof Num n) {
			return n.value() != 0;
		}
		throw unsupported("'" + param + "=' given as " + describe(o) + " (a constant is expected)", c);
	}

	/** A scalar argument, or the builtin's default for it. */
	private Operand scalar(Map<String, Operand> args, String param, Signature sig, Call c) throws LoweringException {
		Operand o = args.get(param);
		if (o == null && sig.definition() != null) {
			for (Parameter p : sig.definition().getParams()) {
				if (param.equals(p.getName()) && p.getDefault() != null) {
					o = literal(p.getDefault());
				}
			}
		}
		if (o == null || !isScalar(o)) {
			throw unsupported("'" + param + "=' given as " + (o == null ? "nothing" : describe(o)), c);
		}
		return o;
	}

	/** The axes of a reduction (all of them for axis=None when {@code allWhenNone}), sorted. */
	private List<Integer> axes(Map<String, Operand> args, Value x, Call c, boolean allWhenNone) throws LoweringException {
		Operand a = args.get("axis");
		List<Integer> out = new ArrayList<>();
		if (a == null || a instanceof NoneV) {
			if (allWhenNone) {
				for (int i = 0; i < x.rank(); i++) {
					out.add(i);
				}
			}
			return out;
		}
		if (a instanceof Tup tup) {
			for (Operand o : tup.elements()) {
				int axis = axis(o, x.rank(), c);
				if (!out.contains(axis)) {
					out.add(axis);
				}
			}
		} else {
			out.add(axis(a, x.rank(), c));
		}
		out.sort(null);
		return out;
	}

	private int axis(Operand o, int rank, Call c) throws LoweringException {
		long a;
		if (o instanceof Num n && n.integer()) {
			a = (long) n.value();
		} else if (o instanceof DimNum d && d.dim().isConstant()) {
			a = d.dim().constantValue().getAsLong();
		} else {
			throw unsupported("an axis given as " + describe(o) + " (a constant int is expected)", c);
		}
		if (a < -rank || a >= rank) {
			throw new LoweringException("axis " + a + " is out of range for rank " + rank, range(c));
		}
		return (int) (a < 0 ? a + rank : a);
	}

	// ------------------------------------------------------------------ scalars

	private static boolean isScalar(Operand o) {
		return o instanceof Num || o instanceof DimNum || o instanceof ScalarVal;
	}

	private static boolean isInt(Operand o) {
		return o instanceof Num n && n.integer() && n.value() == Math.rint(n.value()) || o instanceof DimNum;
	}

	private static Dim intDim(Operand o) {
		return o instanceof DimNum d ? d.dim() : Dim.of((long) ((Num) o).value());
	}

	private static DType strongDtype(Operand o) {
		return o instanceof TensorOp t ? t.value().type().dtype() : null;
	}

	private static DType promote(DType a, DType b) {
		return a == null ? b : b == null ? a : DType.promote(a, b);
	}

	/** A tensor or scalar operand as a value of {@code dtype} (a scalar becomes a rank-0 value). */
	private Value materialize(Operand o, DType dtype, SourceRange at) throws LoweringException {
		return switch (o) {
			case TensorOp t -> builder.cast(t.value(), dtype, at);
			case ScalarVal s -> builder.cast(s.value(), dtype, at);
			case Num n -> builder.constant(n.value(), dtype, at);
			case DimNum d -> builder.dimValue(d.dim(), dtype, at);
			default -> throw new LoweringException(describe(o) + " where a number or tensor is expected", at);
		};
	}

	private static String describe(Operand o) {
		return switch (o) {
			case TensorOp t -> "a tensor " + ShapeRules.show(t.value().type());
			case Num n -> n.integer() ? "an int" : "a float";
			case DimNum d -> "an int";
			case ScalarVal s -> "a float";
			case Tup t -> "a tuple";
			case Str s -> "a string";
			case NoneV n -> "None";
			case DTypeV d -> "a dtype";
			case Cond c -> "a condition known at run time";
		};
	}

	// ------------------------------------------------------------------ source ranges

	private LoweringException unsupported(String what, EObject where) {
		return new LoweringException(what + " is not supported by the Graph IR lowering yet", range(where));
	}

	private final Map<String, int[]> lineStarts = new HashMap<>();

	SourceRange range(EObject e) {
		ICompositeNode node = e == null ? null : NodeModelUtils.findActualNodeFor(e);
		if (node == null) {
			return SourceRange.NONE;
		}
		String text = node.getRootNode().getText();
		int offset = node.getOffset();
		int[] starts = lineStarts.computeIfAbsent(text, Lowering::lineStarts);
		int line = java.util.Arrays.binarySearch(starts, offset);
		if (line < 0) {
			line = -line - 2;
		}
		return new SourceRange(offset, node.getLength(), line + 1, offset - starts[line] + 1);
	}

	private static int[] lineStarts(String text) {
		List<Integer> starts = new ArrayList<>();
		starts.add(0);
		for (int i = 0; i < text.length(); i++) {
			if (text.charAt(i) == '\n') {
				starts.add(i + 1);
			}
		}
		return starts.stream().mapToInt(Integer::intValue).toArray();
	}
}
