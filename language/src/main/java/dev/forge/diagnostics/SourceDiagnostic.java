package dev.forge.diagnostics;

/**
 * One diagnostic on a source range, in plain Java so that every module (targets, compiler lints,
 * the command line, the language server) can produce and print them without Xtext or LSP types.
 * Offsets are 0-based character offsets into the file's text.
 */
public record SourceDiagnostic(Severity severity, String code, String message, int offset, int length) {

	public enum Severity {
		ERROR, WARNING, INFO;

		public String label() {
			return name().toLowerCase(java.util.Locale.ROOT);
		}
	}

	public static SourceDiagnostic error(String code, String message, int offset, int length) {
		return new SourceDiagnostic(Severity.ERROR, code, message, offset, length);
	}

	public static SourceDiagnostic warning(String code, String message, int offset, int length) {
		return new SourceDiagnostic(Severity.WARNING, code, message, offset, length);
	}
}
