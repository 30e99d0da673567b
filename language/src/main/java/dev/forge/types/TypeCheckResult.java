package dev.forge.types;

import java.util.List;
import java.util.Map;

import org.eclipse.emf.ecore.EObject;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.FunctionDef;

/**
 * What the type checker found in one module: the type of every expression and name it visited,
 * each function's signature, and the diagnostics. The editor layer reads types from here (hover,
 * inlay hints); it never re-infers.
 */
public record TypeCheckResult(Map<EObject, Type> types, List<SourceDiagnostic> diagnostics, Map<FunctionDef, Signature> signatures) {

	/** The inferred type of an expression or assigned name; UNKNOWN when the checker did not reach it. */
	public Type typeOf(EObject node) {
		Type t = types.get(node);
		return t == null ? Type.UNKNOWN : t;
	}

	public Signature signatureOf(FunctionDef def) {
		return signatures.get(def);
	}
}
