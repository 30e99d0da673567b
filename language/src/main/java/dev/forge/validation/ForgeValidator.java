package dev.forge.validation;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.validation.Check;

import com.google.inject.Inject;

import dev.forge.types.IntLiterals;
import dev.forge.forge.AnnotatedAssignment;
import dev.forge.forge.Argument;
import dev.forge.forge.Assignment;
import dev.forge.forge.Attribute;
import dev.forge.forge.AugmentedAssignment;
import dev.forge.forge.Break;
import dev.forge.forge.Call;
import dev.forge.forge.Continue;
import dev.forge.forge.Expression;
import dev.forge.forge.ExpressionStatement;
import dev.forge.forge.FloatLiteral;
import dev.forge.forge.For;
import dev.forge.forge.ForgePackage;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.ImportedModule;
import dev.forge.forge.IntLiteral;
import dev.forge.forge.ListExpr;
import dev.forge.forge.Module;
import dev.forge.forge.Name;
import dev.forge.forge.Parameter;
import dev.forge.forge.Return;
import dev.forge.forge.Subscript;
import dev.forge.forge.Suite;
import dev.forge.forge.TupleExpr;
import dev.forge.forge.While;
import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.linking.ModuleIndex;
import dev.forge.types.TypeSystem;

/**
 * The checks that need no types: declarations, parameter lists, statement placement, assignment
 * targets, call arguments, imports of whole modules and number literals. Shapes and dtypes are
 * the type checker's.
 */
public class ForgeValidator extends AbstractForgeValidator {

	@Inject
	private ModuleIndex modules;

	@Inject
	private TypeSystem typeSystem;

	/** Shapes, dtypes and names: the type checker's diagnostics, computed once per content version. */
	@Check
	public void typesAgree(Module module) {
		if (module.eResource() instanceof org.eclipse.xtext.resource.XtextResource r && r.getParseResult() != null && r.getParseResult().hasSyntaxErrors()) {
			return; // as in Python: a file that does not parse gets its syntax error, not guesses about its names
		}
		for (SourceDiagnostic d : typeSystem.check(module.eResource()).diagnostics()) {
			if (d.severity() == SourceDiagnostic.Severity.ERROR) {
				getMessageAcceptor().acceptError(d.message(), module, d.offset(), d.length(), d.code());
			} else {
				getMessageAcceptor().acceptWarning(d.message(), module, d.offset(), d.length(), d.code());
			}
		}
	}

	@Check
	public void functionsAreDefinedOnce(Module module) {
		checkDuplicateFunctions(module.getBody());
	}

	@Check
	public void functionsAreDefinedOnce(Suite suite) {
		checkDuplicateFunctions(suite.getStatements());
	}

	private void checkDuplicateFunctions(List<? extends EObject> statements) {
		Map<String, FunctionDef> seen = new HashMap<>();
		for (EObject statement : statements) {
			if (statement instanceof FunctionDef function && function.getName() != null) {
				FunctionDef first = seen.putIfAbsent(function.getName(), function);
				if (first != null) {
					error("'" + function.getName() + "' is already defined on line " + line(first), function, ForgePackage.Literals.FUNCTION_DEF__NAME,
							IssueCodes.DUPLICATE_DEFINITION);
				}
			}
		}
	}

	@Check
	public void parametersAreWellFormed(FunctionDef function) {
		Set<String> names = new HashSet<>();
		boolean sawDefault = false;
		boolean sawStar = false;
		List<Parameter> params = function.getParams();
		for (int i = 0; i < params.size(); i++) {
			Parameter p = params.get(i);
			if (p.getName() != null && !names.add(p.getName())) {
				error("duplicate parameter '" + p.getName() + "'", p, ForgePackage.Literals.PARAMETER__NAME, IssueCodes.DUPLICATE_PARAMETER);
			}
			if (p.isDoubleStar()) {
				if (i != params.size() - 1) {
					error("'**" + p.getName() + "' must be the last parameter", p, null, IssueCodes.PARAMETER_ORDER);
				}
			} else if (p.isStar()) {
				if (sawStar) {
					error("only one '*' is allowed in a parameter list", p, null, IssueCodes.PARAMETER_ORDER);
				} else if (p.getName() == null && (i == params.size() - 1 || params.get(i + 1).isDoubleStar())) {
					error("a bare '*' must be followed by a keyword-only parameter", p, null, IssueCodes.PARAMETER_ORDER);
				}
				sawStar = true;
			} else if (p.getDefault() != null) {
				sawDefault = true;
			} else if (sawDefault && !sawStar) {
				error("parameter '" + p.getName() + "' without a default follows a parameter with a default", p, ForgePackage.Literals.PARAMETER__NAME,
						IssueCodes.PARAMETER_ORDER);
			}
		}
	}

	@Check
	public void returnIsInsideAFunction(Return statement) {
		if (enclosing(statement, FunctionDef.class) == null) {
			error("'return' outside of a function", statement, null, IssueCodes.MISPLACED_STATEMENT);
		}
	}

	@Check
	public void breakIsInsideALoop(Break statement) {
		if (!insideLoop(statement)) {
			error("'break' outside of a loop", statement, null, IssueCodes.MISPLACED_STATEMENT);
		}
	}

	@Check
	public void continueIsInsideALoop(Continue statement) {
		if (!insideLoop(statement)) {
			error("'continue' outside of a loop", statement, null, IssueCodes.MISPLACED_STATEMENT);
		}
	}

	@Check
	public void assignmentTargetIsAssignable(Assignment assignment) {
		checkTarget(target(assignment.getTarget()), true);
	}

	@Check
	public void assignmentTargetIsAssignable(AugmentedAssignment assignment) {
		checkTarget(target(assignment.getTarget()), false);
	}

	@Check
	public void assignmentTargetIsAssignable(AnnotatedAssignment assignment) {
		checkTarget(target(assignment.getTarget()), false);
	}

	@Check
	public void loopTargetIsAssignable(For loop) {
		checkTarget(loop.getTarget(), true);
	}

	private static Expression target(EObject statement) {
		return statement instanceof ExpressionStatement e ? e.getExpression() : null;
	}

	private void checkTarget(Expression target, boolean unpackingAllowed) {
		if (target == null || target instanceof Name || target instanceof Attribute || target instanceof Subscript) {
			return;
		}
		if (unpackingAllowed && (target instanceof TupleExpr || target instanceof ListExpr)) {
			List<Expression> elements = target instanceof TupleExpr t ? t.getElements() : ((ListExpr) target).getElements();
			elements.forEach(e -> checkTarget(e, true));
			return;
		}
		String what = target instanceof Call ? "a function call" : unpackingAllowed ? "this expression" : "a tuple or an expression";
		error("cannot assign to " + what, target, null, IssueCodes.INVALID_ASSIGNMENT_TARGET);
	}

	@Check
	public void argumentsAreWellOrdered(Call call) {
		Set<String> keywords = new HashSet<>();
		boolean sawKeyword = false;
		for (Argument argument : call.getArgs()) {
			if (argument.getName() != null) {
				sawKeyword = true;
				if (!keywords.add(argument.getName())) {
					error("keyword argument '" + argument.getName() + "' is repeated", argument, ForgePackage.Literals.ARGUMENT__NAME,
							IssueCodes.DUPLICATE_KEYWORD_ARGUMENT);
				}
			} else if (sawKeyword && !argument.isStar() && !argument.isDoubleStar()) {
				error("positional argument follows keyword argument", argument, null, IssueCodes.POSITIONAL_AFTER_KEYWORD);
			}
		}
	}

	@Check
	public void importedModuleExists(ImportedModule imported) {
		if (imported.getName() != null && !modules.exists(imported.eResource(), imported.getName())) {
			error("no module named '" + imported.getName() + "'", imported, ForgePackage.Literals.IMPORTED_MODULE__NAME, IssueCodes.UNKNOWN_MODULE);
		}
	}

	/** `a` imports `b` imports `a`: reported on the import that starts the cycle. */
	@Check
	public void importsAreAcyclic(Module module) {
		String self = dev.forge.naming.ForgeQualifiedNames.moduleName(module.eResource());
		for (EObject item : module.getBody()) {
			String imported = item instanceof dev.forge.forge.FromImport f ? f.getModule()
					: item instanceof dev.forge.forge.Import i && !i.getModules().isEmpty() ? i.getModules().get(0).getName() : null;
			if (imported == null || imported.equals(self)) {
				continue;
			}
			List<String> path = cycleBack(module, imported, self, new java.util.ArrayList<>(List.of(self)), new HashSet<>());
			if (path != null) {
				error("import cycle: " + String.join(" -> ", path), item, null, IssueCodes.IMPORT_CYCLE);
			}
		}
	}

	private List<String> cycleBack(Module from, String module, String target, List<String> path, Set<String> visited) {
		path.add(module);
		if (module.equals(target)) {
			return path;
		}
		if (visited.add(module) && path.size() < 50) {
			Module m = modules.load(from.eResource(), module);
			if (m != null) {
				for (String next : ModuleIndex.importsOf(m)) {
					List<String> found = cycleBack(from, next, target, path, visited);
					if (found != null) {
						return found;
					}
				}
			}
		}
		path.remove(path.size() - 1);
		return null;
	}

	@Check
	public void numberIsWellFormed(IntLiteral literal) {
		checkUnderscores(literal.getValue(), literal, ForgePackage.Literals.INT_LITERAL__VALUE);
		String text = literal.getValue();
		if (text != null && !text.contains("__") && !text.endsWith("_") && IntLiterals.value(text).isEmpty()) {
			// ints, dims and sizes are 64-bit: a larger literal would wrap or be lost
			error("invalid number '" + text + "': an integer must fit in 64 bits (at most " + IntLiterals.MAX + ")", literal,
					ForgePackage.Literals.INT_LITERAL__VALUE, IssueCodes.INVALID_LITERAL);
		}
	}

	@Check
	public void numberIsWellFormed(FloatLiteral literal) {
		checkUnderscores(literal.getValue(), literal, ForgePackage.Literals.FLOAT_LITERAL__VALUE);
	}

	private void checkUnderscores(String text, EObject literal, org.eclipse.emf.ecore.EStructuralFeature feature) {
		if (text != null && (text.contains("__") || text.endsWith("_") || text.contains("_.") || text.contains("_e") || text.contains("_E"))) {
			error("invalid number '" + text + "': an underscore must stand between two digits", literal, feature, IssueCodes.INVALID_LITERAL);
		}
	}

	private static boolean insideLoop(EObject statement) {
		for (EObject e = statement.eContainer(); e != null && !(e instanceof FunctionDef); e = e.eContainer()) {
			if (e instanceof For || e instanceof While) {
				return true;
			}
		}
		return false;
	}

	private static <T> T enclosing(EObject object, Class<T> type) {
		for (EObject e = object.eContainer(); e != null; e = e.eContainer()) {
			if (type.isInstance(e)) {
				return type.cast(e);
			}
		}
		return null;
	}

	private static int line(EObject object) {
		var node = org.eclipse.xtext.nodemodel.util.NodeModelUtils.findActualNodeFor(object);
		return node == null ? 0 : node.getStartLine();
	}
}
