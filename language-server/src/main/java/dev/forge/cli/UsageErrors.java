package dev.forge.cli;


import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * One line for a command line that picocli could not parse, in Forge's words ("--fn needs a value", "unknown option
 * '--x' for run", "unknown command 'x'"), pointing at the command's --help.
 */
final class UsageErrors {

	/** What picocli's help command says for `forge help NAME` when NAME is no command. */
	private static final java.util.regex.Pattern UNKNOWN_HELP_TOPIC = java.util.regex.Pattern.compile("Unknown subcommand '(.*)'\\.");

	private UsageErrors() {
	}

	static String message(ParameterException e) {
		CommandLine where = e.getCommandLine();
		boolean top = where.getParent() == null;
		String help = top ? "forge help" : "forge " + where.getCommandName() + " --help";
		if (e instanceof MissingParameterException missing && !missing.getMissing().isEmpty()
				&& missing.getMissing().get(0) instanceof OptionSpec option) {
			return option.longestName() + " needs a value (" + help + ")";
		}
		if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
			String first = unmatched.getUnmatched().get(0);
			if (top && !first.startsWith("-")) {
				return "unknown command '" + first + "' (try: forge help)";
			}
			if (first.startsWith("-")) {
				int eq = first.indexOf('=');
				String name = eq > 0 ? first.substring(0, eq) : first;
				return "unknown option '" + name + "'" + (top ? "" : " for " + where.getCommandName()) + " (" + help + ")";
			}
			return (top ? "forge" : where.getCommandName()) + " takes no operand '" + first + "' (" + help + ")";
		}
		java.util.regex.Matcher helpFor = UNKNOWN_HELP_TOPIC.matcher(String.valueOf(e.getMessage()));
		if (helpFor.matches()) { // forge help NAME, for a NAME that is no command
			return "unknown command '" + helpFor.group(1) + "' (try: forge help)";
		}
		return withoutTrailingPeriod(e.getMessage()) + " (" + help + ")";
	}

	private static String withoutTrailingPeriod(String s) {
		return s != null && s.endsWith(".") ? s.substring(0, s.length() - 1) : String.valueOf(s);
	}
}
