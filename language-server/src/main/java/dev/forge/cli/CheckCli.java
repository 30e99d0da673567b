package dev.forge.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.driver.Checker;
import dev.forge.driver.FileReport;
import dev.forge.driver.KernelLints;
import dev.forge.driver.UsageException;
import dev.forge.driver.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `forge check PATH...`: diagnostics of .forge files and folders as text, JSON or SARIF. */
@Command(name = "check", header = "Parse, link and validate .forge files or folders.",
		description = "Prints each diagnostic as FILE:LINE:COL: error|warning: MESSAGE [CODE] and a count (or JSON, or SARIF for code scanners).",
		footer = { "", "exit codes: 0 clean, 1 errors found, 2 usage or I/O error" })
final class CheckCli implements Callable<Integer> {

	@Mixin
	HelpOption help;

	@Option(names = "--format", paramLabel = "text|json|sarif", defaultValue = "text", description = "How to print diagnostics (default text).")
	String format;

	@Option(names = "--target", paramLabel = "NAME", defaultValue = "h100",
			description = "The GPU chip description the kernel lints (races, bank conflicts, resources) are computed for (default h100; host means h100).")
	String target;

	@Option(names = "--hints", description = "Add the schedule hints (FORGE-L-HINT, information: each kernel's predicted time, bound and the block change predicted to help most) on the schedule lines.")
	boolean hints;

	@Parameters(paramLabel = "PATH", arity = "0..*", description = ".forge files or folders (searched recursively).")
	List<Path> paths = new ArrayList<>();

	private final PrintStream out;

	CheckCli(PrintStream out) {
		this.out = out;
	}

	@Override
	public Integer call() {
		if (!List.of("text", "json", "sarif").contains(format)) {
			throw new UsageException("unknown format '" + format + "': use text, json or sarif");
		}
		if (paths.isEmpty()) {
			throw new UsageException("check needs at least one file or folder");
		}
		KernelLints.setTarget(target);
		KernelLints.setHints(hints);
		List<FileReport> reports = Checker.check(Workspace.load(paths));
		long errors = reports.stream().mapToLong(r -> r.count(SourceDiagnostic.Severity.ERROR)).sum();
		long warnings = reports.stream().mapToLong(r -> r.count(SourceDiagnostic.Severity.WARNING)).sum();
		switch (format) {
			case "json" -> out.print(DiagnosticFormats.json(reports));
			case "sarif" -> out.print(DiagnosticFormats.sarif(reports, Main.VERSION));
			default -> {
				out.print(DiagnosticFormats.text(reports));
				out.printf("checked %d file%s: %d error%s, %d warning%s%n", reports.size(), reports.size() == 1 ? "" : "s", errors,
						errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
			}
		}
		return errors > 0 ? 1 : 0;
	}
}
