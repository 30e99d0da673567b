package dev.forge.ide.folding;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.resource.XtextResource;

import dev.forge.forge.Elif;
import dev.forge.forge.For;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.If;
import dev.forge.forge.StringLiteral;
import dev.forge.forge.Suite;
import dev.forge.forge.TargetDecl;
import dev.forge.forge.TargetField;
import dev.forge.forge.While;
import dev.forge.forge.With;

/**
 * Folding by block: from a header line (`def`, `if`, `for`, `target`, ...) to the last line of its
 * code, not to the next statement, plus multi-line strings. Lines are 0-based; a region needs two lines.
 */
public class BlockFolding {

	/** Fold from {@code startLine} to {@code endLine}, keeping the start line visible. */
	public record Region(int startLine, int endLine, boolean comment) {
	}

	public List<Region> regions(XtextResource resource) {
		Set<Region> out = new LinkedHashSet<>();
		if (resource.getContents().isEmpty()) {
			return List.of();
		}
		for (EObject e : (Iterable<EObject>) resource::getAllContents) {
			switch (e) {
				case FunctionDef d -> add(out, e, d.getBody());
				case If i -> {
					add(out, e, i.getThen());
					if (i.getOrelse() != null) {
						add(out, i.getOrelse(), i.getOrelse());
					}
				}
				case Elif elif -> add(out, e, elif.getBody());
				case For f -> add(out, e, f.getBody());
				case While w -> add(out, e, w.getBody());
				case With w -> add(out, e, w.getBody());
				case TargetDecl t -> add(out, e, e);
				case TargetField f when !f.getFields().isEmpty() -> add(out, e, e);
				case StringLiteral s -> {
					INode node = NodeModelUtils.findActualNodeFor(s);
					if (node != null && node.getEndLine() > node.getStartLine()) {
						out.add(new Region(node.getStartLine() - 1, node.getEndLine() - 1, true));
					}
				}
				default -> {
				}
			}
		}
		return new ArrayList<>(out);
	}

	/** From the header's first line to the last line that holds code of {@code body}. */
	private static void add(Set<Region> out, EObject header, EObject body) {
		INode head = NodeModelUtils.findActualNodeFor(header);
		INode tail = body == null ? null : NodeModelUtils.findActualNodeFor(body);
		if (head == null || tail == null) {
			return;
		}
		int last = lastCodeLine(tail);
		int first = head.getStartLine();
		if (body instanceof Suite && header != body) {
			first = head.getStartLine();
		}
		if (last > first) {
			out.add(new Region(first - 1, last - 1, false));
		}
	}

	/** The 1-based line of the last non-hidden, non-empty token under {@code node}. */
	private static int lastCodeLine(INode node) {
		int line = node.getStartLine();
		for (var leaf : node.getLeafNodes()) {
			if (!leaf.isHidden() && leaf.getLength() > 0) {
				line = leaf.getEndLine();
			}
		}
		return line;
	}
}
