package dev.forge.parser;

import java.util.List;

import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.diagnostics.AbstractDiagnostic;
import org.eclipse.xtext.linking.lazy.LazyLinkingResource;
import org.eclipse.xtext.nodemodel.INode;

import dev.forge.validation.IssueCodes;

/**
 * Reports one syntax error per file, as Python does: after the first, ANTLR's recovery mostly
 * produces echoes of it. A lexical error (an unterminated string, an invalid character) wins over
 * a parser error, because it is the cause of the ones around it.
 */
public class ForgeResource extends LazyLinkingResource {

	/**
	 * Resolves the only cross-references Forge has (imports, `extends`) without visiting every
	 * expression of the file, which the default does on each build.
	 */
	@Override
	public void resolveLazyCrossReferences(org.eclipse.xtext.util.CancelIndicator monitor) {
		if (getContents().isEmpty() || !(getContents().get(0) instanceof dev.forge.forge.Module module)) {
			return;
		}
		for (org.eclipse.emf.ecore.EObject item : module.getBody()) {
			if (monitor != null && monitor.isCanceled()) {
				return;
			}
			if (item instanceof dev.forge.forge.FromImport from) {
				from.getNames().forEach(n -> n.getFunction());
			} else if (item instanceof dev.forge.forge.TargetDecl target) {
				target.getBase();
			}
		}
	}

	/**
	 * On unload EMF turns every object into a proxy, computing a URI fragment for each (a large file
	 * has tens of thousands). Only what other files can link to needs it: top-level functions and
	 * chip descriptions; the rest is garbage once the new parse replaces it.
	 */
	@Override
	protected void unloaded(org.eclipse.emf.ecore.InternalEObject object) {
		if (object instanceof dev.forge.forge.TargetDecl
				|| object instanceof dev.forge.forge.FunctionDef def && def.eContainer() instanceof dev.forge.forge.Module) {
			super.unloaded(object);
		} else {
			object.eAdapters().clear();
		}
	}

	@Override
	protected void addSyntaxDiagnostic(List<Resource.Diagnostic> diagnostics, INode node) {
		boolean lexical = isLexical(node);
		if (diagnostics.isEmpty()) {
			super.addSyntaxDiagnostic(diagnostics, node);
			return;
		}
		Resource.Diagnostic first = diagnostics.get(0);
		if (lexical && !(first instanceof AbstractDiagnostic d && isLexicalCode(d.getCode()))) {
			diagnostics.clear();
			super.addSyntaxDiagnostic(diagnostics, node);
		}
	}

	private static boolean isLexical(INode node) {
		return node.getSyntaxErrorMessage() != null && isLexicalCode(node.getSyntaxErrorMessage().getIssueCode());
	}

	private static boolean isLexicalCode(String code) {
		return IssueCodes.UNTERMINATED_STRING.equals(code) || IssueCodes.INVALID_CHARACTER.equals(code) || IssueCodes.TOO_DEEP.equals(code);
	}
}
