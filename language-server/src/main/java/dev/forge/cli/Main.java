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
			  build PATH... --emit graph [--out DIR] [--dump-after=STAGE|all]
			                         lower every function and print (or write) its Graph IR;
			                         tile, llvm, ptx, asm and obj come with the next compiler stages
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
		java.nio.file.Path outDir = null;
		List<Path> paths = new ArrayList<>();
		for (int i = 0; i < args.length; i++) {
			String arg = args[i];
			if (arg.equals("--emit") || arg.equals("--out") || arg.equals("--target")) {
				if (i + 1 >= args.length) {
					throw new UsageException(arg + " needs a value");
				}
				String value = args[++i];
				switch (arg) {
					case "--emit" -> emit = value;
					case "--out" -> outDir = Path.of(value);
					default -> {
						if (!value.equals("host")) {
							throw new UsageException("--target " + value + ": only the host target exists so far");
						}
					}
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
		if (emit == null) {
			throw new UsageException("build needs --emit graph|schedule|tile");
		}
		dev.forge.driver.Ir.Level level = dev.forge.driver.Ir.Level.parse(emit);
		if (level == null) {
			throw new UsageException("--emit " + emit + ": the levels are graph, schedule and tile");
		}
		if (paths.isEmpty()) {
			throw new UsageException("build needs at least one file or folder");
		}
		Workspace workspace = Workspace.load(paths);
		List<FileReport> reports = Checker.check(workspace);
		long errors = reports.stream().mapToLong(r -> r.count(SourceDiagnostic.Severity.ERROR)).sum();
		if (errors > 0) {
			out.print(DiagnosticFormats.text(reports.stream().map(r -> new FileReport(r.path(), r.lines(),
					r.diagnostics().stream().filter(d -> d.severity() == SourceDiagnostic.Severity.ERROR).toList())).toList()));
			out.printf("build stopped: %d error%s%n", errors, errors == 1 ? "" : "s");
			return 1;
		}
		com.google.gson.JsonArray manifest = new com.google.gson.JsonArray();
		for (var entry : workspace.requested().entrySet()) {
			String text = dev.forge.driver.Ir.print(entry.getValue(), level, dumpAfter);
			if (outDir == null) {
				out.println("// " + entry.getKey());
				out.print(text);
				continue;
			}
			String name = entry.getKey().getFileName().toString().replaceAll("\\.forge$", "") + "." + level.id();
			try {
				java.nio.file.Files.createDirectories(outDir);
				java.nio.file.Files.writeString(outDir.resolve(name), text);
			} catch (java.io.IOException e) {
				throw new UsageException("cannot write " + outDir.resolve(name) + ": " + e.getMessage());
			}
			com.google.gson.JsonObject item = new com.google.gson.JsonObject();
			item.addProperty("source", entry.getKey().toString());
			item.addProperty(level.id(), name);
			manifest.add(item);
		}
		if (outDir != null) {
			com.google.gson.JsonObject m = new com.google.gson.JsonObject();
			m.addProperty("forge", VERSION);
			m.addProperty("target", "host");
			m.addProperty("emit", emit);
			m.add("files", manifest);
			try {
				java.nio.file.Files.writeString(outDir.resolve("manifest.json"), new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(m) + "\n");
			} catch (java.io.IOException e) {
				throw new UsageException("cannot write " + outDir.resolve("manifest.json") + ": " + e.getMessage());
			}
			out.println("wrote " + manifest.size() + " file" + (manifest.size() == 1 ? "" : "s") + " and manifest.json to " + outDir);
		}
		return 0;
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
