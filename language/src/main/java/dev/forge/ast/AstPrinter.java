package dev.forge.ast;

import java.util.List;

import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EReference;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;

/**
 * The parse tree as stable text: one node per line, indented by depth, attributes that differ from
 * their default inline, cross-references as {@code @linkText}. Used by golden parser tests and by
 * `forge build --dump-after=parse`.
 */
public final class AstPrinter {

	private AstPrinter() {
	}

	public static String print(EObject root) {
		StringBuilder out = new StringBuilder();
		print(root, null, 0, out);
		return out.toString();
	}

	private static void print(EObject node, String role, int depth, StringBuilder out) {
		out.append("  ".repeat(depth));
		if (role != null) {
			out.append(role).append(": ");
		}
		out.append(node.eClass().getName());
		for (EStructuralFeature feature : node.eClass().getEAllStructuralFeatures()) {
			if (feature instanceof EAttribute attribute && node.eIsSet(attribute)) {
				Object value = node.eGet(attribute);
				out.append(' ').append(attribute.getName()).append('=').append(format(value));
			} else if (feature instanceof EReference reference && !reference.isContainment() && node.eIsSet(reference)) {
				out.append(' ').append(reference.getName()).append("=@").append(linkText(node, reference));
			}
		}
		out.append('\n');
		for (EStructuralFeature feature : node.eClass().getEAllStructuralFeatures()) {
			if (!(feature instanceof EReference reference) || !reference.isContainment() || !node.eIsSet(reference)) {
				continue;
			}
			Object value = node.eGet(reference);
			if (value instanceof List<?> children) {
				for (int i = 0; i < children.size(); i++) {
					print((EObject) children.get(i), reference.getName() + "[" + i + "]", depth + 1, out);
				}
			} else if (value instanceof EObject child) {
				print(child, reference.getName(), depth + 1, out);
			}
		}
	}

	private static String format(Object value) {
		if (value instanceof String s) {
			return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t") + '"';
		}
		if (value instanceof List<?> list) {
			StringBuilder b = new StringBuilder("[");
			for (int i = 0; i < list.size(); i++) {
				b.append(i > 0 ? ", " : "").append(format(list.get(i)));
			}
			return b.append(']').toString();
		}
		return String.valueOf(value);
	}

	private static String linkText(EObject node, EReference reference) {
		List<INode> nodes = NodeModelUtils.findNodesForFeature(node, reference);
		return nodes.isEmpty() ? "?" : NodeModelUtils.getTokenText(nodes.get(0));
	}
}
