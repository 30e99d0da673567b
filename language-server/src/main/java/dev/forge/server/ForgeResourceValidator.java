package dev.forge.server;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.validation.CheckMode;
import org.eclipse.xtext.validation.CheckType;
import org.eclipse.xtext.validation.Issue;
import org.eclipse.xtext.validation.ResourceValidatorImpl;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.targets.TargetChecker;

/**
 * The one place that composes the checks of all modules: Xtext's validation (syntax, links, language
 * checks, types) plus the chip-description checker of hw-targets, as Xtext issues. Used by `forge check`
 * and by the language server.
 */
public class ForgeResourceValidator extends ResourceValidatorImpl {

	@Override
	public List<Issue> validate(Resource resource, CheckMode mode, CancelIndicator indicator) {
		List<Issue> issues = new ArrayList<>(super.validate(resource, mode, indicator));
		if (indicator != null && indicator.isCanceled()) {
			return issues;
		}
		for (SourceDiagnostic d : new TargetChecker().check(resource)) {
			Issue.IssueImpl issue = new Issue.IssueImpl();
			issue.setSeverity(d.severity() == SourceDiagnostic.Severity.ERROR ? Severity.ERROR
					: d.severity() == SourceDiagnostic.Severity.WARNING ? Severity.WARNING : Severity.INFO);
			issue.setCode(d.code());
			issue.setMessage(d.message());
			issue.setOffset(d.offset());
			issue.setLength(d.length());
			issue.setType(CheckType.NORMAL);
			issue.setUriToProblem(resource.getURI());
			issues.add(issue);
		}
		return issues;
	}
}
