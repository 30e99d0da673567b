package dev.forge.ide.signature;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.lsp4j.MarkupContent;
import org.eclipse.lsp4j.MarkupKind;
import org.eclipse.lsp4j.ParameterInformation;
import org.eclipse.lsp4j.SignatureHelp;
import org.eclipse.lsp4j.SignatureHelpParams;
import org.eclipse.lsp4j.SignatureInformation;
import org.eclipse.xtext.ide.server.Document;
import org.eclipse.xtext.ide.server.signatureHelp.ISignatureHelpService;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.util.CancelIndicator;

import com.google.inject.Inject;

import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.types.Prelude;
import dev.forge.types.Signature;
import dev.forge.types.Type;
import dev.forge.types.TypeSystem;

/**
 * Signature help inside a call's parentheses: the callee's signature and docs, with the parameter
 * under the cursor (by position, or by `name=`) highlighted. Read from the text, since the call
 * being typed rarely parses yet.
 */
public class ForgeSignatureHelp implements ISignatureHelpService {

	@Inject
	private TypeSystem typeSystem;

	@Override
	public SignatureHelp getSignatureHelp(Document document, XtextResource resource, SignatureHelpParams params, CancelIndicator cancelIndicator) {
		String text = document.getContents();
		int offset = Math.min(text.length(), document.getOffSet(params.getPosition()));
		int depth = 0;
		int commas = 0;
		int open = -1;
		for (int i = offset - 1; i >= 0 && open < 0; i--) {
			char c = text.charAt(i);
			if (c == ')' || c == ']' || c == '}') {
				depth++;
			} else if (c == '(' || c == '[' || c == '{') {
				if (depth == 0) {
					if (c != '(') {
						return new SignatureHelp();
					}
					open = i;
				} else {
					depth--;
				}
			} else if (c == ',' && depth == 0) {
				commas++;
			} else if (c == '\n' && depth == 0 && i > 0 && text.charAt(i - 1) == ':') {
				return new SignatureHelp();
			}
		}
		if (open < 0) {
			return new SignatureHelp();
		}
		int start = open;
		while (start > 0 && (Character.isJavaIdentifierPart(text.charAt(start - 1)) || text.charAt(start - 1) == '.')) {
			start--;
		}
		Signature sig = lookup(resource, text.substring(start, open));
		if (sig == null) {
			return new SignatureHelp();
		}
		List<ParameterInformation> parameters = new ArrayList<>();
		for (Signature.Param p : sig.params()) {
			parameters.add(new ParameterInformation(p.name() + (p.type() instanceof Type.Unknown ? "" : ": " + Type.show(p.type()))));
		}
		SignatureInformation info = new SignatureInformation(sig.show());
		if (sig.doc() != null) {
			info.setDocumentation(new MarkupContent(MarkupKind.MARKDOWN, sig.doc()));
		}
		info.setParameters(parameters);
		String current = text.substring(text.lastIndexOf(commas == 0 ? '(' : ',', offset - 1) + 1, offset).strip();
		int active = Math.min(commas, Math.max(0, parameters.size() - 1));
		int eq = current.indexOf('=');
		if (eq > 0) {
			String keyword = current.substring(0, eq).strip();
			for (int i = 0; i < sig.params().size(); i++) {
				if (keyword.equals(sig.params().get(i).name())) {
					active = i;
				}
			}
		}
		SignatureHelp help = new SignatureHelp(List.of(info), 0, active);
		info.setActiveParameter(active);
		return help;
	}

	private Signature lookup(XtextResource resource, String callee) {
		if (callee.startsWith("tile.")) {
			return Prelude.get().tile().get(callee.substring(5));
		}
		if (!resource.getContents().isEmpty() && resource.getContents().get(0) instanceof Module module) {
			for (EObject item : module.getBody()) {
				if (item instanceof FunctionDef def && callee.equals(def.getName())) {
					return typeSystem.check(resource).signatureOf(def);
				}
			}
		}
		return Prelude.get().builtins().get(callee);
	}
}
