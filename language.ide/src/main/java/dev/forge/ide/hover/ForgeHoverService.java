package dev.forge.ide.hover;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.lsp4j.Hover;
import org.eclipse.lsp4j.HoverParams;
import org.eclipse.lsp4j.MarkupContent;
import org.eclipse.lsp4j.MarkupKind;
import org.eclipse.lsp4j.Range;
import org.eclipse.xtext.ide.server.Document;
import org.eclipse.xtext.ide.server.hover.IHoverService;
import org.eclipse.xtext.nodemodel.ILeafNode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.util.CancelIndicator;

import com.google.inject.Inject;

/**
 * Hover: the inferred type and shape of the name under the cursor, or the signature and docs of the
 * function it names (user functions, builtins of the prelude, `tile.*` operations).
 */
public class ForgeHoverService implements IHoverService {

	@Inject
	private HoverText hoverText;

	@Override
	public Hover hover(Document document, XtextResource resource, HoverParams params, CancelIndicator cancelIndicator) {
		if (resource.getParseResult() == null) {
			return EMPTY_HOVER;
		}
		int offset = document.getOffSet(params.getPosition());
		ILeafNode leaf = NodeModelUtils.findLeafNodeAtOffset(resource.getParseResult().getRootNode(), offset);
		if ((leaf == null || leaf.isHidden() || leaf.getLength() == 0) && offset > 0) {
			// The cursor right after a word (`h|`) hovers that word.
			leaf = NodeModelUtils.findLeafNodeAtOffset(resource.getParseResult().getRootNode(), offset - 1);
		}
		if (leaf == null || leaf.isHidden()) {
			return EMPTY_HOVER;
		}
		EObject element = NodeModelUtils.findActualSemanticObjectFor(leaf);
		if (element == null) {
			return EMPTY_HOVER;
		}
		String markdown = hoverText.describe(resource, element, leaf.getText());
		if (markdown == null) {
			return EMPTY_HOVER;
		}
		Range range = new Range(document.getPosition(leaf.getOffset()), document.getPosition(leaf.getEndOffset()));
		return new Hover(new MarkupContent(MarkupKind.MARKDOWN, markdown), range);
	}
}
