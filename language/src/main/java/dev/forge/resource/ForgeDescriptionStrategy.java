package dev.forge.resource;

import org.eclipse.emf.common.notify.Adapter;
import org.eclipse.emf.common.notify.impl.AdapterImpl;
import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.naming.QualifiedName;
import org.eclipse.xtext.resource.EObjectDescription;
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
			QualifiedName name = getQualifiedNameProvider() == null ? null : getQualifiedNameProvider().getFullyQualifiedName(object);
			if (name != null) {
				acceptor.accept(new KeptUriDescription(name, object));
			}
		}
		return false;
	}

	/**
	 * An exported function or chip description whose URI is computed once while it stays where it is:
	 * the builder asks for the URI of every export of an edited file twice per edit, and each new URI
	 * costs an entry in EMF's URI pool. An in-place update (ForgeResource.updateIncrementally) keeps
	 * unchanged functions, and their place in the module, so the URI kept on the object still holds;
	 * it is used only while the resource URI and the object's fragment are the same.
	 */
	static final class KeptUriDescription extends EObjectDescription {

		KeptUriDescription(QualifiedName name, EObject element) {
			super(name, element, null);
		}

		@Override
		public URI getEObjectURI() {
			EObject element = getEObjectOrProxy();
			Resource resource = element.eResource();
			if (resource == null || element.eIsProxy()) {
				return super.getEObjectURI();
			}
			URI base = resource.getURI();
			String fragment = resource.getURIFragment(element);
			for (Adapter adapter : element.eAdapters()) {
				if (adapter instanceof KeptUri kept && kept.base.equals(base) && kept.fragment.equals(fragment)) {
					return kept.uri;
				}
			}
			URI uri = super.getEObjectURI();
			element.eAdapters().removeIf(a -> a instanceof KeptUri);
			element.eAdapters().add(new KeptUri(base, fragment, uri));
			return uri;
		}
	}

	private static final class KeptUri extends AdapterImpl {
		final URI base;
		final String fragment;
		final URI uri;

		KeptUri(URI base, String fragment, URI uri) {
			this.base = base;
			this.fragment = fragment;
			this.uri = uri;
		}
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
