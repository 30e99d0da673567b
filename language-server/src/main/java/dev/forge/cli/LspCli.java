package dev.forge.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.forge.server.ForgeServerLauncher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/** `forge lsp`: the language server over stdio. */
@Command(name = "lsp", header = "Run the language server over stdio (for editors).",
		description = "Speaks the Language Server Protocol on stdin/stdout; editors start it (the Forge extension for VS Code and Theia does).")
final class LspCli implements Callable<Integer> {

	@Mixin
	HelpOption help;

	@Option(names = "--stdio", description = "Talk over stdin/stdout (the only transport; editors add it).")
	boolean stdio;

	/** Editors' clients add options of their own (e.g. --clientProcessId=N): accepted and ignored. */
	@Unmatched
	List<String> clientOptions = new ArrayList<>();

	@Override
	public Integer call() {
		return ForgeServerLauncher.run();
	}
}
