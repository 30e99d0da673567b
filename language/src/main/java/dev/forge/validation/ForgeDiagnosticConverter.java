package dev.forge.validation;

import org.eclipse.emf.common.util.Diagnostic;
import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.util.EcoreUtil;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.util.IAcceptor;
import org.eclipse.xtext.validation.DiagnosticConverterImpl;
import org.eclipse.xtext.validation.Issue;

/**
 * Xtext's conversion of validation diagnostics into issues, with the URI of the module object
 * computed once per file instead of once per diagnostic: the type checker reports all its
 * diagnostics (a large file has hundreds) on the module, and each URI costs a fragment and an entry
 * in EMF's URI pool.
 */
public class ForgeDiagnosticConverter extends DiagnosticConverterImpl {

	private record RootUri(EObject root, URI resource, URI uri) {
	}

	private volatile RootUri last;

	@Override
	public void convertValidatorDiagnostic(Diagnostic diagnostic, IAcceptor<Issue> acceptor) {
		EObject causer = getCauser(diagnostic);
		if (causer == null || causer.eContainer() != null || causer.eResource() == null) {
			super.convertValidatorDiagnostic(diagnostic, acceptor);
			return;
		}
		// As DiagnosticConverterImpl does, but for the URI of a root object.
		Severity severity = getSeverity(diagnostic);
		if (severity == null) {
			return;
		}
		Issue.IssueImpl issue = new Issue.IssueImpl();
		issue.setSeverity(severity);
		IssueLocation location = getLocationData(diagnostic);
		if (location != null) {
			issue.setLineNumber(location.lineNumber);
			issue.setColumn(location.column);
			issue.setOffset(location.offset);
			issue.setLength(location.length);
			issue.setLineNumberEnd(location.lineNumberEnd);
			issue.setColumnEnd(location.columnEnd);
		}
		issue.setUriToProblem(rootUri(causer));
		issue.setCode(getIssueCode(diagnostic));
		issue.setType(getIssueType(diagnostic));
		issue.setData(getIssueData(diagnostic));
		issue.setMessage(diagnostic.getMessage());
		acceptor.accept(issue);
	}

	private URI rootUri(EObject root) {
		URI resource = root.eResource().getURI();
		RootUri known = last;
		if (known != null && known.root() == root && known.resource().equals(resource)) {
			return known.uri();
		}
		URI uri = EcoreUtil.getURI(root);
		last = new RootUri(root, resource, uri);
		return uri;
	}
}
