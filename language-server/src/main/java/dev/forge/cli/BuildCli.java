package dev.forge.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.forge.compiler.Pipeline;
import dev.forge.driver.BuildCommand;
import dev.forge.driver.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `forge build PATH... --emit LEVEL`: the options of {@link BuildCommand}, which checks and runs them. */
@Command(name = "build", header = "Compile and print or write one level: an IR, LLVM IR, assembly, objects, PTX.", description = {
		"Compiles every function (or --fn NAME) and prints one level: the IRs, host LLVM IR, assembly, object files, or for a GPU "
				+ "target LLVM IR, PTX, cubin (needs ptxas). With --out: the files and a manifest.json." },
		footer = { "", "examples:", "  forge build samples/matmul.forge --emit tile --fn linear",
				"  forge build samples/softmax.forge --emit ptx --target h100 --out out/", "",
				"exit codes: 0 built, 1 errors in the source, 2 usage or I/O error" })
final class BuildCli implements Callable<Integer> {

	@Mixin
	HelpOption help;

	@Option(names = "--emit", paramLabel = "LEVEL", description = "graph|schedule|tile|llvm|asm|obj|ptx|cubin")
	String emit;

	@Option(names = "--fn", paramLabel = "NAME", description = "Only this function.")
	String function;

	@Option(names = "--out", paramLabel = "DIR", description = "Write the files and a manifest.json here instead of printing.")
	Path out;

	@Option(names = "--target", paramLabel = "NAME", description = "host (default), h100, h200, ... (a chip description).")
	String target;

	@Option(names = "--dump-after", paramLabel = "STAGE|all", description = "Also print the IR after this stage of the pipeline (or after all).")
	String dumpAfter;

	@Parameters(paramLabel = "PATH", arity = "0..*", description = ".forge files or folders.")
	List<Path> paths = new ArrayList<>();

	private final PrintStream stdout;

	BuildCli(PrintStream stdout) {
		this.stdout = stdout;
	}

	@Override
	public Integer call() {
		if (dumpAfter != null && !dumpAfter.equals("all") && !Pipeline.stageNames().contains(dumpAfter)) {
			throw new UsageException("--dump-after=" + dumpAfter + ": the stages are " + String.join(", ", Pipeline.stageNames()) + " (or all)");
		}
		return BuildCommand.run(new BuildCommand.Options(paths, emit, function, out, dumpAfter, Main.VERSION, target), stdout);
	}
}
