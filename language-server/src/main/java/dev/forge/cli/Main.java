package dev.forge.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.driver.Checker;
import dev.forge.driver.FileReport;
import dev.forge.driver.UsageException;
import dev.forge.driver.Workspace;

/**
 * The `forge` command. Exit codes: 0 success, 1 the input has errors, 2 usage or I/O error,
 * 3 an internal error (a bug in Forge: one line on stderr, the trace only with FORGE_DEBUG=1).
 */
public final class Main {

	static final String VERSION = "0.1.0";

	private static final String USAGE = """
			usage: forge <command> [options]

			commands:
			  check PATH...          parse, link and validate .forge files or folders
			        --format text|json|sarif   how to print diagnostics (default text)
			  lsp                    run the language server over stdio (for editors)
			  version                print the version
			  help                   print this help

			exit codes: 0 clean, 1 errors found, 2 usage or I/O error
			""";

	private Main() {
	}

	public static void main(String[] args) {
		PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
		PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
		System.exit(run(args, out, err));
	}

	static int run(String[] args, PrintStream out, PrintStream err) {
		try {
			if (args.length == 0) {
				err.print(USAGE);
				return 2;
			}
			String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
			return switch (args[0]) {
				case "check" -> check(rest, out);
				case "lsp" -> dev.forge.server.ForgeServerLauncher.run(); // `--stdio` (added by VS Code) is the only transport
				case "version", "--version" -> {
					out.println("forge " + VERSION);
					yield 0;
				}
				case "help", "--help", "-h" -> {
					out.print(USAGE);
					yield 0;
				}
				default -> throw new UsageException("unknown command '" + args[0] + "' (try: forge help)");
			};
		} catch (UsageException e) {
			err.println("forge: error: " + e.getMessage());
			return 2;
		} catch (RuntimeException | LinkageError e) {
			err.println("forge: internal error: " + e + " (this is a bug in Forge; FORGE_DEBUG=1 prints the details)");
			if (System.getenv("FORGE_DEBUG") != null) {
				e.printStackTrace(err);
			}
			return 3;
		}
	}

	private static int check(String[] args, PrintStream out) {
		String format = "text";
		List<Path> paths = new ArrayList<>();
		for (int i = 0; i < args.length; i++) {
			String arg = args[i];
			if (arg.equals("--format")) {
				if (i + 1 >= args.length) {
					throw new UsageException("--format needs a value: text, json or sarif");
				}
				format = args[++i];
			} else if (arg.startsWith("--format=")) {
				format = arg.substring("--format=".length());
			} else if (arg.startsWith("-")) {
				throw new UsageException("unknown option '" + arg + "' for check");
			} else {
				paths.add(Path.of(arg));
			}
		}
		if (!List.of("text", "json", "sarif").contains(format)) {
			throw new UsageException("unknown format '" + format + "': use text, json or sarif");
		}
		if (paths.isEmpty()) {
			throw new UsageException("check needs at least one file or folder");
		}
		List<FileReport> reports = Checker.check(Workspace.load(paths));
		long errors = reports.stream().mapToLong(r -> r.count(SourceDiagnostic.Severity.ERROR)).sum();
		long warnings = reports.stream().mapToLong(r -> r.count(SourceDiagnostic.Severity.WARNING)).sum();
		switch (format) {
			case "json" -> out.print(DiagnosticFormats.json(reports));
			case "sarif" -> out.print(DiagnosticFormats.sarif(reports, VERSION));
			default -> {
				out.print(DiagnosticFormats.text(reports));
				out.printf("checked %d file%s: %d error%s, %d warning%s%n", reports.size(), reports.size() == 1 ? "" : "s", errors,
						errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
			}
		}
		return errors > 0 ? 1 : 0;
	}
}
