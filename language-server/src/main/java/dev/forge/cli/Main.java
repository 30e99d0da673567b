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
				List<String> stages = dev.forge.compiler.graph.GraphPipeline.stageNames();
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
			throw new UsageException("build needs --emit graph (tile, llvm, ptx, asm and obj come with the next compiler stages)");
		}
		if (!emit.equals("graph")) {
			throw new UsageException("--emit " + emit + " is not available yet: only the Graph IR stage exists so far (--emit graph)");
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
			String text = dev.forge.driver.GraphIr.print(entry.getValue(), dumpAfter);
			if (outDir == null) {
				out.println("// " + entry.getKey());
				out.print(text);
				continue;
			}
			String name = entry.getKey().getFileName().toString().replaceAll("\\.forge$", "") + ".graph";
			try {
				java.nio.file.Files.createDirectories(outDir);
				java.nio.file.Files.writeString(outDir.resolve(name), text);
			} catch (java.io.IOException e) {
				throw new UsageException("cannot write " + outDir.resolve(name) + ": " + e.getMessage());
			}
			com.google.gson.JsonObject item = new com.google.gson.JsonObject();
			item.addProperty("source", entry.getKey().toString());
			item.addProperty("graph", name);
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
