package dev.forge.linking;

import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.naming.QualifiedName;
import org.eclipse.xtext.resource.IEObjectDescription;
import org.eclipse.xtext.resource.IResourceDescriptions;
import org.eclipse.xtext.resource.impl.ResourceDescriptionsProvider;

import com.google.inject.Inject;

import dev.forge.forge.ForgePackage;
import dev.forge.naming.ForgeQualifiedNames;

/** Which modules the workspace has, from Xtext's index (so it sees unsaved editor buffers too). */
public class ModuleIndex {

	@Inject
	private ResourceDescriptionsProvider descriptions;

	public boolean exists(Resource context, String module) {
		if (module == null || context == null) {
			return false;
		}
		if (module.equals(ForgeQualifiedNames.moduleName(context))) {
			return true;
		}
		IResourceDescriptions index = descriptions.getResourceDescriptions(context);
		for (var resource : index.getAllResourceDescriptions()) {
			if (module.equals(resource.getURI().trimFileExtension().lastSegment())) {
				return true;
			}
		}
		return false;
	}

	/** The exported functions of {@code module}, by their full name {@code module.function}. */
	public Iterable<IEObjectDescription> functionsOf(Resource context, String module) {
		IResourceDescriptions index = descriptions.getResourceDescriptions(context);
		QualifiedName prefix = QualifiedName.create(module);
		return () -> java.util.stream.StreamSupport
				.stream(index.getExportedObjectsByType(ForgePackage.Literals.FUNCTION_DEF).spliterator(), false)
				.filter(d -> d.getName().getSegmentCount() == 2 && d.getName().startsWith(prefix))
				.iterator();
	}
}
