package dev.forge.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import dev.forge.driver.TuneCommand;
import dev.forge.driver.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `forge tune FILE --fn NAME`: the options of {@link TuneCommand}. */
@Command(name = "tune", header = "Search a function's schedules, verify and time each, and cache the fastest.", description = {
		"Tries the schedules of @kernel.autotune(space=...) or, without one, schedules around the default's knobs (block sizes, k, "
				+ "vector; on a GPU warps and stages), pruned by the chip description's limits and ranked by a cost model; compiles them "
				+ "in parallel, runs each through the correctness gate before timing it (wrong results are rejected, never cached) and "
				+ "stores the fastest in the artifact cache, where forge run and forge profile find it." },
		footer = { "", "examples:", "  forge tune bench/kernels.forge --fn gemm --dims M=1024,N=1024,K=1024 --budget 60s",
				"  forge tune samples/softmax.forge --fn softmax_rows --format json", "",
				"exit codes: 0 tuned, 1 errors in the source, 2 usage or I/O error (or no GPU for a GPU target)" })
final class TuneCli implements Callable<Integer> {

	@Mixin
	HelpOption help;

	@Option(names = "--fn", paramLabel = "NAME", description = "The function to tune.")
	String function;

	@Option(names = "--dims", paramLabel = "B=4,S=128,...", description = "Sizes of the symbolic dims to tune at (default: small ones).")
	String dims;

	@Option(names = "--target", paramLabel = "TARGET", description = "host (default), gpu (the attached one), or a GPU's name: h100, h200.")
	String target;

	@Option(names = "--budget", paramLabel = "60s", defaultValue = "60s", description = "Wall time for the search: 90s, 2m, 500ms (default 60s).")
	String budget;

	@Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "How to print the result (default text).")
	String format;

	@Option(names = "--cache", paramLabel = "DIR", description = "The artifact cache and ledger (default: $FORGE_CACHE, else ~/.cache/forge).")
	Path cache;

	@Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The .forge file.")
	Path file;

	@Parameters(index = "1..*", hidden = true)
	List<String> extra = new java.util.ArrayList<>();

	private final PrintStream out;

	TuneCli(PrintStream out) {
		this.out = out;
	}

	@Override
	public Integer call() {
		if (file == null) {
			throw new UsageException("tune needs a file: forge tune FILE --fn NAME");
		}
		if (!extra.isEmpty()) {
			throw new UsageException("tune takes one file, got '" + file + "' and '" + extra.get(0) + "'");
		}
		if (!List.of("text", "json").contains(format)) {
			throw new UsageException("unknown format '" + format + "': use text or json");
		}
		return TuneCommand.run(new TuneCommand.Options(file, function, dims, target, duration(budget), format, cache, Main.VERSION), out);
	}

	/** 60s, 2m, 500ms, or plain seconds. */
	static Duration duration(String text) {
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)?").matcher(text.trim());
		if (!m.matches()) {
			throw new UsageException("--budget needs a time such as 60s, 2m or 500ms, got '" + text + "'");
		}
		double v = Double.parseDouble(m.group(1));
		String unit = m.group(2) == null ? "s" : m.group(2);
		double ms = switch (unit) {
			case "ms" -> v;
			case "m" -> v * 60_000;
			default -> v * 1000;
		};
		if (ms <= 0) {
			throw new UsageException("--budget must be positive, got '" + text + "'");
		}
		return Duration.ofMillis((long) ms);
	}
}
