package dev.forge.ide.navigation;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.ILeafNode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.resource.XtextResource;

import com.google.inject.Inject;

import dev.forge.forge.ForgePackage;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.ImportedModule;
import dev.forge.forge.ImportedName;
import dev.forge.forge.Name;
import dev.forge.forge.Parameter;
import dev.forge.types.TypeCheckResult;
import dev.forge.types.TypeSystem;

/**
 * Go to definition, find references and rename for Forge's names, from the bindings the type
 * checker resolved (variables are not Xtext cross-references; see README "Names").
 */
public class Occurrences {

	/** A place in a resource: where a name is written. */
	public record Place(XtextResource resource, int offset, int length) {
	}

	@Inject
	private TypeSystem typeSystem;

	/** The definition of the name at {@code offset}: a Name, Parameter, FunctionDef or import; null if none. */
	public EObject definitionAt(XtextResource resource, int offset) {
		EObject element = elementAt(resource, offset);
		if (element instanceof Name name) {
			EObject def = typeSystem.check(resource).definitionOf(name);
			if (def instanceof ImportedName imported && imported.getFunction() != null && !imported.getFunction().eIsProxy()) {
				return imported.getFunction();
			}
			return def != null ? def : isDefinition(name) ? name : null;
		}
		if (element instanceof FunctionDef || element instanceof Parameter) {
			return element;
		}
		return null;
	}

	/** Where {@code definition} is written, as the place of its name. */
	public Place placeOf(EObject definition) {
		EStructuralFeature feature = switch (definition) {
			case FunctionDef f -> ForgePackage.Literals.FUNCTION_DEF__NAME;
			case Parameter p -> ForgePackage.Literals.PARAMETER__NAME;
			case Name n -> ForgePackage.Literals.NAME__ID;
			case ImportedModule m -> ForgePackage.Literals.IMPORTED_MODULE__NAME;
			default -> null;
		};
		List<INode> nodes = feature == null ? List.of() : NodeModelUtils.findNodesForFeature(definition, feature);
		INode node = nodes.isEmpty() ? NodeModelUtils.findActualNodeFor(definition) : nodes.get(0);
		if (node == null || !(definition.eResource() instanceof XtextResource r)) {
			return null;
		}
		return new Place(r, node.getOffset(), node.getLength());
	}

	/** The definition and every use of it in {@code resource}, in source order. */
	public List<Place> occurrences(XtextResource resource, EObject definition) {
		List<Place> out = new ArrayList<>();
		if (definition.eResource() == resource) {
			Place def = placeOf(definition);
			if (def != null) {
				out.add(def);
			}
		}
		// `from nn import mlp` names the definition too (an alias keeps the uses apart).
		if (!resource.getContents().isEmpty() && resource.getContents().get(0) instanceof dev.forge.forge.Module module) {
			for (EObject item : module.getBody()) {
				if (item instanceof dev.forge.forge.FromImport from) {
					for (ImportedName n : from.getNames()) {
						if (n.getFunction() == definition) {
							for (INode node : NodeModelUtils.findNodesForFeature(n, ForgePackage.Literals.IMPORTED_NAME__FUNCTION)) {
								out.add(new Place(resource, node.getOffset(), node.getLength()));
							}
						}
					}
				}
			}
		}
		TypeCheckResult result = typeSystem.check(resource);
		for (var entry : result.definitions().entrySet()) {
			EObject target = entry.getValue();
			if (target instanceof ImportedName imported && imported.getFunction() == definition) {
				if (imported.getAlias() != null) {
					continue; // uses of an alias are not uses of the name
				}
				target = definition;
			}
			if (target == definition && entry.getKey() != definition) {
				INode node = NodeModelUtils.findActualNodeFor(entry.getKey());
				if (node != null) {
					out.add(new Place(resource, node.getOffset(), node.getLength()));
				}
			}
		}
		out.sort((a, b) -> Integer.compare(a.offset(), b.offset()));
		return out.stream().distinct().toList();
	}

	private static boolean isDefinition(Name name) {
		return name.eContainer() instanceof dev.forge.forge.ExpressionStatement;
	}

	private static EObject elementAt(XtextResource resource, int offset) {
		if (resource.getParseResult() == null) {
			return null;
		}
		ILeafNode leaf = NodeModelUtils.findLeafNodeAtOffset(resource.getParseResult().getRootNode(), offset);
		if ((leaf == null || leaf.isHidden() || leaf.getLength() == 0) && offset > 0) {
			leaf = NodeModelUtils.findLeafNodeAtOffset(resource.getParseResult().getRootNode(), offset - 1);
		}
		return leaf == null || leaf.isHidden() ? null : NodeModelUtils.findActualSemanticObjectFor(leaf);
	}
}
