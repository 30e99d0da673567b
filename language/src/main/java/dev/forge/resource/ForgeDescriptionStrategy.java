package dev.forge.resource;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.resource.IEObjectDescription;
import org.eclipse.xtext.resource.IReferenceDescription;
import org.eclipse.xtext.resource.impl.DefaultResourceDescriptionStrategy;
import org.eclipse.xtext.util.IAcceptor;

import dev.forge.forge.FromImport;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.ImportedName;
import dev.forge.forge.Module;
import dev.forge.forge.TargetDecl;

/**
 * What the index records of a file, without walking every expression: exports live at the top
 * level (functions, chip descriptions) and cross-references only in imports and `extends`. Pruning
 * the rest keeps an edit of a large file from traversing tens of thousands of objects twice.
 */
public class ForgeDescriptionStrategy extends DefaultResourceDescriptionStrategy {

	@Override
	public boolean createEObjectDescriptions(EObject object, IAcceptor<IEObjectDescription> acceptor) {
		if (object instanceof Module) {
			return true;
		}
		if (object instanceof FunctionDef || object instanceof TargetDecl) {
			super.createEObjectDescriptions(object, acceptor);
		}
		return false;
	}

	@Override
	public boolean createReferenceDescriptions(EObject from, URI exportedContainerURI, IAcceptor<IReferenceDescription> acceptor) {
		if (from instanceof Module || from instanceof FromImport) {
			return true;
		}
		if (from instanceof ImportedName || from instanceof TargetDecl) {
			super.createReferenceDescriptions(from, exportedContainerURI, acceptor);
		}
		return false;
	}
}
