package dev.forge.cli;

import picocli.CommandLine.Option;

/** {@code -h/--help} on every command: prints that command's usage and exits 0. */
final class HelpOption {

	@Option(names = { "-h", "--help" }, usageHelp = true, description = "Print this command's help.")
	boolean help;
}
