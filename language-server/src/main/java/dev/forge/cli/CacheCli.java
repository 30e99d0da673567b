package dev.forge.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.forge.driver.CacheCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `forge cache list|show KEY|clear|verify`: the artifact cache's entries ({@link CacheCommand}). */
@Command(name = "cache", header = "List, show, verify or clear the artifact cache.", description = {
		"The content-addressed cache that forge tune fills and forge run and profile read: one entry per function, chip description "
				+ "and shape bucket, holding the compiled code, its schedule, its verification record and its timing.",
		"  list         one line per entry", "  show KEY     one entry (a unique prefix of its key is enough)",
		"  verify       checks every entry against its hash; corrupt ones are removed", "  clear        removes every entry" },
		footer = { "", "exit codes: 0 done (verify: every entry intact), 1 verify found corrupt entries, 2 usage or I/O error" })
final class CacheCli implements Callable<Integer> {

	@Mixin
	HelpOption help;

	@Parameters(index = "0", paramLabel = "ACTION", description = "list, show, verify or clear.")
	String action;

	@Parameters(index = "1", arity = "0..1", paramLabel = "KEY", description = "For show: the entry's key or a unique prefix of it.")
	String key;

	@Option(names = "--cache", paramLabel = "DIR", description = "The cache (default: $FORGE_CACHE, else ~/.cache/forge).")
	Path cache;

	@Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "How to print (default text).")
	String format;

	private final PrintStream out;

	CacheCli(PrintStream out) {
		this.out = out;
	}

	@Override
	public Integer call() {
		return CacheCommand.run(action, key, cache, format, out);
	}
}
