package dev.forge.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.forge.driver.RunCommand;
import dev.forge.driver.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `forge run FILE --fn NAME`: the options of {@link RunCommand}; {@link ProfileCli} shares them. */
@Command(name = "run", header = "Run one function on random inputs, verify it and time it.", description = {
		"Compiles one function for the host CPU or the GPU (gpu: the attached one), runs it on seeded random inputs, verifies it "
				+ "against the reference interpreter, and prints time, GFLOP/s and GB/s." },
		footer = { "", "examples:", "  forge run samples/matmul.forge --fn linear --dims B=4,S=128",
				"  forge run samples/softmax.forge --fn softmax_last --target gpu --format json", "",
				"exit codes: 0 verified, 1 errors in the source or verification failed, 2 usage or I/O error" })
class RunCli implements Callable<Integer> {

	@Mixin
	HelpOption help;

	@Option(names = "--fn", paramLabel = "NAME", description = "The function to run.")
	String function;

	@Option(names = "--dims", paramLabel = "B=4,S=128,...", description = "Sizes of the symbolic dims (default: small ones).")
	String dims;

	@Option(names = "--seed", paramLabel = "N", description = "Seed of the random inputs (default 0).")
	String seed;

	@Option(names = "--target", paramLabel = "TARGET", description = "Where to run: host (default), gpu (the attached one), or a GPU's name: h100, h200, ...")
	String target;

	@Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "How to print the result (default text).")
	String format;

	@Option(names = "--input", paramLabel = "NAME=FILE.npy", description = "Take this parameter from a .npy file (repeatable).")
	List<String> inputs = new ArrayList<>();

	@Option(names = "--save-outputs", paramLabel = "DIR", description = "Write the results as .npy files into DIR.")
	Path saveOutputs;

	@Option(names = "--plot", paramLabel = "FILE.svg", description = "Draw the run under the chip's roofline (compute and DRAM ceilings) as SVG.")
	Path plot;

	@Option(names = "--cache", paramLabel = "DIR", description = "The artifact cache and ledger (default: $FORGE_CACHE, else ~/.cache/forge).")
	Path cache;

	@Option(names = "--no-cache", description = "Compile from scratch: neither read nor write the artifact cache (the ledger still records the run).")
	boolean noCache;

	@Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The .forge file.")
	Path file;

	/** Operands after FILE: refused with a message that names both. */
	@Parameters(index = "1..*", hidden = true)
	List<String> extra = new ArrayList<>();

	private final PrintStream out;

	RunCli(PrintStream out) {
		this.out = out;
	}

	/** Whether this is `forge profile`: more repetitions and a table per kernel. */
	boolean profile() {
		return false;
	}

	@Override
	public Integer call() {
		String command = profile() ? "profile" : "run";
		if (file == null) {
			throw new UsageException(command + " needs a file: forge " + command + " FILE --fn NAME");
		}
		if (!extra.isEmpty()) {
			throw new UsageException(command + " takes one file, got '" + file + "' and '" + extra.get(0) + "'");
		}
		if (!List.of("text", "json").contains(format)) {
			throw new UsageException("unknown format '" + format + "': use text or json");
		}
		return RunCommand.run(new RunCommand.Options(file, function, dims, seed(), target, format, inputFiles(), saveOutputs,
				profile(), Main.VERSION, plot, cache, noCache), out);
	}

	private long seed() {
		try {
			return seed == null ? 0 : Long.parseLong(seed);
		} catch (NumberFormatException e) {
			throw new UsageException("--seed needs an integer, got '" + seed + "'");
		}
	}

	private Map<String, Path> inputFiles() {
		Map<String, Path> files = new LinkedHashMap<>();
		for (String input : inputs) {
			int at = input.indexOf('=');
			if (at <= 0 || at == input.length() - 1) {
				throw new UsageException("--input needs NAME=FILE.npy, got '" + input + "'");
			}
			files.put(input.substring(0, at), Path.of(input.substring(at + 1)));
		}
		return files;
	}
}
