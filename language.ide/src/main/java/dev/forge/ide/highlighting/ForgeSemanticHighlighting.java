package dev.forge.ide.highlighting;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.ide.editor.syntaxcoloring.IHighlightedPositionAcceptor;
import org.eclipse.xtext.ide.editor.syntaxcoloring.ISemanticHighlightingCalculator;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.util.CancelIndicator;

import dev.forge.forge.Decorator;
import dev.forge.forge.ForgePackage;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Name;
import dev.forge.forge.Parameter;
import dev.forge.forge.TargetDecl;
import dev.forge.types.DType;

/**
 * Semantic tokens beyond what the TextMate grammar sees: defined functions and kernels, parameters,
 * dtypes, decorators, chip descriptions. LSP token type names, so the server's legend maps them.
 */
public class ForgeSemanticHighlighting implements ISemanticHighlightingCalculator {

	@Override
	public void provideHighlightingFor(XtextResource resource, IHighlightedPositionAcceptor acceptor, CancelIndicator cancelIndicator) {
		if (resource == null || resource.getContents().isEmpty()) {
			return;
		}
		for (EObject e : (Iterable<EObject>) resource::getAllContents) {
			if (cancelIndicator.isCanceled()) {
				return;
			}
			switch (e) {
				case FunctionDef def -> mark(acceptor, e, ForgePackage.Literals.FUNCTION_DEF__NAME, "function", "declaration");
				case Parameter p -> mark(acceptor, e, ForgePackage.Literals.PARAMETER__NAME, "parameter", "declaration");
				case TargetDecl t -> mark(acceptor, e, ForgePackage.Literals.TARGET_DECL__NAME, "class", "declaration");
				case Decorator d -> {
					INode node = NodeModelUtils.findActualNodeFor(d.getExpression());
					if (node != null) {
						acceptor.addPosition(node.getOffset(), node.getLength(), "decorator");
					}
				}
				case Name n when n.getId() != null && (DType.bySourceName(n.getId()).isPresent() || n.getId().equals("Tensor") || n.getId().equals("KTile")) ->
					mark(acceptor, e, ForgePackage.Literals.NAME__ID, "type");
				default -> {
				}
			}
		}
	}

	private static void mark(IHighlightedPositionAcceptor acceptor, EObject e, org.eclipse.emf.ecore.EStructuralFeature feature, String... ids) {
		for (INode node : NodeModelUtils.findNodesForFeature(e, feature)) {
			acceptor.addPosition(node.getOffset(), node.getLength(), ids);
			return;
		}
	}
}
