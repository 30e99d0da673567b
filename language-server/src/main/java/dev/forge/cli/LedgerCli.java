package dev.forge.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.forge.driver.LedgerCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `forge ledger [--replay N]`: the run ledger ({@link LedgerCommand}). */
@Command(name = "ledger", header = "Print the ledger of runs, profiles and tunings, or replay one.", description = {
		"Every forge run, profile and tune appends one JSON line to ledger.jsonl beside the cache: time, command, source file and its "
				+ "hash, function, dims, target and device, cache key, verified and max error, median time. Without options it prints "
				+ "them as a table; --replay N runs entry N again and says whether it reproduces (the same outputs, the time within noise)." },
		footer = { "", "exit codes: 0 printed or reproduced, 1 the replay did not reproduce, 2 usage or I/O error" })
final class LedgerCli implements Callable<Integer> {

	@Mixin
	HelpOption help;

	@Option(names = "--replay", paramLabel = "N", description = "Run entry N (from 1, as the table numbers them) again.")
	Integer replay;

	@Option(names = "--cache", paramLabel = "DIR", description = "The cache the ledger lies beside (default: $FORGE_CACHE, else ~/.cache/forge).")
	Path cache;

	@Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "How to print (default text).")
	String format;

	private final PrintStream out;

	LedgerCli(PrintStream out) {
		this.out = out;
	}

	@Override
	public Integer call() {
		return LedgerCommand.run(replay, cache, format, Main.VERSION, out);
	}
}
