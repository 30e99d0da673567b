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

	/** The parsed module named {@code module} in the workspace of {@code context}, or null. */
	public dev.forge.forge.Module load(Resource context, String module) {
		if (module == null || context == null || context.getResourceSet() == null) {
			return null;
		}
		if (module.equals(ForgeQualifiedNames.moduleName(context))) {
			return context.getContents().isEmpty() ? null : (dev.forge.forge.Module) context.getContents().get(0);
		}
		for (var resource : descriptions.getResourceDescriptions(context).getAllResourceDescriptions()) {
			if (module.equals(resource.getURI().trimFileExtension().lastSegment())) {
				try {
					Resource r = context.getResourceSet().getResource(resource.getURI(), true);
					return r == null || r.getContents().isEmpty() ? null : (dev.forge.forge.Module) r.getContents().get(0);
				} catch (RuntimeException e) {
					return null;
				}
			}
		}
		return null;
	}

	/** The modules {@code module} imports, by name, in source order. */
	public static java.util.List<String> importsOf(dev.forge.forge.Module module) {
		java.util.List<String> names = new java.util.ArrayList<>();
		for (var item : module.getBody()) {
			if (item instanceof dev.forge.forge.Import i) {
				i.getModules().forEach(m -> names.add(m.getName()));
			} else if (item instanceof dev.forge.forge.FromImport f && f.getModule() != null) {
				names.add(f.getModule());
			}
		}
		return names;
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
