package dev.forge.ide.quickfix;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mechanical fixes for diagnostics that name their own fix: a misspelt name, keyword, operation,
 * field or schedule method whose message says "did you mean 'x'?". Plain offsets in, edits out.
 */
public final class QuickFixes {

	/** Replace {@code length} characters at {@code offset} with {@code text}. */
	public record Fix(String title, int offset, int length, String text) {
	}

	private static final Pattern SUGGESTION = Pattern.compile("did you mean '([A-Za-z_][A-Za-z_0-9]*)'");
	private static final Pattern WRONG = Pattern.compile(
			"(?:undefined name|no parameter|no operation|no field|no attribute|schedule method|not a schedule parameter|is not a schedule parameter) '([A-Za-z_][A-Za-z_0-9]*)'|^'([A-Za-z_][A-Za-z_0-9]*)' is not a schedule parameter");

	private QuickFixes() {
	}

	public static List<Fix> fixes(String text, int offset, int length, String message) {
		List<Fix> out = new ArrayList<>();
		Matcher suggestion = SUGGESTION.matcher(message);
		Matcher wrong = WRONG.matcher(message);
		if (!suggestion.find() || !wrong.find()) {
			return out;
		}
		String misspelt = wrong.group(1) != null ? wrong.group(1) : wrong.group(2);
		int end = Math.min(text.length(), offset + Math.max(length, misspelt.length()));
		int at = offset >= 0 && offset <= end ? text.substring(offset, end).indexOf(misspelt) : -1;
		if (at >= 0) {
			out.add(new Fix("Change '" + misspelt + "' to '" + suggestion.group(1) + "'", offset + at, misspelt.length(), suggestion.group(1)));
		}
		return out;
	}
}
