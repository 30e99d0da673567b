package dev.forge.validation;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.common.notify.impl.AdapterImpl;
import org.eclipse.emf.common.util.BasicDiagnostic;
import org.eclipse.emf.common.util.Diagnostic;
import org.eclipse.emf.common.util.DiagnosticChain;
import org.eclipse.emf.common.util.TreeIterator;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EValidator;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.emf.ecore.util.EObjectValidator;
import org.eclipse.xtext.validation.CancelableDiagnostician;
import org.eclipse.xtext.validation.CheckMode;
import org.eclipse.xtext.validation.FeatureBasedDiagnostic;

import com.google.inject.Inject;

import dev.forge.forge.ImportedModule;
import dev.forge.forge.Module;

/**
 * Xtext's diagnostician, which after an in-place update of a file (ForgeResource.updateIncrementally
 * keeps the objects of the top-level statements that did not change) validates only the statements
 * that are new. The checks of a top-level statement look at nothing outside it (the checks that
 * compare statements, such as duplicate functions or import cycles, are on the module, which is
 * validated every time), so the previous validation's diagnostics of a statement that is the same
 * object still hold. They name objects and features, not offsets, so Xtext places them where the
 * objects are now. Not kept: a statement with an import (whether the module exists is another file's
 * matter), one with a diagnostic whose message names a line, one with a diagnostic of another kind.
 */
public class ForgeDiagnostician extends CancelableDiagnostician {

	@Inject
	public ForgeDiagnostician(EValidator.Registry registry) {
		super(registry);
	}

	@Override
	protected boolean doValidateContents(EObject eObject, DiagnosticChain diagnostics, Map<Object, Object> context) {
		Resource resource = eObject.eResource();
		if (!(eObject instanceof Module) || diagnostics == null || resource == null || eObject.eContainer() != null) {
			return super.doValidateContents(eObject, diagnostics, context);
		}
		Object mode = context == null ? null : context.get(CheckMode.KEY);
		Kept previous = Kept.of(resource);
		Map<EObject, List<Diagnostic>> before = previous != null && previous.mode == mode ? previous.statements : Map.of();
		Map<EObject, List<Diagnostic>> now = new IdentityHashMap<>();
		boolean result = true;
		for (EObject statement : eObject.eContents()) {
			List<Diagnostic> own = before.get(statement);
			if (own == null) {
				BasicDiagnostic chain = new BasicDiagnostic();
				validate(statement, chain, context);
				own = chain.getChildren();
				if (keepable(statement, own)) {
					now.put(statement, own);
				}
			} else {
				now.put(statement, own);
			}
			for (Diagnostic d : own) {
				diagnostics.add(d);
				result &= d.getSeverity() < Diagnostic.ERROR;
			}
		}
		Kept.keep(resource, mode, now);
		return result;
	}

	private static boolean keepable(EObject statement, List<Diagnostic> diagnostics) {
		for (Diagnostic d : diagnostics) {
			if (!(d instanceof FeatureBasedDiagnostic f) || IssueCodes.DUPLICATE_DEFINITION.equals(f.getIssueCode())) {
				return false;
			}
		}
		if (statement instanceof ImportedModule) {
			return false;
		}
		for (TreeIterator<EObject> it = statement.eAllContents(); it.hasNext();) {
			if (it.next() instanceof ImportedModule) {
				return false;
			}
		}
		return true;
	}

	/**
	 * The root's own diagnostic only gathers the others; EMF's default labels it with the root's URI,
	 * which costs a URI per validation for a message nobody reads.
	 */
	@Override
	public BasicDiagnostic createDefaultDiagnostic(EObject eObject) {
		return new BasicDiagnostic(EObjectValidator.DIAGNOSTIC_SOURCE, 0, "Diagnosis of a Forge module", new Object[] { eObject });
	}

	/** The last validation's diagnostics per top-level statement, on the resource (where the resource-scope cache does not reach). */
	private static final class Kept extends AdapterImpl {
		Object mode;
		Map<EObject, List<Diagnostic>> statements;

		static Kept of(Resource resource) {
			for (Object adapter : resource.eAdapters()) {
				if (adapter instanceof Kept kept) {
					return kept;
				}
			}
			return null;
		}

		static void keep(Resource resource, Object mode, Map<EObject, List<Diagnostic>> statements) {
			Kept kept = of(resource);
			if (kept == null) {
				kept = new Kept();
				resource.eAdapters().add(kept);
			}
			kept.mode = mode;
			kept.statements = statements;
		}

		@Override
		public boolean isAdapterForType(Object type) {
			return type == Kept.class;
		}
	}
}
