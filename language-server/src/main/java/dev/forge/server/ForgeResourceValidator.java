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
import dev.forge.driver.KernelLints;
import dev.forge.driver.LineMap;
import dev.forge.targets.TargetChecker;

/**
 * The one place that composes the checks of all modules: Xtext's validation (syntax, links, language
 * checks, types) plus the chip-description checker of hw-targets, and, for a file without errors, the
 * kernel lints ({@link KernelLints}: FORGE-L-* codes, related ranges and fixes in the issue's data,
 * see {@link #LINT_RELATED} and {@link #LINT_FIX}), as Xtext issues. Used by `forge check` and by the
 * language server.
 *
 * <p>A file with a syntax error gets that error alone, as in Python: the checks of a tree that the
 * parser's recovery made up would be guesses (an unclosed bracket swallows every statement after it).
 * It is also what lets the editor splice a re-parsed statement with a syntax error into the previous
 * tree (TopLevelReparser): that tree differs from a full parse's recovery, its one syntax error does not.
 */
public class ForgeResourceValidator extends ResourceValidatorImpl {

	/** Issue data of a lint: {@code related TAB line TAB column TAB endLine TAB endColumn TAB message} (0-based). */
	public static final String LINT_RELATED = "related";
	/** Issue data of a lint: {@code fix TAB line TAB column TAB endLine TAB endColumn TAB title TAB newText} (0-based). */
	public static final String LINT_FIX = "fix";

	@Override
	public List<Issue> validate(Resource resource, CheckMode mode, CancelIndicator indicator) {
		if (resource instanceof org.eclipse.xtext.resource.XtextResource xtext && xtext.getParseResult() != null
				&& xtext.getParseResult().hasSyntaxErrors()) {
			return syntaxErrors(resource, mode);
		}
		List<Issue> issues = new ArrayList<>(super.validate(resource, mode, indicator));
		if (indicator != null && indicator.isCanceled()) {
			return issues;
		}
		for (SourceDiagnostic d : new TargetChecker().check(resource)) {
			issues.add(issue(d, resource));
		}
		if (indicator != null && indicator.isCanceled()) {
			return issues;
		}
		if (resource instanceof org.eclipse.xtext.resource.XtextResource xtext && xtext.getParseResult() != null
				&& issues.stream().noneMatch(i -> i.getSeverity() == Severity.ERROR)) {
			issues.addAll(lintIssues(xtext));
		}
		return issues;
	}

	/** The resource's syntax diagnostics (ForgeResource keeps one per file) as issues. */
	private List<Issue> syntaxErrors(Resource resource, CheckMode mode) {
		List<Issue> issues = new ArrayList<>();
		if (mode.shouldCheck(CheckType.FAST)) {
			for (Resource.Diagnostic d : resource.getErrors()) {
				if (d instanceof org.eclipse.xtext.resource.XtextSyntaxDiagnostic) {
					getDiagnosticConverter().convertResourceDiagnostic(d, Severity.ERROR, issues::add);
				}
			}
		}
		return issues;
	}

	private static List<Issue> lintIssues(org.eclipse.xtext.resource.XtextResource resource) {
		List<Issue> out = new ArrayList<>();
		String text = resource.getParseResult().getRootNode().getText();
		LineMap lines = new LineMap(text);
		for (KernelLints.Finding f : KernelLints.lint(resource, text)) {
			SourceDiagnostic d = f.diagnostic();
			Issue.IssueImpl issue = issue(d, resource);
			LineMap.Position start = lines.position(d.offset());
			LineMap.Position end = lines.position(d.offset() + d.length());
			issue.setLineNumber(start.line() + 1);
			issue.setColumn(start.column() + 1);
			issue.setLineNumberEnd(end.line() + 1);
			issue.setColumnEnd(end.column() + 1);
			List<String> data = new ArrayList<>();
			for (KernelLints.Related r : f.related()) {
				data.add(String.join("\t", LINT_RELATED, range(lines, r.offset(), r.length()), r.message()));
			}
			for (KernelLints.Edit e : f.fixes()) {
				data.add(String.join("\t", LINT_FIX, range(lines, e.offset(), e.length()), e.title(), e.text()));
			}
			issue.setData(data.toArray(String[]::new));
			out.add(issue);
		}
		return out;
	}

	/** A module's diagnostic as an Xtext issue of {@code resource}. */
	private static Issue.IssueImpl issue(SourceDiagnostic d, Resource resource) {
		Issue.IssueImpl issue = new Issue.IssueImpl();
		issue.setSeverity(d.severity() == SourceDiagnostic.Severity.ERROR ? Severity.ERROR
				: d.severity() == SourceDiagnostic.Severity.WARNING ? Severity.WARNING : Severity.INFO);
		issue.setCode(d.code());
		issue.setMessage(d.message());
		issue.setOffset(d.offset());
		issue.setLength(d.length());
		issue.setType(CheckType.NORMAL);
		issue.setUriToProblem(resource.getURI());
		return issue;
	}

	private static String range(LineMap lines, int offset, int length) {
		LineMap.Position a = lines.position(offset);
		LineMap.Position b = lines.position(offset + length);
		return a.line() + "\t" + a.column() + "\t" + b.line() + "\t" + b.column();
	}
}
