package dev.forge.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The top of `forge`: the commands, `--help` and `--version`. Its own usage is the overview of the commands. */
@Command(name = "forge", version = "forge " + Main.VERSION, description = "Check, compile, run and profile Forge (.forge) programs; serve editors.",
		synopsisHeading = "usage: ", customSynopsis = "forge <command> [options]", commandListHeading = "%ncommands:%n",
		subcommands = { CheckCli.class, BuildCli.class, RunCli.class, ProfileCli.class, TuneCli.class, CacheCli.class, LedgerCli.class, BundleCli.class, LspCli.class, VersionCli.class,
				CommandLine.HelpCommand.class },
		footer = { "", "'forge COMMAND --help' (or 'forge help COMMAND') prints a command's options.", "",
				"exit codes: 0 clean, 1 errors found, 2 usage or I/O error" })
final class ForgeCommand implements Callable<Integer> {

	@Option(names = { "-h", "--help" }, usageHelp = true, description = "Print this help.")
	boolean help;

	@Option(names = "--version", versionHelp = true, description = "Print the version.")
	boolean version;

	/** Only top-level options and no command (e.g. nothing that asks for help): the caller prints the usage. */
	@Override
	public Integer call() {
		throw new dev.forge.driver.UsageException("no command given (try: forge help)");
	}
}
