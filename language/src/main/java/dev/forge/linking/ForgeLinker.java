package dev.forge.linking;

import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.emf.common.util.AbstractTreeIterator;
import org.eclipse.emf.common.util.TreeIterator;
import org.eclipse.emf.ecore.EClass;
import org.eclipse.emf.ecore.EClassifier;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EPackage;
import org.eclipse.emf.ecore.EReference;
import org.eclipse.xtext.linking.lazy.LazyLinker;

/**
 * Xtext's lazy linker, walking only the part of a tree that can hold a cross-reference. The default
 * visits every object of the file (every expression) to install proxies and clear references; Forge's
 * only cross-references are imports and `extends` of chip descriptions, and no expression can contain
 * either. Which classes can hold or contain one is computed from the metamodel, so the walk visits
 * exactly the objects where the default finds something to do.
 */
public class ForgeLinker extends LazyLinker {

	/** Per class: may an object of it contain (at any depth) an object with a cross-reference? */
	private final Map<EClass, Boolean> descend = new ConcurrentHashMap<>();

	@Override
	protected TreeIterator<EObject> getAllLinkableContents(EObject model) {
		return new AbstractTreeIterator<>(model) {
			private static final long serialVersionUID = 1L;

			@Override
			public Iterator<EObject> getChildren(Object object) {
				EObject o = (EObject) object;
				return mayContainLinks(o.eClass()) ? o.eContents().iterator() : Collections.emptyIterator();
			}
		};
	}

	private boolean mayContainLinks(EClass eClass) {
		Boolean known = descend.get(eClass);
		if (known == null) {
			computeFor(eClass.getEPackage());
			known = descend.get(eClass);
			if (known == null) {
				// A class of a package the computation did not cover: walk it, as the default does.
				descend.put(eClass, Boolean.TRUE);
				return true;
			}
		}
		return known;
	}

	/** A fixed point over the package's classes: holders of cross-references, then what may contain them. */
	private synchronized void computeFor(EPackage ePackage) {
		if (ePackage == null) {
			return;
		}
		Set<EClass> classes = new HashSet<>();
		for (EClassifier c : ePackage.getEClassifiers()) {
			if (c instanceof EClass e) {
				classes.add(e);
			}
		}
		Set<EClass> linkable = new HashSet<>();
		for (EClass c : classes) {
			if (c.getEAllReferences().size() - c.getEAllContainments().size() != 0) {
				linkable.add(c);
			}
		}
		Set<EClass> containing = new HashSet<>();
		boolean changed = true;
		while (changed) {
			changed = false;
			for (EClass c : classes) {
				if (containing.contains(c)) {
					continue;
				}
				for (EReference r : c.getEAllContainments()) {
					EClass type = r.getEReferenceType();
					boolean foreign = type == null || type.getEPackage() != ePackage;
					if (foreign || compatibleWithAny(type, linkable) || compatibleWithAny(type, containing)) {
						containing.add(c);
						changed = true;
						break;
					}
				}
			}
		}
		for (EClass c : classes) {
			descend.put(c, containing.contains(c));
		}
	}

	/** Can a containment typed {@code type} hold an object of one of {@code classes}? */
	private static boolean compatibleWithAny(EClass type, Set<EClass> classes) {
		for (EClass c : classes) {
			if (c == type || type.isSuperTypeOf(c)) {
				return true;
			}
		}
		return false;
	}
}
