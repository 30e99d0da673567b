package dev.forge.parser;

import java.util.List;

import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.diagnostics.AbstractDiagnostic;
import org.eclipse.xtext.linking.lazy.LazyLinkingResource;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.parser.IParseResult;

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
	 * Brings the loaded resource to {@code newText} by re-parsing only the top-level statements that
	 * changed ({@link TopLevelReparser}), then linking and clearing cached results as a load does.
	 * Returns false, with the resource untouched, where only a full parse is certain to give the same
	 * result: the caller then unloads and loads it as usual. The replaced statements are unloaded as
	 * {@link #unloaded} would on a full reload (top-level functions and chip descriptions become
	 * proxies, so that other files re-resolve their references to them).
	 */
	public boolean updateIncrementally(String newText) {
		IParseResult previous = getParseResult();
		if (!isLoaded() || previous == null || getContents().size() != 1 || getContents().get(0) != previous.getRootASTElement()) {
			return false;
		}
		TopLevelReparser.Plan plan = TopLevelReparser.plan(getParser(), previous, newText);
		if (plan == null) {
			return false;
		}
		List<org.eclipse.emf.ecore.EObject> replaced = plan.replaced();
		List<org.eclipse.emf.common.util.URI> proxies = new java.util.ArrayList<>(replaced.size());
		for (org.eclipse.emf.ecore.EObject old : replaced) {
			proxies.add(isReferable(old) ? getURI().appendFragment(getURIFragment(old)) : null);
		}
		IParseResult updated = plan.apply();
		for (int i = 0; i < replaced.size(); i++) {
			org.eclipse.emf.ecore.InternalEObject old = (org.eclipse.emf.ecore.InternalEObject) replaced.get(i);
			for (java.util.Iterator<org.eclipse.emf.ecore.EObject> it = org.eclipse.emf.ecore.util.EcoreUtil.getAllProperContents(old, false); it.hasNext();) {
				it.next().eAdapters().clear();
			}
			if (proxies.get(i) != null) {
				old.eSetProxyURI(proxies.get(i));
			}
			old.eAdapters().clear();
		}
		updateInternalState(previous, updated);
		return true;
	}

	/** Reads a whole text as a load would, in the resource's encoding. */
	public String readText(java.io.InputStream in) throws java.io.IOException {
		try (java.io.Reader reader = createReader(in)) {
			StringBuilder out = new StringBuilder();
			char[] buffer = new char[8192];
			for (int n; (n = reader.read(buffer)) > 0;) {
				out.append(buffer, 0, n);
			}
			return out.toString();
		}
	}

	/** What other files can link to: top-level functions and chip descriptions. */
	private static boolean isReferable(org.eclipse.emf.ecore.EObject object) {
		return object instanceof dev.forge.forge.TargetDecl
				|| object instanceof dev.forge.forge.FunctionDef def && def.eContainer() instanceof dev.forge.forge.Module;
	}

	/**
	 * On unload EMF turns every object into a proxy, computing a URI fragment for each (a large file
	 * has tens of thousands). Only what other files can link to needs it: top-level functions and
	 * chip descriptions; the rest is garbage once the new parse replaces it.
	 */
	@Override
	protected void unloaded(org.eclipse.emf.ecore.InternalEObject object) {
		if (isReferable(object)) {
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

	/** Errors of the lexer: they are reported before any parser error, wherever they are. */
	static boolean isLexicalCode(String code) {
		return IssueCodes.UNTERMINATED_STRING.equals(code) || IssueCodes.INVALID_CHARACTER.equals(code) || IssueCodes.TOO_DEEP.equals(code);
	}
}
