package dev.forge.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** `forge version`. */
@Command(name = "version", header = "Print the version.", description = "Prints forge VERSION.")
final class VersionCli implements Callable<Integer> {

	@Mixin
	HelpOption help;

	private final PrintStream out;

	VersionCli(PrintStream out) {
		this.out = out;
	}

	@Override
	public Integer call() {
		out.println("forge " + Main.VERSION);
		return 0;
	}
}
