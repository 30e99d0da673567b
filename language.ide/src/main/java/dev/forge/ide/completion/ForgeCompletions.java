package dev.forge.ide.completion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.nodemodel.ILeafNode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.resource.XtextResource;

import com.google.inject.Inject;

import dev.forge.forge.Expression;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.forge.Name;
import dev.forge.forge.Parameter;
import dev.forge.types.DType;
import dev.forge.types.Prelude;
import dev.forge.types.Signature;
import dev.forge.types.Type;
import dev.forge.types.TypeCheckResult;
import dev.forge.types.TypeSystem;

/**
 * Completion from the text before the cursor and the type checker's results (Xtext's grammar-driven
 * content assist does not follow the synthetic indentation tokens): members after `tile.`, a tile
 * context, a tensor, a kernel or a schedule; otherwise names in scope, builtins, dtypes, keywords and
 * snippets for `def` and `@kernel`.
 */
public class ForgeCompletions {

	/** One proposal, in plain types; {@code snippet} marks LSP snippet syntax in {@code insertText}. */
	public record Proposal(String label, Kind kind, String detail, String documentation, String insertText, boolean snippet) {
		public enum Kind {
			KEYWORD, FUNCTION, VARIABLE, FIELD, METHOD, TYPE, SNIPPET, MODULE
		}
	}

	private static final List<String> KEYWORDS = List.of("def", "return", "if", "elif", "else", "for", "in", "while", "with", "as", "import", "from",
			"pass", "break", "continue", "assert", "and", "or", "not", "is", "True", "False", "None", "target", "extends");

	@Inject
	private TypeSystem typeSystem;

	public List<Proposal> complete(XtextResource resource, String text, int offset) {
		int start = offset;
		while (start > 0 && Character.isJavaIdentifierPart(text.charAt(start - 1))) {
			start--;
		}
		String prefix = text.substring(start, offset);
		List<Proposal> out;
		if (start > 0 && text.charAt(start - 1) == '.') {
			out = members(resource, text, start - 1);
		} else {
			out = names(resource, offset);
		}
		return out.stream().filter(p -> p.label().startsWith(prefix)).toList();
	}

	/** What follows `receiver.`: found from the receiver's type, or by name for `tile` and `kernel`. */
	private List<Proposal> members(XtextResource resource, String text, int dot) {
		int end = dot;
		int begin = end;
		while (begin > 0 && (Character.isJavaIdentifierPart(text.charAt(begin - 1)))) {
			begin--;
		}
		String receiver = text.substring(begin, end);
		List<Proposal> out = new ArrayList<>();
		if (receiver.equals("tile")) {
			Prelude.get().tile().values().forEach(sig -> out.add(function(sig)));
			return out;
		}
		if (receiver.equals("kernel")) {
			out.add(new Proposal("autotune", Proposal.Kind.METHOD, "@kernel.autotune(space=..., metric=..., budget_ms=..., cache=...)",
					"Tunes the kernel's schedule on the device within a budget.", "autotune(space=dict(BM=[64, 128], BN=[64, 128], warps=[4, 8]), metric=\"latency_ms\")", false));
			return out;
		}
		Type type = typeBefore(resource, begin, end, text);
		switch (type) {
			case Type.Opaque o when o.name().equals("TileContext") -> {
				for (String field : List.of("m", "n", "k", "d", "vector", "warps", "stages")) {
					out.add(new Proposal(field, Proposal.Kind.FIELD, "int", "A schedule parameter of this kernel.", field, false));
				}
			}
			case Type.Tensor t -> tensorMembers(out);
			case Type.Tile t -> tensorMembers(out);
			case Type.KTile t -> tensorMembers(out);
			case Type.Function f when f.signature().kernel() -> out.add(new Proposal("schedule", Proposal.Kind.METHOD, "schedule(block=(BM, BN), k=BK, d=BD)",
					"Fixes this kernel's schedule; chain .warps() .stages() .vector() .swizzle().", "schedule(block=(${1:128}, ${2:128}), k=${3:64})", true));
			case Type.Opaque o when o.name().equals("Schedule") -> {
				for (String m : List.of("warps", "stages", "vector", "swizzle")) {
					out.add(new Proposal(m, Proposal.Kind.METHOD, m + "(...)", null, m.equals("swizzle") ? "swizzle(\"xor\")" : m + "(${1})", !m.equals("swizzle")));
				}
			}
			default -> {
			}
		}
		return out;
	}

	private static void tensorMembers(List<Proposal> out) {
		out.add(new Proposal("shape", Proposal.Kind.FIELD, "tuple of dims", null, "shape", false));
		out.add(new Proposal("dtype", Proposal.Kind.FIELD, "dtype", null, "dtype", false));
		out.add(new Proposal("ndim", Proposal.Kind.FIELD, "int", null, "ndim", false));
		out.add(new Proposal("T", Proposal.Kind.FIELD, "transposed", null, "T", false));
	}

	/** The type of the expression that ends at {@code end} (usually a name), as the checker recorded it. */
	private Type typeBefore(XtextResource resource, int begin, int end, String text) {
		if (resource.getParseResult() == null || begin == end) {
			return Type.UNKNOWN;
		}
		TypeCheckResult result = typeSystem.check(resource);
		ILeafNode leaf = NodeModelUtils.findLeafNodeAtOffset(resource.getParseResult().getRootNode(), begin);
		EObject element = leaf == null ? null : NodeModelUtils.findActualSemanticObjectFor(leaf);
		if (element instanceof Expression e && !(result.typeOf(e) instanceof Type.Unknown)) {
			return result.typeOf(e);
		}
		// The line being typed may not parse: find the name's type among the names checked before it.
		String name = text.substring(begin, end);
		Type found = Type.UNKNOWN;
		for (Map.Entry<EObject, Type> entry : result.types().entrySet()) {
			if (entry.getKey() instanceof Name n && name.equals(n.getId()) && !(entry.getValue() instanceof Type.Unknown)) {
				var node = NodeModelUtils.findActualNodeFor(n);
				if (node != null && node.getOffset() < begin) {
					found = entry.getValue();
				}
			}
		}
		return found;
	}

	private List<Proposal> names(XtextResource resource, int offset) {
		Map<String, Proposal> out = new LinkedHashMap<>();
		if (resource.getParseResult() != null && !resource.getContents().isEmpty()) {
			TypeCheckResult result = typeSystem.check(resource);
			FunctionDef enclosing = enclosingFunction(resource, offset);
			if (enclosing != null) {
				for (Parameter p : enclosing.getParams()) {
					if (p.getName() != null) {
						Signature sig = result.signatureOf(enclosing);
						Signature.Param param = sig == null ? null : sig.param(p.getName());
						out.putIfAbsent(p.getName(), new Proposal(p.getName(), Proposal.Kind.VARIABLE, param == null ? null : Type.show(param.type()), null, p.getName(), false));
					}
				}
				for (TypeCheckResult.AssignedName a : result.assignedNames()) {
					if (inside(a.name(), enclosing)) {
						out.putIfAbsent(a.name().getId(), new Proposal(a.name().getId(), Proposal.Kind.VARIABLE, Type.show(a.type()), null, a.name().getId(), false));
					}
				}
			}
			for (EObject item : ((Module) resource.getContents().get(0)).getBody()) {
				if (item instanceof FunctionDef def && def.getName() != null) {
					Signature sig = result.signatureOf(def);
					out.putIfAbsent(def.getName(), sig == null ? new Proposal(def.getName(), Proposal.Kind.FUNCTION, null, null, def.getName(), false) : function(sig));
				}
			}
		}
		Prelude.get().builtins().values().forEach(sig -> out.putIfAbsent(sig.name(), function(sig)));
		for (DType t : DType.values()) {
			out.putIfAbsent(t.sourceName(), new Proposal(t.sourceName(), Proposal.Kind.TYPE, "dtype", null, t.sourceName(), false));
		}
		for (String type : List.of("Tensor", "KTile", "KVCache", "tile", "kernel")) {
			out.putIfAbsent(type, new Proposal(type, type.equals("tile") ? Proposal.Kind.MODULE : Proposal.Kind.TYPE, null, null, type, false));
		}
		KEYWORDS.forEach(k -> out.putIfAbsent(k, new Proposal(k, Proposal.Kind.KEYWORD, null, null, k, false)));
		out.put("def ", new Proposal("def", Proposal.Kind.SNIPPET, "a modeling function",
				null, "def ${1:name}(${2:x}: Tensor[\"${3:B}\", \"${4:D}\", ${5:f32}]) -> Tensor[\"${3:B}\", \"${4:D}\", ${5:f32}]:\n    ${0:return x}", true));
		out.put("@kernel", new Proposal("@kernel", Proposal.Kind.SNIPPET, "a tile kernel", null,
				"@kernel\ndef ${1:name}(${2:X}: KTile[${3:f16}]):\n    T = tile.context()\n    ${0:x = tile.load($2, tile.program_id(0), rows=T.m, cols=T.n)}", true));
		return new ArrayList<>(out.values());
	}

	private static Proposal function(Signature sig) {
		String insert = sig.name() + "(${1})";
		return new Proposal(sig.name(), Proposal.Kind.FUNCTION, sig.show(), sig.doc(), insert, true);
	}

	private static FunctionDef enclosingFunction(XtextResource resource, int offset) {
		for (int at = Math.min(offset, resource.getParseResult().getRootNode().getLength()); at >= 0; at--) {
			ILeafNode leaf = NodeModelUtils.findLeafNodeAtOffset(resource.getParseResult().getRootNode(), at);
			if (leaf != null && !leaf.isHidden()) {
				for (EObject e = NodeModelUtils.findActualSemanticObjectFor(leaf); e != null; e = e.eContainer()) {
					if (e instanceof FunctionDef def) {
						return def;
					}
				}
				return null;
			}
		}
		return null;
	}

	private static boolean inside(EObject node, FunctionDef def) {
		for (EObject e = node; e != null; e = e.eContainer()) {
			if (e == def) {
				return true;
			}
		}
		return false;
	}
}
