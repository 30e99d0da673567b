package dev.forge.ide.hover;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.resource.XtextResource;

import com.google.inject.Inject;

import dev.forge.forge.Attribute;
import dev.forge.forge.Expression;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.ImportedName;
import dev.forge.forge.Name;
import dev.forge.forge.Parameter;
import dev.forge.types.Signature;
import dev.forge.types.Type;
import dev.forge.types.TypeCheckResult;
import dev.forge.types.TypeSystem;

/** The hover text of a source element, in Markdown, from the type checker's results (never re-inferred). */
public class HoverText {

	@Inject
	private TypeSystem typeSystem;

	public String describe(XtextResource resource, EObject element, String word) {
		TypeCheckResult types = typeSystem.check(resource);
		return switch (element) {
			case FunctionDef def -> signature(types.signatureOf(def));
			case Parameter p -> {
				EObject def = p.eContainer();
				Signature sig = def instanceof FunctionDef f ? types.signatureOf(f) : null;
				Signature.Param param = sig == null || p.getName() == null ? null : sig.param(p.getName());
				yield param == null ? null : code("(parameter) " + p.getName() + ": " + Type.show(param.type()));
			}
			case ImportedName n when n.getFunction() != null && !n.getFunction().eIsProxy() -> {
				TypeCheckResult other = typeSystem.check(n.getFunction().eResource());
				yield signature(other.signatureOf(n.getFunction()));
			}
			case Name n -> name(n.getId(), types.typeOf(n));
			case Attribute a -> name(a.getName(), types.typeOf(a));
			case Expression e -> {
				Type t = types.typeOf(e);
				yield t instanceof Type.Unknown ? null : code(Type.show(t));
			}
			default -> null;
		};
	}

	private static String name(String id, Type type) {
		if (type instanceof Type.Function f) {
			return signature(f.signature());
		}
		if (type instanceof Type.Unknown) {
			return null;
		}
		return code(id + ": " + Type.show(type)) + shapeLine(type);
	}

	/** A tensor's shape again in plain words: the rank, the dims, the dtype. */
	private static String shapeLine(Type type) {
		if (type instanceof Type.Tensor t && t.dims() != null) {
			return "\n\n" + t.dims().size() + "-D tensor, shape `" + Type.shape(t.dims(), null) + "`" + (t.dtype() == null ? "" : ", " + t.dtype().sourceName());
		}
		if (type instanceof Type.Tile t && t.dims() != null) {
			return "\n\ntile `" + Type.shape(t.dims(), null) + "`" + (t.dtype() == null ? "" : " " + t.dtype().sourceName()) + (t.shared() ? " in shared memory" : " in registers");
		}
		return "";
	}

	private static String signature(Signature sig) {
		if (sig == null) {
			return null;
		}
		String kind = sig.kernel() ? "(kernel) " : "";
		return code(kind + sig.show()) + (sig.doc() == null ? "" : "\n\n" + sig.doc());
	}

	static String code(String text) {
		return "```forge\n" + text + "\n```";
	}
}
