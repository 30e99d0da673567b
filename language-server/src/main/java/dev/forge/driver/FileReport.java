package dev.forge.driver;

import java.nio.file.Path;
import java.util.List;

import dev.forge.diagnostics.SourceDiagnostic;

/** The diagnostics of one file, with what is needed to print their positions. */
public record FileReport(Path path, LineMap lines, List<SourceDiagnostic> diagnostics) {

	public long count(SourceDiagnostic.Severity severity) {
		return diagnostics.stream().filter(d -> d.severity() == severity).count();
	}
}
