package dev.forge.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

import dev.forge.driver.Bundle;
import dev.forge.driver.RunFailedException;
import dev.forge.driver.UsageException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The `forge` command: parses the command line with picocli (one class per command: {@link CheckCli}, {@link BuildCli},
 * {@link RunCli}, {@link ProfileCli}, {@link BundleCli}, {@link LspCli}, {@link VersionCli}) and runs the command.
 * Exit codes: 0 success, 1 the input has errors (or its run failed), 2 usage or I/O error, 3 an internal error (a bug
 * in Forge: one line on stderr, the trace only with FORGE_DEBUG=1).
 */
public final class Main {

	public static final String VERSION = "0.1.0";

	/** What a bundle's launcher can do (see dev.forge.driver.Bundle). */
	private static final List<String> BUNDLED_COMMANDS = List.of("run", "profile", "check", "version", "--version", "help", "--help", "-h");

	private Main() {
	}

	public static void main(String[] args) {
		// Guice generates a class per injected type for faster construction; Forge's injectors are built once per
		// process, where generating those classes costs more than it saves (about 0.3 s of CPU at language-server
		// start-up). Reflection then constructs them.
		if (System.getProperty("guice_bytecode_gen_option") == null) {
			System.setProperty("guice_bytecode_gen_option", "DISABLED");
		}
		PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
		PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
		System.exit(run(args, out, err));
	}

	static int run(String[] args, PrintStream out, PrintStream err) {
		if (isPlainLsp(args) && System.getProperty(Bundle.PROPERTY) == null) {
			return new LspCli().call(); // an editor waits for it: no command tree to build first (about 0.2 s)
		}
		CommandLine forge = commandLine(out, err);
		try {
			if (args.length == 0) {
				forge.usage(err);
				return 2;
			}
			if (System.getProperty(Bundle.PROPERTY) != null && !BUNDLED_COMMANDS.contains(args[0])) {
				// A bundle carries no code generator (LLVM's natives stay out): it runs what it holds.
				throw new UsageException("this is a Forge bundle: it runs its kernels (forge run|profile FILE --fn NAME --target gpu); '"
						+ args[0] + "' needs a full Forge");
			}
			ParseResult parsed = forge.parseArgs(args);
			if (CommandLine.printHelpIfRequested(parsed)) {
				return 0;
			}
			ParseResult command = parsed;
			while (command.hasSubcommand()) {
				command = command.subcommand();
			}
			Callable<?> callable = (Callable<?>) command.commandSpec().userObject();
			return (Integer) callable.call();
		} catch (ParameterException e) {
			err.println("forge: error: " + UsageErrors.message(e));
			return 2;
		} catch (UsageException e) {
			err.println("forge: error: " + e.getMessage());
			return 2;
		} catch (RunFailedException e) {
			err.println("forge: error: " + e.getMessage());
			return 1;
		} catch (Exception | LinkageError e) {
			err.println("forge: internal error: " + e + " (this is a bug in Forge; FORGE_DEBUG=1 prints the details)");
			if (System.getenv("FORGE_DEBUG") != null) {
				e.printStackTrace(err);
			}
			return 3;
		}
	}

	/** `forge lsp` with no request for help: LspCli ignores every other argument (editors add their own). */
	private static boolean isPlainLsp(String[] args) {
		if (args.length == 0 || !args[0].equals("lsp")) {
			return false;
		}
		for (int i = 1; i < args.length; i++) {
			if (args[i].equals("-h") || args[i].equals("--help")) {
				return false;
			}
		}
		return true;
	}

	/** The command tree; commands print results on {@code out} (the drivers write to a PrintStream), help on picocli's writers. */
	static CommandLine commandLine(PrintStream out, PrintStream err) {
		CommandLine forge = new CommandLine(new ForgeCommand(), commandFactory(out));
		forge.setOut(new PrintWriter(out, true));
		forge.setErr(new PrintWriter(err, true));
		// As before picocli: an argument starting with @ is a file name, and a repeated option's last value wins.
		forge.setExpandAtFiles(false);
		forge.setOverwrittenOptionsAllowed(true);
		forge.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, new CommandList());
		forge.getSubcommands().get("help").getCommandSpec().usageMessage()
				.header("Print this help, or a command's (same as forge COMMAND --help).");
		List<CommandLine> all = new java.util.ArrayList<>(forge.getSubcommands().values());
		all.add(forge);
		for (CommandLine command : all) {
			command.getCommandSpec().usageMessage().synopsisHeading("usage: ").abbreviateSynopsis(true).sortOptions(false)
					.descriptionHeading("%n").optionListHeading("%noptions:%n").parameterListHeading("%noperands:%n");
			// The header is the command's line in the overview (CommandList); its own help starts with the usage line.
			List<String> sections = new java.util.ArrayList<>(command.getHelpSectionKeys());
			sections.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER_HEADING);
			sections.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER);
			command.setHelpSectionKeys(sections);
		}
		return forge;
	}

	/** Commands that print results take the output stream in their constructor; the others are made by picocli. */
	private static CommandLine.IFactory commandFactory(PrintStream out) {
		CommandLine.IFactory defaults = CommandLine.defaultFactory();
		return new CommandLine.IFactory() {
			@Override
			public <K> K create(Class<K> type) throws Exception {
				Constructor<K> withOutput;
				try {
					withOutput = type.getDeclaredConstructor(PrintStream.class);
				} catch (NoSuchMethodException e) {
					return defaults.create(type);
				}
				return withOutput.newInstance(out);
			}
		};
	}
}
