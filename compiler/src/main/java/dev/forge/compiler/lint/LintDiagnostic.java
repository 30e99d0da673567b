package dev.forge.compiler.lint;

import java.util.List;

import dev.forge.compiler.graph.SourceRange;

/**
 * One finding of a kernel lint, in plain Java: a stable code (docs/diagnostics.md), a severity, the
 * message, the source range it is reported on, related ranges (the other access of a race), and fixes
 * that the analysis checked before offering them. The driver turns these into {@code forge check}
 * output and editor diagnostics; nothing here knows the source text.
 */
public record LintDiagnostic(String code, Severity severity, String message, SourceRange range, List<Related> related,
		List<Fix> fixes) {

	public static final String BANK = "FORGE-L-BANK";
	public static final String RACE = "FORGE-L-RACE";
	public static final String RESOURCE = "FORGE-L-RESOURCE";
	public static final String GLOBAL_RACE = "FORGE-L-GLOBAL-RACE";
	public static final String FILL = "FORGE-L-FILL";
	/** Information: the roofline prediction of {@link ScheduleHints}, not a problem. */
	public static final String HINT = "FORGE-L-HINT";

	public enum Severity {
		ERROR, WARNING, INFO
	}

	/** Another source range the finding involves, with what happens there. */
	public record Related(SourceRange range, String message) {
	}

	/**
	 * A fix: {@link Kind#INSERT_LINE_BEFORE} inserts {@code text} as a new line, indented like the line
	 * of {@code anchor}, before that line; {@link Kind#SCHEDULE} sets the schedule method {@code text}
	 * (such as {@code swizzle("xor")}) on the function's {@code .schedule(...)} statement.
	 */
	public record Fix(String title, Kind kind, SourceRange anchor, String text) {
		public enum Kind {
			INSERT_LINE_BEFORE, SCHEDULE
		}
	}

	public LintDiagnostic {
		related = List.copyOf(related);
		fixes = List.copyOf(fixes);
	}
}
