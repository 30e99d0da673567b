package dev.forge.compiler.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.nodemodel.ICompositeNode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;

import dev.forge.compiler.graph.SourceRange;

/** Source ranges of AST nodes, as the Graph IR lowering computes them. */
final class Ranges {

	/** The line starts of the last text asked about (kernels are lowered one file at a time). */
	private static String lastText;
	private static int[] lastStarts;

	private Ranges() {
	}

	static SourceRange of(EObject e) {
		ICompositeNode node = e == null ? null : NodeModelUtils.findActualNodeFor(e);
		if (node == null) {
			return SourceRange.NONE;
		}
		String text = node.getRootNode().getText();
		int[] starts = starts(text);
		int offset = node.getOffset();
		int line = Arrays.binarySearch(starts, offset);
		if (line < 0) {
			line = -line - 2;
		}
		return new SourceRange(offset, node.getLength(), line + 1, offset - starts[line] + 1);
	}

	private static synchronized int[] starts(String text) {
		if (text != lastText && !text.equals(lastText)) {
			List<Integer> starts = new ArrayList<>();
			starts.add(0);
			for (int i = 0; i < text.length(); i++) {
				if (text.charAt(i) == '\n') {
					starts.add(i + 1);
				}
			}
			lastStarts = starts.stream().mapToInt(Integer::intValue).toArray();
			lastText = text;
		}
		return lastStarts;
	}
}
