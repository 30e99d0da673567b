package dev.forge.naming;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.naming.IQualifiedNameProvider;
import org.eclipse.xtext.naming.QualifiedName;

import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.forge.TargetDecl;

/**
 * What other files can see: a module's top-level functions as {@code module.function} (the module
 * is the file's base name) and chip descriptions by their own name. Nothing else is exported.
 */
public class ForgeQualifiedNames extends IQualifiedNameProvider.AbstractImpl {

	@Override
	public QualifiedName getFullyQualifiedName(EObject object) {
		if (object instanceof FunctionDef function && function.eContainer() instanceof Module && function.getName() != null) {
			String module = moduleName(function.eResource());
			return module == null ? null : QualifiedName.create(module, function.getName());
		}
		if (object instanceof TargetDecl target && target.getName() != null) {
			return QualifiedName.create(target.getName());
		}
		return null;
	}

	/** The module a file defines: its base name, {@code nn} for {@code models/nn.forge}. */
	public static String moduleName(Resource resource) {
		if (resource == null || resource.getURI() == null) {
			return null;
		}
		URI uri = resource.getURI();
		String last = uri.trimFileExtension().lastSegment();
		return last == null ? null : URI.decode(last);
	}
}
