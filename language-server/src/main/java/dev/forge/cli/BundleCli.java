package dev.forge.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.forge.driver.BundleCommand;
import dev.forge.driver.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `forge bundle FILE --fn NAME... --target GPU --out DIR`: the options of {@link BundleCommand}. */
@Command(name = "bundle", header = "Compile GPU kernels ahead of time into a folder that runs them without a compiler.", description = {
		"Compiles the functions' GPU kernels ahead of time into a folder whose DIR/forge run|profile works on a GPU machine that "
				+ "has only the driver (--with-runtime: and no Java either)." },
		footer = { "", "example:", "  forge bundle samples/softmax.forge --fn softmax_last --target h100 --out sm-h100", "",
				"exit codes: 0 bundled, 1 errors in the source, 2 usage or I/O error" })
final class BundleCli implements Callable<Integer> {

	@Mixin
	HelpOption help;

	@Option(names = "--fn", paramLabel = "NAME", split = ",", description = "A function to bundle (repeatable, or comma-separated).")
	List<String> functions = new ArrayList<>();

	@Option(names = "--target", paramLabel = "h100|h200", description = "The GPU to compile for.")
	String target;

	@Option(names = "--dims", paramLabel = "B=4,...", description = "Sizes of the symbolic dims the kernels are specialised for.")
	String dims;

	@Option(names = "--out", paramLabel = "DIR", description = "The bundle folder (new, empty, or an earlier bundle).")
	Path out;

	@Option(names = "--with-runtime", description = "Add a jlinked Java runtime, for machines without Java.")
	boolean withRuntime;

	@Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The .forge file.")
	Path file;

	/** Operands after FILE: refused with a message that names both. */
	@Parameters(index = "1..*", hidden = true)
	List<String> extra = new ArrayList<>();

	private final PrintStream stdout;

	BundleCli(PrintStream stdout) {
		this.stdout = stdout;
	}

	@Override
	public Integer call() {
		if (!extra.isEmpty()) {
			throw new UsageException("bundle takes one file, got '" + file + "' and '" + extra.get(0) + "'");
		}
		List<String> names = functions.stream().map(String::strip).filter(f -> !f.isEmpty()).toList();
		return BundleCommand.run(new BundleCommand.Options(file, names, target, dims, out, withRuntime,
				Main.VERSION), stdout);
	}
}
