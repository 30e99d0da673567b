package dev.forge.ide.hints;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.resource.XtextResource;

import com.google.inject.Inject;

import dev.forge.types.Type;
import dev.forge.types.TypeCheckResult;
import dev.forge.types.TypeSystem;

/** Inlay hints: the inferred shape after each assigned name, `h: [B,S,F] bf16`. Plain offsets and labels. */
public class ShapeHints {

	/** A hint to show right after {@code offset}. */
	public record Hint(int offset, String label, String tooltip) {
	}

	@Inject
	private TypeSystem typeSystem;

	public List<Hint> hints(XtextResource resource, int from, int to) {
		List<Hint> out = new ArrayList<>();
		TypeCheckResult result = typeSystem.check(resource);
		for (TypeCheckResult.AssignedName assigned : result.assignedNames()) {
			var node = NodeModelUtils.findActualNodeFor(assigned.name());
			if (node == null || node.getEndOffset() < from || node.getOffset() > to) {
				continue;
			}
			String label = label(assigned.type());
			if (label != null) {
				out.add(new Hint(node.getEndOffset(), ": " + label, Type.show(assigned.type())));
			}
		}
		return out;
	}

	/** Short forms: `[B,S,D] bf16` for tensors, `tile[BM,BN] f32`, `int`; nothing for unknowns and functions. */
	static String label(Type type) {
		return switch (type) {
			case Type.Tensor t when t.dims() != null -> Type.shape(t.dims(), null) + (t.dtype() == null ? "" : " " + t.dtype().sourceName());
			case Type.Tile t when t.dims() != null -> "tile" + Type.shape(t.dims(), null) + (t.dtype() == null ? "" : " " + t.dtype().sourceName());
			case Type.Tuple t -> {
				List<String> parts = new ArrayList<>();
				for (Type e : t.elements()) {
					String l = label(e);
					parts.add(l == null ? "?" : l);
				}
				yield "(" + String.join(", ", parts) + ")";
			}
			case Type.Scalar s -> Type.show(s);
			default -> null;
		};
	}
}
