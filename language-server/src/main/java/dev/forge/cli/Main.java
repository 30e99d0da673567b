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
			  build PATH... --emit graph|schedule|tile|llvm|asm|obj [--fn NAME] [--out DIR]
			        [--target host] [--dump-after=STAGE|all]
			                         compile every function (or NAME) and print or write one
			                         level: the IRs, or host LLVM IR, assembly, object files
			                         (with --out: the files and a manifest.json)
			  run FILE --fn NAME [--dims B=4,S=128,...] [--seed N] [--target host]
			         [--format text|json] [--input NAME=FILE.npy]... [--save-outputs DIR]
			                         compile one function for the host CPU, run it on seeded
			                         random inputs, verify it against the reference
			                         interpreter, and print time, GFLOP/s and GB/s
			                         (exit 1 when verification fails)
			  profile FILE --fn NAME [same options]
			                         run with more repetitions and a table per kernel
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
				case "build" -> build(rest, out);
				case "run" -> run(rest, out, false);
				case "profile" -> run(rest, out, true);
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

	private static int build(String[] args, PrintStream out) {
		String emit = null;
		String dumpAfter = null;
		String function = null;
		String target = null;
		Path outDir = null;
		List<Path> paths = new ArrayList<>();
		for (int i = 0; i < args.length; i++) {
			String arg = args[i];
			if (arg.equals("--emit") || arg.equals("--out") || arg.equals("--target") || arg.equals("--fn")) {
				if (i + 1 >= args.length) {
					throw new UsageException(arg + " needs a value");
				}
				String value = args[++i];
				switch (arg) {
					case "--emit" -> emit = value;
					case "--out" -> outDir = Path.of(value);
					case "--fn" -> function = value;
					default -> target = value;
				}
			} else if (arg.startsWith("--dump-after=")) {
				dumpAfter = arg.substring("--dump-after=".length());
				List<String> stages = dev.forge.compiler.Pipeline.stageNames();
				if (!dumpAfter.equals("all") && !stages.contains(dumpAfter)) {
					throw new UsageException("--dump-after=" + dumpAfter + ": the stages are " + String.join(", ", stages) + " (or all)");
				}
			} else if (arg.startsWith("-")) {
				throw new UsageException("unknown option '" + arg + "' for build");
			} else {
				paths.add(Path.of(arg));
			}
		}
		return dev.forge.driver.BuildCommand.run(new dev.forge.driver.BuildCommand.Options(paths, emit, function, outDir, dumpAfter, VERSION, target), out);
	}

	private static int run(String[] args, PrintStream out, boolean profile) {
		String command = profile ? "profile" : "run";
		Path file = null;
		String fn = null;
		String dims = null;
		long seed = 0;
		String target = "host";
		String format = "text";
		java.util.Map<String, Path> inputs = new java.util.LinkedHashMap<>();
		Path save = null;
		for (int i = 0; i < args.length; i++) {
			String arg = args[i];
			String value = null;
			int eq = arg.indexOf('=');
			if (arg.startsWith("--") && eq > 0) {
				value = arg.substring(eq + 1);
				arg = arg.substring(0, eq);
			}
			if (arg.startsWith("--")) {
				if (value == null) {
					if (i + 1 >= args.length) {
						throw new UsageException(arg + " needs a value");
					}
					value = args[++i];
				}
				switch (arg) {
					case "--fn" -> fn = value;
					case "--dims" -> dims = value;
					case "--seed" -> {
						try {
							seed = Long.parseLong(value);
						} catch (NumberFormatException e) {
							throw new UsageException("--seed needs an integer, got '" + value + "'");
						}
					}
					case "--target" -> target = value;
					case "--format" -> format = value;
					case "--input" -> {
						int at = value.indexOf('=');
						if (at <= 0 || at == value.length() - 1) {
							throw new UsageException("--input needs NAME=FILE.npy, got '" + value + "'");
						}
						inputs.put(value.substring(0, at), Path.of(value.substring(at + 1)));
					}
					case "--save-outputs" -> save = Path.of(value);
					default -> throw new UsageException("unknown option '" + arg + "' for " + command);
				}
			} else if (file == null) {
				file = Path.of(arg);
			} else {
				throw new UsageException(command + " takes one file, got '" + file + "' and '" + arg + "'");
			}
		}
		if (file == null) {
			throw new UsageException(command + " needs a file: forge " + command + " FILE --fn NAME");
		}
		if (!List.of("text", "json").contains(format)) {
			throw new UsageException("unknown format '" + format + "': use text or json");
		}
		return dev.forge.driver.RunCommand.run(new dev.forge.driver.RunCommand.Options(file, fn, dims, seed, target, format, inputs, save,
				profile), out);
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
