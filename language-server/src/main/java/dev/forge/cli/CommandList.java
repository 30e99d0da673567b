package dev.forge.cli;

import java.util.Map;
import java.util.stream.Collectors;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The command list of `forge --help`: each command with its operands ({@code check PATH...}, {@code run FILE}) and
 * its one-line header, so the overview says what every command takes without its options.
 */
final class CommandList implements CommandLine.IHelpSectionRenderer {

	private static final int NAME_WIDTH = 24;

	@Override
	public String render(Help help) {
		TextTable table = TextTable.forColumns(help.colorScheme(), new Column(NAME_WIDTH, 2, Column.Overflow.SPAN),
				new Column(help.commandSpec().usageMessage().width() - NAME_WIDTH, 1, Column.Overflow.WRAP));
		for (Map.Entry<String, Help> command : help.subcommands().entrySet()) {
			CommandSpec spec = command.getValue().commandSpec();
			String[] header = spec.usageMessage().header();
			table.addRowValues(command.getKey() + operands(spec), header.length == 0 ? "" : header[0]);
		}
		return table.toString();
	}

	/** " PATH..." for a list of operands, " FILE" for one; hidden operands (extra ones, refused by the command) are left out. */
	private static String operands(CommandSpec spec) {
		return spec.positionalParameters().stream().filter(p -> !p.hidden()).map(CommandList::operand).collect(Collectors.joining());
	}

	private static String operand(PositionalParamSpec p) {
		return " " + p.paramLabel() + (p.arity().max() > 1 ? "..." : "");
	}
}
