package dev.forge.types;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.ecore.EObject;

import dev.forge.diagnostics.SourceDiagnostic;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;

import dev.forge.forge.AnnotatedAssignment;
import dev.forge.forge.Assignment;
import dev.forge.forge.ExpressionStatement;
import dev.forge.forge.For;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.ListExpr;
import dev.forge.forge.Name;
import dev.forge.forge.TupleExpr;

/**
 * What the type checker found in one module: the type of every expression and name it visited,
 * each function's signature, and the diagnostics. The editor layer reads types from here (hover,
 * inlay hints); it never re-infers.
 */
public record TypeCheckResult(Map<EObject, Type> types, List<SourceDiagnostic> diagnostics, Map<FunctionDef, Signature> signatures,
		Map<Name, EObject> definitions) {

	/** A result with nothing in it, for resources that hold no module. */
	public static TypeCheckResult empty() {
		return new TypeCheckResult(Map.of(), List.of(), Map.of(), Map.of());
	}

	/**
	 * What a name refers to: the Name an assignment bound, a Parameter, a FunctionDef, an
	 * ImportedName or ImportedModule; null for builtins and undefined names.
	 */
	public EObject definitionOf(Name use) {
		return definitions.get(use);
	}

	/** The inferred type of an expression or assigned name; UNKNOWN when the checker did not reach it. */
	public Type typeOf(EObject node) {
		Type t = types.get(node);
		return t == null ? Type.UNKNOWN : t;
	}

	public Signature signatureOf(FunctionDef def) {
		return signatures.get(def);
	}

	/** A name bound by an assignment, with the type it received there: what inlay hints show. */
	public record AssignedName(Name name, Type type) {
	}

	/** Every name an assignment or loop binds, in source order, with its inferred type. */
	public List<AssignedName> assignedNames() {
		List<AssignedName> out = new ArrayList<>();
		for (Map.Entry<EObject, Type> e : types.entrySet()) {
			if (e.getKey() instanceof Name n && isBindingTarget(n)) {
				out.add(new AssignedName(n, e.getValue()));
			}
		}
		out.sort(Comparator.comparingInt(a -> offset(a.name())));
		return out;
	}

	private static boolean isBindingTarget(Name n) {
		EObject parent = n.eContainer();
		while (parent instanceof TupleExpr || parent instanceof ListExpr) {
			parent = parent.eContainer();
		}
		return parent instanceof ExpressionStatement s && s.eContainer() instanceof Assignment a && a.getTarget() == s
				|| parent instanceof ExpressionStatement s2 && s2.eContainer() instanceof AnnotatedAssignment
				|| parent instanceof For f && f.getTarget() != null;
	}

	private static int offset(EObject o) {
		var node = NodeModelUtils.findActualNodeFor(o);
		return node == null ? 0 : node.getOffset();
	}
}
