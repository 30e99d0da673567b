package dev.forge.types;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.AnnotatedAssignment;
import dev.forge.forge.Argument;
import dev.forge.forge.Assert;
import dev.forge.forge.Assignment;
import dev.forge.forge.Attribute;
import dev.forge.forge.AugmentedAssignment;
import dev.forge.forge.BinaryExpr;
import dev.forge.forge.BoolLiteral;
import dev.forge.forge.Call;
import dev.forge.forge.CompareExpr;
import dev.forge.forge.ConditionalExpr;
import dev.forge.forge.Decorator;
import dev.forge.forge.DictExpr;
import dev.forge.forge.Elif;
import dev.forge.forge.EllipsisLiteral;
import dev.forge.forge.Expression;
import dev.forge.forge.ExpressionStatement;
import dev.forge.forge.FloatLiteral;
import dev.forge.forge.For;
import dev.forge.forge.FromImport;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.If;
import dev.forge.forge.Import;
import dev.forge.forge.ImportedModule;
import dev.forge.forge.ImportedName;
import dev.forge.forge.IntLiteral;
import dev.forge.forge.ListExpr;
import dev.forge.forge.Module;
import dev.forge.forge.Name;
import dev.forge.forge.NoneLiteral;
import dev.forge.forge.Parameter;
import dev.forge.forge.Return;
import dev.forge.forge.SetExpr;
import dev.forge.forge.Slice;
import dev.forge.forge.Statement;
import dev.forge.forge.StringLiteral;
import dev.forge.forge.Subscript;
import dev.forge.forge.Suite;
import dev.forge.forge.TupleExpr;
import dev.forge.forge.UnaryExpr;
import dev.forge.forge.While;
import dev.forge.forge.With;
import dev.forge.forge.WithItem;
import dev.forge.util.Names;
import dev.forge.validation.IssueCodes;

/**
 * Infers the type of every expression of a module and reports shape, dtype and name errors. One
 * forward pass over the statements, Python's scoping (module, function), signatures from
 * annotations and the prelude. Dims named in a signature are rigid inside the function: they are
 * symbols that must hold for every value, so [P,Q] never equals [Q,P].
 */
public final class TypeChecker implements Annotations.Problems {

	/** Schedule parameters a kernel reads through tile.context(), and the dims they stand for. */
	static final Map<String, String> CONTEXT_FIELDS = Map.of("m", "BM", "n", "BN", "k", "BK", "d", "BD", "vector", "VEC", "warps", "WARPS",
			"stages", "STAGES");

	private final Prelude prelude;
	// Swapped for fresh ones while a top-level function body is checked, to keep its part (FunctionResults).
	private Map<EObject, Type> types = new IdentityHashMap<>();
	private List<SourceDiagnostic> diagnostics = new ArrayList<>();
	private final Map<FunctionDef, Signature> signatures = new IdentityHashMap<>();
	private final Annotations annotations = new Annotations(this, false);
	private Map<FunctionDef, Set<String>> contextReads = new IdentityHashMap<>();
	private Map<Name, EObject> definitions = new IdentityHashMap<>();
	private Scope scope;
	private FunctionDef currentFunction;
	/** The results of the previous check of this module's file, to reuse; null for none. */
	private final FunctionResults previous;
	/** The results of this check, per top-level function. */
	private final FunctionResults results = new FunctionResults();
	/** The entry of the top-level function body being checked: what it reads from the module scope. */
	private FunctionResults.Entry recording;

	private TypeChecker(Prelude prelude, FunctionResults previous) {
		this.prelude = prelude;
		this.previous = previous;
		if (previous != null) {
			// Sized for what the previous check of the file found: no rehashing while reused results are added.
			types = new IdentityHashMap<>(previous.typeCount + 64);
			definitions = new IdentityHashMap<>(previous.definitionCount + 64);
		}
	}

	public static TypeCheckResult check(Module module) {
		return check(module, null).result();
	}

	/** A check and its per-function results, which the next check of the same (edited in place) file may reuse. */
	record Checked(TypeCheckResult result, FunctionResults functions) {
	}

	static Checked check(Module module, FunctionResults previous) {
		TypeChecker checker = new TypeChecker(Prelude.get(), previous);
		checker.module(module);
		checker.results.typeCount = checker.types.size();
		checker.results.definitionCount = checker.definitions.size();
		return new Checked(new TypeCheckResult(checker.types, checker.diagnostics, checker.signatures, checker.definitions), checker.results);
	}

	@Override
	public void report(boolean error, String code, String message, int offset, int length) {
		diagnostics.add(error ? SourceDiagnostic.error(code, message, offset, length) : SourceDiagnostic.warning(code, message, offset, length));
	}

	// ------------------------------------------------------------------ scopes

	private static final class Binding {
		Type type;
		final EObject definition;
		final boolean parameter;
		boolean used;

		Binding(Type type, EObject definition, boolean parameter) {
			this.type = type;
			this.definition = definition;
			this.parameter = parameter;
		}
	}

	private static final class Scope {
		final Scope parent;
		final Map<String, Binding> names = new LinkedHashMap<>();
		final boolean function;

		Scope(Scope parent, boolean function) {
			this.parent = parent;
			this.function = function;
		}
	}

	private void bind(String name, Type type, EObject definition, boolean parameter) {
		if (name == null) {
			return;
		}
		Binding existing = scope.names.get(name);
		if (existing != null && !parameter) {
			existing.type = type;
			return;
		}
		// Parameters mirror API names (dropout=, max=), so only assignments and defs warn.
		if (prelude.builtins().containsKey(name) && definition != null && !parameter) {
			warning(IssueCodes.SHADOWED_BUILTIN, "'" + name + "' shadows the builtin " + name + "()", definition);
		}
		scope.names.put(name, new Binding(type, definition, parameter));
	}

	// ------------------------------------------------------------------ statements

	private void module(Module module) {
		scope = new Scope(null, false);
		for (EObject item : module.getBody()) {
			if (item instanceof FunctionDef def && def.getName() != null) {
				scope.names.put(def.getName(), new Binding(new Type.Function(topLevelSignature(def)), def, false));
			}
		}
		for (EObject item : module.getBody()) {
			if (item instanceof Statement s && !(item instanceof FunctionDef)) {
				statement(s);
			}
		}
		for (EObject item : module.getBody()) {
			if (item instanceof FunctionDef def) {
				topLevelFunctionBody(def);
			}
		}
	}

	/** A top-level function's signature: the previous check's for the same (so unchanged) function, with what reading it reported. */
	private Signature topLevelSignature(FunctionDef def) {
		int offset = FunctionResults.offsetOf(def);
		FunctionResults.SignatureEntry old = previous == null ? null : previous.signature(def);
		if (old != null && offset >= 0 && !signatures.containsKey(def)) {
			signatures.put(def, old.signature());
			List<SourceDiagnostic> moved = FunctionResults.moved(old.diagnostics(), old.offset(), offset);
			diagnostics.addAll(moved);
			results.putSignature(def, new FunctionResults.SignatureEntry(old.signature(), offset, moved));
			return old.signature();
		}
		boolean known = signatures.containsKey(def);
		List<SourceDiagnostic> outer = diagnostics;
		diagnostics = new ArrayList<>();
		Signature signature;
		try {
			signature = signature(def);
		} finally {
			List<SourceDiagnostic> own = diagnostics;
			diagnostics = outer;
			diagnostics.addAll(own);
			if (!known && offset >= 0 && FunctionResults.within(own, offset, FunctionResults.endOf(def))) {
				results.putSignature(def, new FunctionResults.SignatureEntry(signatures.get(def), offset, own));
			}
		}
		return signature;
	}

	/**
	 * A top-level function's body: reused from the previous check when the function is the same object
	 * and everything it resolved at module level resolves the same; else checked, recording that.
	 */
	private void topLevelFunctionBody(FunctionDef def) {
		int offset = FunctionResults.offsetOf(def);
		FunctionResults.Entry old = previous == null ? null : previous.get(def);
		if (old != null && offset >= 0 && stillValid(old)) {
			types.putAll(old.types);
			definitions.putAll(old.definitions);
			signatures.putAll(old.signatures);
			contextReads.putAll(old.contextReads);
			List<SourceDiagnostic> moved = FunctionResults.moved(old.diagnostics, old.offset, offset);
			diagnostics.addAll(moved);
			FunctionResults.Entry kept = old;
			if (moved != old.diagnostics) {
				kept = copyAt(old, offset, moved);
			}
			results.put(def, kept);
			return;
		}
		Map<EObject, Type> outerTypes = types;
		List<SourceDiagnostic> outerDiagnostics = diagnostics;
		Map<Name, EObject> outerDefinitions = definitions;
		Map<FunctionDef, Set<String>> outerContextReads = contextReads;
		FunctionResults.Entry entry = new FunctionResults.Entry();
		types = new IdentityHashMap<>();
		diagnostics = new ArrayList<>();
		definitions = new IdentityHashMap<>();
		contextReads = new IdentityHashMap<>();
		recording = entry;
		try {
			functionBody(def);
		} finally {
			recording = null;
			entry.types = types;
			entry.diagnostics = diagnostics;
			entry.definitions = definitions;
			entry.contextReads = contextReads;
			types = outerTypes;
			diagnostics = outerDiagnostics;
			definitions = outerDefinitions;
			contextReads = outerContextReads;
			types.putAll(entry.types);
			diagnostics.addAll(entry.diagnostics);
			definitions.putAll(entry.definitions);
			contextReads.putAll(entry.contextReads);
		}
		// A diagnostic reported somewhere else cannot move with the function.
		if (entry.cacheable && offset >= 0 && FunctionResults.within(entry.diagnostics, offset, FunctionResults.endOf(def))) {
			entry.offset = offset;
			results.put(def, entry);
		}
	}

	private static FunctionResults.Entry copyAt(FunctionResults.Entry old, int offset, List<SourceDiagnostic> diagnostics) {
		FunctionResults.Entry e = new FunctionResults.Entry();
		e.lookups.putAll(old.lookups);
		e.moduleNames = old.moduleNames;
		e.offset = offset;
		e.types = old.types;
		e.definitions = old.definitions;
		e.signatures = old.signatures;
		e.contextReads = old.contextReads;
		e.diagnostics = diagnostics;
		return e;
	}

	/** Whether every module-level name a previous body check resolved still resolves the same. */
	private boolean stillValid(FunctionResults.Entry entry) {
		Scope module = scope;
		if (module == null || module.parent != null) {
			return false;
		}
		if (entry.moduleNames != null && !entry.moduleNames.equals(module.names.keySet())) {
			return false;
		}
		for (Map.Entry<String, FunctionResults.Resolution> e : entry.lookups.entrySet()) {
			Binding b = module.names.get(e.getKey());
			FunctionResults.Resolution then = e.getValue();
			if (b == null ? then != null : !new FunctionResults.Resolution(b.type, b.definition, b.parameter).sameAs(then)) {
				return false;
			}
		}
		return true;
	}

	/** {@link Scope#lookup}, noting what a recorded function body resolves at module level. */
	private Binding lookup(String name) {
		for (Scope s = scope; s != null; s = s.parent) {
			Binding b = s.names.get(name);
			if (s.parent == null && recording != null) {
				recording.lookups.putIfAbsent(name, b == null ? null : new FunctionResults.Resolution(b.type, b.definition, b.parameter));
			}
			if (b != null) {
				return b;
			}
		}
		return null;
	}

	Signature signature(FunctionDef def) {
		Signature known = signatures.get(def);
		if (known != null) {
			return known;
		}
		Signature read = SignatureReader.read(def, annotations);
		signatures.put(def, read);
		if (recording != null) {
			recording.signatures.put(def, read);
		}
		return read;
	}

	private void statements(List<? extends Statement> statements) {
		for (Statement s : statements) {
			statement(s);
		}
	}

	private void suite(Suite suite) {
		if (suite != null) {
			statements(suite.getStatements());
		}
	}

	private void statement(Statement s) {
		if (s == null) {
			return;
		}
		switch (s) {
			case FunctionDef def -> {
				bind(def.getName(), new Type.Function(signature(def)), def, false);
				functionBody(def);
			}
			case Assignment a -> assign(target(a.getTarget()), infer(a.getValue()));
			case AnnotatedAssignment a -> annotatedAssignment(a);
			case AugmentedAssignment a -> augmentedAssignment(a);
			case ExpressionStatement e -> infer(e.getExpression());
			case Return r -> returnStatement(r);
			case If i -> {
				infer(i.getCondition());
				suite(i.getThen());
				for (Elif elif : i.getElifs()) {
					infer(elif.getCondition());
					suite(elif.getBody());
				}
				suite(i.getOrelse());
			}
			case For f -> {
				Type iterable = infer(f.getIterable());
				assign(f.getTarget(), elementOf(iterable));
				markUsed(f.getTarget()); // a loop variable may go unused (for _ in range(n) style)
				suite(f.getBody());
				suite(f.getOrelse());
			}
			case While w -> {
				infer(w.getCondition());
				suite(w.getBody());
				suite(w.getOrelse());
			}
			case With w -> {
				for (WithItem item : w.getItems()) {
					Type context = infer(item.getContext());
					if (item.getTarget() != null) {
						assign(item.getTarget(), context);
					}
				}
				suite(w.getBody());
			}
			case Assert a -> {
				infer(a.getCondition());
				if (a.getMessage() != null) {
					infer(a.getMessage());
				}
			}
			case Import i -> {
				noteImport();
				for (ImportedModule m : i.getModules()) {
					String name = m.getAlias() != null ? m.getAlias() : m.getName() == null ? null : m.getName().split("\\.")[0];
					bind(name, new Type.Namespace(m.getName()), m, false);
				}
			}
			case FromImport f -> {
				noteImport();
				for (ImportedName n : f.getNames()) {
					FunctionDef def = n.getFunction() != null && !n.getFunction().eIsProxy() ? n.getFunction() : null;
					String name = n.getAlias() != null ? n.getAlias() : def != null ? def.getName() : nodeText(n);
					bind(name, def == null ? Type.UNKNOWN : new Type.Function(signature(def)), n, false);
				}
			}
			default -> {
			}
		}
	}

	/** An import inside a function body resolves another file's functions: such a body is not kept for reuse. */
	private void noteImport() {
		if (recording != null) {
			recording.cacheable = false;
		}
	}

	private static Expression target(EObject statement) {
		return statement instanceof ExpressionStatement e ? e.getExpression() : null;
	}

	private void functionBody(FunctionDef def) {
		Signature sig = signature(def);
		for (Decorator d : def.getDecorators()) {
			decorator(d, def);
		}
		Scope outer = scope;
		FunctionDef outerFunction = currentFunction;
		scope = new Scope(outer, true);
		currentFunction = def;
		for (Parameter p : def.getParams()) {
			if (p.getName() == null) {
				continue;
			}
			Signature.Param param = sig.param(p.getName());
			Type type = param == null ? Type.UNKNOWN : param.type();
			if (p.isStar()) {
				type = new Type.Tuple(List.of());
			} else if (p.isDoubleStar()) {
				type = new Type.Dict();
			} else if (type instanceof Type.Scalar scalar && scalar.kind() == Type.Scalar.Kind.INT) {
				// An int parameter is a dim the caller chooses: `heads` may size a reshape.
				type = new Type.Scalar(Type.Scalar.Kind.INT, Dim.symbol(p.getName()));
			}
			if (p.getDefault() != null) {
				infer(p.getDefault());
			}
			bind(p.getName(), type, p, true);
		}
		markNamedInSignature(sig);
		suite(def.getBody());
		reportUnused(scope);
		scope = outer;
		currentFunction = outerFunction;
		if (sig.kernel()) {
			checkAutotune(def);
		}
	}

	/** An int parameter that sizes a dim of the signature ("D//heads") is used by the signature itself. */
	private void markNamedInSignature(Signature sig) {
		List<Type> types = new ArrayList<>();
		sig.params().forEach(p -> types.add(p.type()));
		types.add(sig.result());
		for (int i = 0; i < types.size(); i++) {
			Type t = types.get(i);
			List<Dim> dims = t instanceof Type.Tensor x ? x.dims() : t instanceof Type.KTile k ? k.dims() : null;
			if (t instanceof Type.Tuple tuple) {
				types.addAll(tuple.elements());
			}
			if (dims != null) {
				for (Dim d : dims) {
					for (String symbol : d.symbols()) {
						Binding b = scope.names.get(symbol);
						if (b != null) {
							b.used = true;
						}
					}
				}
			}
		}
	}

	private void reportUnused(Scope s) {
		for (Map.Entry<String, Binding> e : s.names.entrySet()) {
			Binding b = e.getValue();
			if (b.used || e.getKey().startsWith("_") || b.definition == null || b.definition instanceof FunctionDef) {
				continue;
			}
			if (b.parameter) {
				warning(IssueCodes.UNUSED, "parameter '" + e.getKey() + "' is never used", b.definition);
			} else {
				warning(IssueCodes.UNUSED, "'" + e.getKey() + "' is assigned but never used", b.definition);
			}
		}
	}

	private void decorator(Decorator d, FunctionDef def) {
		Expression e = d.getExpression();
		if (e instanceof Call call && SignatureReader.isKernelDecorator(e)) {
			for (Argument a : call.getArgs()) {
				if (!"space".equals(a.getName())) {
					infer(a.getValue());
				}
			}
			return;
		}
		infer(e);
	}

	private void annotatedAssignment(AnnotatedAssignment a) {
		Type declared = annotations.read(a.getType());
		Expression target = target(a.getTarget());
		if (a.getValue() != null) {
			Type value = infer(a.getValue());
			String what = target instanceof Name n ? "'" + n.getId() + "'" : "the target";
			checkAgainst(declared, value, what + " is declared " + Type.show(declared) + ", but the value is " + Type.show(value), a.getValue(),
					IssueCodes.TYPE_MISMATCH);
		}
		assign(target, declared);
	}

	private void augmentedAssignment(AugmentedAssignment a) {
		Expression target = target(a.getTarget());
		Type current = infer(target);
		Type value = infer(a.getValue());
		String op = a.getOp().substring(0, a.getOp().length() - 1);
		Type result = binary(op, current, value, target, a.getValue(), a);
		if (current instanceof Type.Tensor t && result instanceof Type.Tensor r && t.dims() != null && r.dims() != null
				&& (t.dims().size() != r.dims().size() || Shapes.firstDifference(t.dims(), r.dims()) != null)) {
			error(IssueCodes.SHAPE_MISMATCH, "'" + a.getOp() + "' would change the shape of " + nodeText(target) + " from " + Shapes.show(t.dims()) + " to "
					+ Shapes.show(r.dims()), a);
		}
		types.put(a, result);
	}

	private void returnStatement(Return r) {
		Type value = r.getValue() == null ? Type.NONE : infer(r.getValue());
		if (currentFunction == null) {
			return;
		}
		Signature sig = signature(currentFunction);
		if (sig.result() instanceof Type.Unknown) {
			return;
		}
		checkAgainst(sig.result(), value, "'" + sig.name() + "' returns " + Type.show(value) + ", but declares " + Type.show(sig.result()),
				r.getValue() != null ? r.getValue() : r, IssueCodes.RETURN_MISMATCH);
	}

	/** A value against a declared type: shapes dim by dim, then dtypes. Unknown parts are not checked. */
	private void checkAgainst(Type declared, Type value, String message, EObject where, String code) {
		if (declared instanceof Type.Tensor d && value instanceof Type.Tensor v) {
			if (d.dims() != null && v.dims() != null && d.variadic() == null) {
				if (d.dims().size() != v.dims().size()) {
					error(code, message + ": " + v.dims().size() + " dims instead of " + d.dims().size(), where);
					return;
				}
				Shapes.Difference diff = Shapes.firstDifference(d.dims(), v.dims());
				if (diff != null && diff.relation() == Dim.Relation.DIFFERENT) {
					error(code, message + ": " + diff.describe(), where);
					return;
				}
				if (diff != null) {
					warning(IssueCodes.UNDECIDED_DIM, message.replaceFirst(", but", ", and") + ": cannot tell whether " + diff.actual() + " equals "
							+ diff.expected(), where);
				}
			}
			if (d.dtype() != null && v.dtype() != null && d.dtype() != v.dtype()) {
				error(IssueCodes.DTYPE_MISMATCH, message + ": dtype " + v.dtype().sourceName() + " instead of " + d.dtype().sourceName()
						+ " (convert with cast(value, " + d.dtype().sourceName() + "))", where);
			}
			return;
		}
		if (declared instanceof Type.Tuple d && value instanceof Type.Tuple v && d.elements().size() == v.elements().size()) {
			for (int i = 0; i < d.elements().size(); i++) {
				checkAgainst(d.elements().get(i), v.elements().get(i), message, where, code);
			}
			return;
		}
		if (!compatible(declared, value)) {
			error(code, message, where);
		}
	}

	/** Whether a value of type {@code value} may stand where {@code declared} is expected, shapes aside. */
	static boolean compatible(Type declared, Type value) {
		if (declared instanceof Type.Unknown || value instanceof Type.Unknown) {
			return true;
		}
		return switch (declared) {
			case Type.Tensor d -> value instanceof Type.Tensor || value instanceof Type.Tile || value instanceof Type.KTile
					|| value instanceof Type.Scalar s && s.kind() != Type.Scalar.Kind.STR || value == Type.NONE;
			case Type.KTile k -> value instanceof Type.KTile || value instanceof Type.Tensor || value instanceof Type.Tile;
			case Type.Scalar d -> switch (d.kind()) {
				case FLOAT -> value instanceof Type.Scalar s && s.kind() != Type.Scalar.Kind.STR || value instanceof Type.Tensor t && t.rank() != null && t.rank() == 0;
				case INT, BOOL -> value instanceof Type.Scalar s && (s.kind() == Type.Scalar.Kind.INT || s.kind() == Type.Scalar.Kind.BOOL)
						|| value instanceof Type.Tensor t && t.rank() != null && t.rank() == 0;
				case STR -> value instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.STR;
				case NONE -> value == Type.NONE;
			};
			case Type.Opaque o -> value instanceof Type.Opaque v && v.name().equals(o.name()) || value == Type.NONE;
			case Type.Tuple t -> value instanceof Type.Tuple || value instanceof Type.ListOf;
			default -> true;
		};
	}

	private void assign(Expression target, Type value) {
		if (target == null) {
			return;
		}
		switch (target) {
			case Name n -> {
				bind(n.getId(), value, n, false);
				types.put(n, value);
			}
			case TupleExpr t -> unpack(t.getElements(), value, target);
			case ListExpr l -> unpack(l.getElements(), value, target);
			default -> infer(target);
		}
	}

	private void markUsed(Expression target) {
		if (target instanceof Name n && scope.names.get(n.getId()) != null) {
			scope.names.get(n.getId()).used = true;
		} else if (target instanceof TupleExpr t) {
			t.getElements().forEach(this::markUsed);
		}
	}

	private void unpack(List<Expression> targets, Type value, Expression where) {
		if (value instanceof Type.Tuple tuple) {
			if (tuple.elements().size() != targets.size()) {
				error(IssueCodes.ARGUMENTS, "cannot unpack " + tuple.elements().size() + " values into " + targets.size() + " names", where);
				targets.forEach(t -> assign(t, Type.UNKNOWN));
				return;
			}
			for (int i = 0; i < targets.size(); i++) {
				assign(targets.get(i), tuple.elements().get(i));
			}
			return;
		}
		Type element = value instanceof Type.ListOf list ? list.element() : Type.UNKNOWN;
		targets.forEach(t -> assign(t, element));
	}

	private static Type elementOf(Type iterable) {
		return switch (iterable) {
			case Type.ListOf l -> l.element();
			case Type.Tuple t -> t.elements().isEmpty() ? Type.UNKNOWN : t.elements().stream().distinct().count() == 1 ? t.elements().get(0) : Type.UNKNOWN;
			case Type.Tensor t when t.dims() != null && !t.dims().isEmpty() -> new Type.Tensor(t.dims().subList(1, t.dims().size()), t.dtype());
			default -> Type.UNKNOWN;
		};
	}

	// ------------------------------------------------------------------ expressions

	Type infer(Expression e) {
		if (e == null) {
			return Type.UNKNOWN;
		}
		Type t;
		try {
			t = inferUncached(e);
		} catch (ArithmeticException ex) {
			error(IssueCodes.SHAPE_MISMATCH, "dim arithmetic fails here: " + overflowText(ex), e);
			t = Type.UNKNOWN;
		}
		types.put(e, t);
		return t;
	}

	/** Why dim arithmetic failed, in the user's terms: a 64-bit overflow is a size past 2^63 - 1. */
	private static String overflowText(ArithmeticException ex) {
		String m = ex.getMessage();
		return m != null && m.endsWith("overflow") ? "a dim or element count passes 2^63 - 1 (sizes are 64-bit)" : m;
	}

	private Type inferUncached(Expression e) {
		return switch (e) {
			case Name n -> name(n);
			case IntLiteral i -> intLiteral(i);
			case FloatLiteral f -> Type.FLOAT;
			case StringLiteral s -> Type.STR;
			case BoolLiteral b -> Type.BOOL;
			case NoneLiteral n -> Type.NONE;
			case EllipsisLiteral x -> Type.UNKNOWN;
			case TupleExpr t -> {
				List<Type> elements = new ArrayList<>();
				t.getElements().forEach(x -> elements.add(infer(x)));
				yield new Type.Tuple(elements);
			}
			case ListExpr l -> {
				Type element = null;
				for (Expression x : l.getElements()) {
					Type xt = infer(x);
					element = element == null || element.equals(xt) ? xt : Type.UNKNOWN;
				}
				yield new Type.ListOf(element == null ? Type.UNKNOWN : element);
			}
			case SetExpr s -> {
				s.getElements().forEach(this::infer);
				yield new Type.ListOf(Type.UNKNOWN);
			}
			case DictExpr d -> {
				d.getEntries().forEach(x -> {
					infer(x.getKey());
					infer(x.getValue());
				});
				yield new Type.Dict();
			}
			case UnaryExpr u -> unary(u);
			case BinaryExpr b -> {
				Type left = infer(b.getLeft());
				Type right = infer(b.getRight());
				yield binary(b.getOp(), left, right, b.getLeft(), b.getRight(), b);
			}
			case CompareExpr c -> {
				Type left = infer(c.getLeft());
				Type result = Type.BOOL;
				for (int i = 0; i < c.getRights().size(); i++) {
					Type right = infer(c.getRights().get(i));
					String op = c.getOps().get(i).replaceAll("\\s+", " ");
					if (!op.equals("in") && !op.equals("not in") && !op.startsWith("is")) {
						Type r = binary("==", left, right, c.getLeft(), c.getRights().get(i), c);
						if (!(r instanceof Type.Scalar)) {
							result = r;
						}
					}
					left = right;
				}
				yield result;
			}
			case ConditionalExpr c -> {
				infer(c.getCondition());
				Type a = infer(c.getThen());
				Type b = infer(c.getOrelse());
				yield a.equals(b) ? a : Type.UNKNOWN;
			}
			case Attribute a -> attribute(a);
			case Subscript s -> subscript(s);
			case Call c -> call(c);
			case Slice s -> {
				infer(s.getLower());
				infer(s.getUpper());
				infer(s.getStep());
				yield Type.UNKNOWN;
			}
			default -> Type.UNKNOWN;
		};
	}

	/** An int of known value; past 64 bits an int of unknown value (the validator reports the literal, F0009). */
	private Type intLiteral(IntLiteral i) {
		OptionalLong v = IntLiterals.value(i.getValue());
		return v.isPresent() ? new Type.Scalar(Type.Scalar.Kind.INT, Dim.of(v.getAsLong())) : Type.INT;
	}

	private Type name(Name n) {
		String id = n.getId();
		if (id == null) {
			return Type.UNKNOWN;
		}
		Binding b = lookup(id);
		if (b != null) {
			b.used = true;
			if (b.definition != null) {
				definitions.put(n, b.definition);
			}
			return b.type;
		}
		Signature builtin = prelude.builtins().get(id);
		if (builtin != null) {
			return new Type.Function(builtin);
		}
		var dtype = DType.bySourceName(id);
		if (dtype.isPresent()) {
			return new Type.DTypeValue(dtype.get());
		}
		switch (id) {
			case "tile":
				return new Type.Namespace("tile");
			case "kernel", "rule":
				return new Type.Opaque("decorator " + id);
			case "Tensor", "KTile", "KVCache", "Mesh", "int", "float", "bool", "str", "tuple", "list":
				return Type.UNKNOWN;
			default:
				break;
		}
		// One- and two-letter names are close to every other short name: no guess for them.
		String suggestion = id.length() < 3 ? null : Names.closest(id, visibleNames()).orElse(null);
		error(IssueCodes.UNDEFINED_NAME, "undefined name '" + id + "'" + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?"), n);
		return Type.UNKNOWN;
	}

	private Set<String> visibleNames() {
		Set<String> names = new HashSet<>(prelude.builtins().keySet());
		for (Scope s = scope; s != null; s = s.parent) {
			names.addAll(s.names.keySet());
			if (s.parent == null && recording != null) {
				recording.moduleNames = new HashSet<>(s.names.keySet());
			}
		}
		names.add("tile");
		return names;
	}

	private Type unary(UnaryExpr u) {
		Type operand = infer(u.getOperand());
		if ("not".equals(u.getOp())) {
			return Type.BOOL;
		}
		if ("~".equals(u.getOp()) && operand instanceof Type.Tile t && !isBoolOperand(t) && !(t.dtype() != null && t.dtype().isInteger())) {
			error(IssueCodes.DTYPE_MISMATCH, "'~' on a tile is the logical not of a bool tile (a mask): " + nodeText(u.getOperand()) + " is " + Type.show(t),
					u);
			return Type.UNKNOWN;
		}
		if (operand instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.INT && s.value() != null && "-".equals(u.getOp())) {
			return new Type.Scalar(Type.Scalar.Kind.INT, s.value().negate());
		}
		return operand;
	}

	/** Arithmetic, matmul and comparison on scalars, dims, tensors and tiles. */
	private Type binary(String op, Type left, Type right, Expression l, Expression r, EObject where) {
		if (op.equals("and") || op.equals("or")) {
			return left.equals(right) ? left : Type.UNKNOWN;
		}
		if (left instanceof Type.Unknown || right instanceof Type.Unknown) {
			return Type.UNKNOWN;
		}
		if (left instanceof Type.Scalar a && right instanceof Type.Scalar b) {
			return scalarArithmetic(op, a, b);
		}
		if (op.equals("@")) {
			return matmul(left, right, l, r, where, "matmul");
		}
		boolean comparison = op.equals("==") || op.equals("!=") || op.equals("<") || op.equals(">") || op.equals("<=") || op.equals(">=");
		if (left instanceof Type.Tile || right instanceof Type.Tile) {
			List<Dim> a = tileDims(left);
			List<Dim> b = tileDims(right);
			if (a == null || b == null) {
				return Type.UNKNOWN;
			}
			boolean bitwise = op.equals("&") || op.equals("|") || op.equals("^") || op.equals("<<") || op.equals(">>");
			boolean intOperands = isIntOperand(left) && isIntOperand(right);
			boolean logical = bitwise && !intOperands && !op.equals("<<") && !op.equals(">>");
			if (bitwise && !intOperands) {
				// On bool tiles & | ^ combine masks; on int tiles (and ints) all five are bitwise.
				for (Type t : List.of(left, right)) {
					if (!isBoolOperand(t) || op.equals("<<") || op.equals(">>")) {
						String takes = op.equals("<<") || op.equals(">>") ? "shifts int tiles" : "combines bool tiles (masks such as cols < N) or int tiles bitwise";
						error(IssueCodes.DTYPE_MISMATCH, "'" + op + "' on tiles " + takes + ": " + nodeText(t == left ? l : r) + " is " + Type.show(t), where);
						return Type.UNKNOWN;
					}
				}
			}
			List<Dim> dims = broadcastOrReport(a, b, l, r, op, where);
			DType dtype = comparison || logical ? DType.BOOL : TileRules.valueDtype(left, right);
			if (op.equals("/") && dtype != null && !dtype.isFloat()) {
				dtype = DType.F32; // true division, as in Python and Triton: int tiles divide to f32
			}
			return new Type.Tile(dims, dtype, false);
		}
		if (left instanceof Type.Tensor || right instanceof Type.Tensor) {
			List<Dim> a = tensorDims(left);
			List<Dim> b = tensorDims(right);
			DType dtype = comparison ? DType.BOOL : promote(dtypeOf(left), dtypeOf(right));
			if (a == null || b == null) {
				return new Type.Tensor(null, dtype);
			}
			return new Type.Tensor(broadcastOrReport(a, b, l, r, op, where), dtype);
		}
		return Type.UNKNOWN;
	}

	private Type scalarArithmetic(String op, Type.Scalar a, Type.Scalar b) {
		boolean ints = a.kind() == Type.Scalar.Kind.INT && b.kind() == Type.Scalar.Kind.INT;
		switch (op) {
			case "==", "!=", "<", ">", "<=", ">=":
				return Type.BOOL;
			case "/":
				return Type.FLOAT;
			case "+", "-", "*", "//", "%", "**":
				if (!ints) {
					return a.kind() == Type.Scalar.Kind.STR && op.equals("+") ? Type.STR : Type.FLOAT;
				}
				Dim x = a.value();
				Dim y = b.value();
				if (x == null || y == null) {
					return Type.INT;
				}
				return new Type.Scalar(Type.Scalar.Kind.INT, switch (op) {
					case "+" -> x.plus(y);
					case "-" -> x.minus(y);
					case "*" -> x.times(y);
					case "//" -> y.isConstant() && y.constantValue().getAsLong() == 0 ? null : x.floorDiv(y);
					default -> null;
				});
			default:
				return ints ? Type.INT : Type.UNKNOWN;
		}
	}

	private List<Dim> broadcastOrReport(List<Dim> a, List<Dim> b, Expression l, Expression r, String op, EObject where) {
		return Shapes.broadcast(a, b, (x, y, relation) -> {
			String message = "shapes do not broadcast in '" + op + "': " + nodeText(l) + " is " + Shapes.show(a) + ", " + nodeText(r) + " is "
					+ Shapes.show(b) + ": " + x + " vs " + y;
			if (relation == Dim.Relation.DIFFERENT) {
				error(IssueCodes.SHAPE_MISMATCH, message, where);
			} else {
				warning(IssueCodes.UNDECIDED_DIM, message + " (cannot tell whether they are equal)", where);
			}
		});
	}

	/** {@code a @ b}, {@code matmul(a, b)}: [..., M, K] @ [..., K, N] -> [..., M, N]; 1-D operands as NumPy. */
	Type matmul(Type left, Type right, EObject l, EObject r, EObject where, String what) {
		List<Dim> a = tensorDims(left);
		List<Dim> b = tensorDims(right);
		DType dtype = promote(dtypeOf(left), dtypeOf(right));
		if (a == null || b == null) {
			return new Type.Tensor(null, dtype);
		}
		if (a.isEmpty() || b.isEmpty()) {
			error(IssueCodes.RANK_MISMATCH, what + ": operands need at least one dim, " + (a.isEmpty() ? nodeText(l) : nodeText(r)) + " is a scalar", where);
			return new Type.Tensor(null, dtype);
		}
		Dim inner = a.get(a.size() - 1);
		Dim innerB = b.size() == 1 ? b.get(0) : b.get(b.size() - 2);
		Dim.Relation relation = Dim.compare(inner, innerB);
		if (relation != Dim.Relation.EQUAL) {
			String message = what + ": inner dims differ: " + nodeText(l) + " is " + Shapes.show(a) + ", " + nodeText(r) + " is " + Shapes.show(b) + ": "
					+ inner + " vs " + innerB;
			if (relation == Dim.Relation.DIFFERENT) {
				error(IssueCodes.MATMUL_INNER, message, where);
			} else {
				warning(IssueCodes.UNDECIDED_DIM, message + " (cannot tell whether they are equal)", where);
			}
		}
		List<Dim> batchA = a.size() > 2 ? a.subList(0, a.size() - 2) : List.of();
		List<Dim> batchB = b.size() > 2 ? b.subList(0, b.size() - 2) : List.of();
		List<Dim> dims = new ArrayList<>(Shapes.broadcast(batchA, batchB, (x, y, batchRelation) -> {
			String message = what + ": batch dims do not broadcast: " + nodeText(l) + " is " + Shapes.show(a) + ", " + nodeText(r) + " is "
					+ Shapes.show(b) + ": " + x + " vs " + y;
			if (batchRelation == Dim.Relation.DIFFERENT) {
				error(IssueCodes.SHAPE_MISMATCH, message, where);
			} else {
				warning(IssueCodes.UNDECIDED_DIM, message + " (cannot tell whether they are equal)", where);
			}
		}));
		if (a.size() >= 2) {
			dims.add(a.get(a.size() - 2));
		}
		if (b.size() >= 2) {
			dims.add(b.get(b.size() - 1));
		}
		return new Type.Tensor(dims, dtype);
	}

	static List<Dim> tensorDims(Type t) {
		return switch (t) {
			case Type.Tensor x -> x.dims();
			case Type.Scalar s -> s.kind() == Type.Scalar.Kind.STR || s.kind() == Type.Scalar.Kind.NONE ? null : List.of();
			case Type.KTile k -> k.dims();
			case Type.Tile k -> k.dims();
			default -> null;
		};
	}

	/** An int tile or a Python int: what the bitwise operators take. */
	private static boolean isIntOperand(Type t) {
		return t instanceof Type.Tile tile && tile.dtype() != null && tile.dtype().isInteger()
				|| t instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.INT;
	}

	/** A bool tile (or one of unknown dtype), or a Python bool: what '&', '|', '^' and '~' take on the kernel layer. */
	private static boolean isBoolOperand(Type t) {
		return t instanceof Type.Tile tile ? tile.dtype() == null || tile.dtype() == DType.BOOL
				: t instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.BOOL;
	}

	static List<Dim> tileDims(Type t) {
		return switch (t) {
			case Type.Tile x -> x.dims();
			case Type.Scalar s -> s.kind() == Type.Scalar.Kind.STR ? null : List.of();
			case Type.Tensor x -> x.dims();
			default -> null;
		};
	}

	static DType dtypeOf(Type t) {
		return switch (t) {
			case Type.Tensor x -> x.dtype();
			case Type.Tile x -> x.dtype();
			case Type.KTile x -> x.dtype();
			default -> null;
		};
	}

	/** Promotion where a Python scalar (null dtype: weak) takes the other operand's dtype. */
	static DType promote(DType a, DType b) {
		if (a == null) {
			return b;
		}
		if (b == null) {
			return a;
		}
		return DType.promote(a, b);
	}

	private Type attribute(Attribute a) {
		Type receiver = infer(a.getReceiver());
		String name = a.getName();
		if (name == null) {
			return Type.UNKNOWN; // `x.` while typing
		}
		switch (receiver) {
			case Type.Namespace ns when ns.name().equals("tile") -> {
				Signature op = prelude.tile().get(name);
				if (op == null) {
					// Sorted: ties between equally close names (lod: load, log) must not depend on hash order.
					String suggestion = Names.closest(name, sorted(prelude.tile().keySet())).orElse(null);
					errorOnName(IssueCodes.UNKNOWN_ATTRIBUTE, "'tile' has no operation '" + name + "'" + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?"),
							a);
					return Type.UNKNOWN;
				}
				return new Type.Function(op);
			}
			case Type.Opaque o when o.name().equals("TileContext") -> {
				String dim = CONTEXT_FIELDS.get(name);
				if (dim == null) {
					String suggestion = Names.closest(name, CONTEXT_FIELDS.keySet()).orElse(null);
					errorOnName(IssueCodes.UNKNOWN_ATTRIBUTE, "tile.context() has no field '" + name + "'; it has " + String.join(", ", sorted(CONTEXT_FIELDS.keySet()))
							+ (suggestion == null ? "" : " (did you mean '" + suggestion + "'?)"), a);
					return Type.UNKNOWN;
				}
				if (o.kernel() != null) {
					contextReads.computeIfAbsent(o.kernel(), k -> new HashSet<>()).add(dim);
				}
				return new Type.Scalar(Type.Scalar.Kind.INT, Dim.symbol(dim));
			}
			case Type.Tensor t -> {
				return tensorAttribute(t.dims(), t.dtype(), name, a, false);
			}
			case Type.Tile t -> {
				return tensorAttribute(t.dims(), t.dtype(), name, a, true);
			}
			case Type.KTile t -> {
				return tensorAttribute(t.dims(), t.dtype(), name, a, false);
			}
			case Type.Function f when name.equals("schedule") -> {
				if (!f.signature().kernel() && (f.signature().definition() == null || !SignatureReader.isJit(f.signature().definition()))) {
					error(IssueCodes.SCHEDULE, "'" + f.signature().name() + "' is neither a @kernel nor a @jit function: only those take a schedule", a);
					return Type.UNKNOWN;
				}
				return new Type.Opaque("schedule", f.signature().definition());
			}
			case Type.Opaque o when o.name().equals("Schedule") -> {
				if (!Schedules.METHODS.containsKey(name)) {
					String suggestion = Names.closest(name, Schedules.METHODS.keySet()).orElse(null);
					errorOnName(IssueCodes.SCHEDULE, "unknown schedule method '" + name + "'" + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?")
							+ " (schedules have " + String.join(", ", sorted(Schedules.METHODS.keySet())) + ")", a);
					return Type.UNKNOWN;
				}
				return new Type.Opaque("schedule." + name, o.kernel());
			}
			case Type.Opaque o when o.name().equals("Mesh") && name.equals("shard") -> {
				return new Type.Opaque("Mesh.shard");
			}
			default -> {
				return Type.UNKNOWN;
			}
		}
	}

	private Type tensorAttribute(List<Dim> dims, DType dtype, String name, Attribute a, boolean tile) {
		switch (name) {
			case "shape":
				if (dims == null) {
					return new Type.ListOf(Type.INT);
				}
				List<Type> elements = new ArrayList<>();
				dims.forEach(d -> elements.add(new Type.Scalar(Type.Scalar.Kind.INT, d)));
				return new Type.Tuple(elements);
			case "dtype":
				return dtype == null ? Type.UNKNOWN : new Type.DTypeValue(dtype);
			case "ndim":
				return dims == null ? Type.INT : new Type.Scalar(Type.Scalar.Kind.INT, Dim.of(dims.size()));
			case "T":
				if (dims == null) {
					return tile ? new Type.Tile(null, dtype, false) : new Type.Tensor(null, dtype);
				}
				List<Dim> reversed = new ArrayList<>(dims);
				java.util.Collections.reverse(reversed);
				return tile ? new Type.Tile(reversed, dtype, false) : new Type.Tensor(reversed, dtype);
			default:
				errorOnName(IssueCodes.UNKNOWN_ATTRIBUTE, (tile ? "a tile" : "a tensor") + " has no attribute '" + name + "' (it has shape, dtype, ndim, T)", a);
				return Type.UNKNOWN;
		}
	}

	private Type subscript(Subscript s) {
		Type receiver = infer(s.getReceiver());
		List<Type> indexTypes = new ArrayList<>();
		s.getIndices().forEach(i -> indexTypes.add(infer(i)));
		return switch (receiver) {
			case Type.Tensor t -> {
				List<Dim> dims = Indexing.apply(t.dims(), s, indexTypes, this);
				yield new Type.Tensor(dims, t.dtype());
			}
			case Type.Tile t -> new Type.Tile(Indexing.apply(t.dims(), s, indexTypes, this), t.dtype(), false);
			case Type.Tuple t -> {
				if (s.getIndices().size() == 1 && indexTypes.get(0) instanceof Type.Scalar i && i.value() != null && i.value().isConstant()) {
					long index = i.value().constantValue().getAsLong();
					long size = t.elements().size();
					if (index < -size || index >= size) {
						error(IssueCodes.INDEX, "index " + index + " is out of range for a tuple of " + size, s);
						yield Type.UNKNOWN;
					}
					yield t.elements().get((int) (index < 0 ? index + size : index));
				}
				yield Type.UNKNOWN;
			}
			case Type.ListOf l -> s.getIndices().size() == 1 && !(s.getIndices().get(0) instanceof Slice) ? l.element() : receiver;
			default -> Type.UNKNOWN;
		};
	}

	private Type call(Call c) {
		Type callee = infer(c.getCallee());
		List<Type> argTypes = new ArrayList<>();
		for (Argument a : c.getArgs()) {
			argTypes.add(infer(a.getValue()));
		}
		return switch (callee) {
			case Type.Function f -> Calls.apply(f.signature(), c, argTypes, this);
			case Type.Opaque o when o.name().equals("schedule") || o.name().startsWith("schedule.") -> Schedules.call(o, c, argTypes, this);
			case Type.Opaque o when o.name().equals("Mesh.shard") -> new Type.Opaque("Mesh");
			case Type.Opaque o when o.name().startsWith("decorator") -> Type.UNKNOWN;
			case Type.Unknown u -> Type.UNKNOWN;
			case Type.DTypeValue d -> argTypes.isEmpty() ? Type.UNKNOWN : Rules.castTo(argTypes.get(0), d.dtype());
			default -> {
				error(IssueCodes.NOT_CALLABLE, nodeText(c.getCallee()) + " is not callable: it is " + Type.show(callee), c.getCallee());
				yield Type.UNKNOWN;
			}
		};
	}

	// ------------------------------------------------------------------ kernels

	private void checkAutotune(FunctionDef def) {
		for (Decorator d : def.getDecorators()) {
			if (d.getExpression() instanceof Call call && call.getCallee() instanceof Attribute attr && "autotune".equals(attr.getName())) {
				Schedules.checkAutotune(call, contextReads.getOrDefault(def, Set.of()), this);
			}
		}
	}

	/**
	 * A dim written in a string ("heads", "D//heads") read in the current scope: a name bound to an
	 * int with a known value (a parameter `heads`, `n = T.m`) stands for that value, and counts as a use.
	 */
	Dim resolveDim(Dim dim) {
		Map<String, Dim> values = new HashMap<>();
		for (String symbol : dim.symbols()) {
			Binding b = lookup(symbol);
			if (b != null) {
				b.used = true;
				if (b.type instanceof Type.Scalar s && s.kind() == Type.Scalar.Kind.INT && s.value() != null) {
					values.put(symbol, s.value());
				}
			}
		}
		return values.isEmpty() ? dim : dim.substitute(values);
	}

	/** The context value `tile.context()` returns inside the current kernel. */
	Type tileContext() {
		return new Type.Opaque("TileContext", currentFunction);
	}

	FunctionDef currentFunction() {
		return currentFunction;
	}

	Annotations annotations() {
		return annotations;
	}

	Map<EObject, Type> types() {
		return types;
	}

	// ------------------------------------------------------------------ reporting

	/** An error on the attribute's name only (`x.sise` underlines `sise`). */
	private void errorOnName(String code, String message, Attribute a) {
		var nodes = NodeModelUtils.findNodesForFeature(a, dev.forge.forge.ForgePackage.Literals.ATTRIBUTE__NAME);
		if (nodes.isEmpty()) {
			error(code, message, a);
		} else {
			error(code, message, nodes.get(0).getOffset(), nodes.get(0).getLength());
		}
	}

	/** The source text of an expression, shortened, to name operands in messages. */
	static String nodeText(EObject e) {
		if (e == null) {
			return "?";
		}
		var node = NodeModelUtils.findActualNodeFor(e);
		if (node == null) {
			return "?";
		}
		String text = NodeModelUtils.getTokenText(node);
		return text.length() > 30 ? text.substring(0, 27) + "..." : text;
	}

	private static List<String> sorted(Set<String> names) {
		List<String> list = new ArrayList<>(names);
		list.sort(null);
		return list;
	}
}
