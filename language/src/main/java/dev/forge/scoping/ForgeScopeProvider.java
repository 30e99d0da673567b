package dev.forge.scoping;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EReference;
import org.eclipse.xtext.naming.QualifiedName;
import org.eclipse.xtext.resource.EObjectDescription;
import org.eclipse.xtext.resource.IEObjectDescription;
import org.eclipse.xtext.scoping.IScope;
import org.eclipse.xtext.scoping.impl.SimpleScope;

import com.google.inject.Inject;

import dev.forge.forge.ForgePackage;
import dev.forge.forge.FromImport;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.linking.ModuleIndex;
import dev.forge.naming.ForgeQualifiedNames;

/**
 * Cross-file links: `from nn import mlp` sees the top-level functions of module `nn`; `extends h100`
 * sees every chip description by name (the default global scope).
 */
public class ForgeScopeProvider extends AbstractForgeScopeProvider {

	@Inject
	private ModuleIndex modules;

	@Override
	public IScope getScope(EObject context, EReference reference) {
		if (reference == ForgePackage.Literals.IMPORTED_NAME__FUNCTION) {
			EObject from = context instanceof FromImport ? context : context.eContainer();
			if (from instanceof FromImport fromImport && fromImport.getModule() != null) {
				return functionsOf(fromImport);
			}
			return IScope.NULLSCOPE;
		}
		return super.getScope(context, reference);
	}

	private IScope functionsOf(FromImport from) {
		List<IEObjectDescription> visible = new ArrayList<>();
		String module = from.getModule();
		if (module.equals(ForgeQualifiedNames.moduleName(from.eResource()))) {
			// A module importing from itself sees its own functions directly.
			Module root = (Module) from.eResource().getContents().get(0);
			for (EObject item : root.getBody()) {
				if (item instanceof FunctionDef function && function.getName() != null) {
					visible.add(EObjectDescription.create(function.getName(), function));
				}
			}
		} else {
			for (IEObjectDescription exported : modules.functionsOf(from.eResource(), module)) {
				visible.add(EObjectDescription.create(QualifiedName.create(exported.getName().getLastSegment()), exported.getEObjectOrProxy()));
			}
		}
		return new SimpleScope(visible);
	}
}
