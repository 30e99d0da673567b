package dev.forge.driver;

import dev.forge.ForgeLanguage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.validation.CheckMode;
import org.eclipse.xtext.validation.IResourceValidator;
import org.eclipse.xtext.validation.Issue;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.server.ForgeResourceValidator;

/**
 * `forge check`: syntax, links and validation for every requested file of a workspace, through
 * {@link ForgeResourceValidator}, the same composition of checks the language server publishes.
 */
public final class Checker {

	private Checker() {
	}

	public static List<FileReport> check(Workspace workspace) {
		// The language server's validator: one composition of every module's checks for both front ends.
		IResourceValidator validator = ForgeLanguage.injector().getInstance(ForgeResourceValidator.class);
		List<FileReport> reports = new ArrayList<>();
		for (Map.Entry<Path, XtextResource> entry : workspace.requested().entrySet()) {
			XtextResource resource = entry.getValue();
			String text = resource.getParseResult() == null ? "" : resource.getParseResult().getRootNode().getText();
			List<SourceDiagnostic> diagnostics = new ArrayList<>();
			for (Issue issue : validator.validate(resource, CheckMode.ALL, CancelIndicator.NullImpl)) {
				diagnostics.add(toDiagnostic(issue, text.length()));
			}
			diagnostics.sort(Comparator.comparingInt(SourceDiagnostic::offset).thenComparing(SourceDiagnostic::code,
					Comparator.nullsFirst(Comparator.naturalOrder())));
			reports.add(new FileReport(entry.getKey(), new LineMap(text), List.copyOf(diagnostics)));
		}
		return reports;
	}

	private static SourceDiagnostic toDiagnostic(Issue issue, int textLength) {
		SourceDiagnostic.Severity severity = switch (issue.getSeverity() == null ? Severity.ERROR : issue.getSeverity()) {
			case ERROR -> SourceDiagnostic.Severity.ERROR;
			case WARNING -> SourceDiagnostic.Severity.WARNING;
			default -> SourceDiagnostic.Severity.INFO;
		};
		int offset = issue.getOffset() == null ? 0 : Math.min(issue.getOffset(), textLength);
		int length = issue.getLength() == null ? 0 : Math.max(0, Math.min(issue.getLength(), textLength - offset));
		String code = issue.getCode() != null && (issue.getCode().matches("F\\d{4}") || issue.getCode().startsWith("FORGE-L-")) ? issue.getCode() : "F0000";
		return new SourceDiagnostic(severity, code, issue.getMessage(), offset, length);
	}
}
