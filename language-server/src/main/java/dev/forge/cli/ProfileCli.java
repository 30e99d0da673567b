package dev.forge.cli;

import java.io.PrintStream;

import picocli.CommandLine.Command;

/** `forge profile FILE --fn NAME`: `forge run`'s options, with more repetitions and a table per kernel. */
@Command(name = "profile", header = "Run with many repetitions and a table per kernel.", description = {
		"Like run, with more repetitions (after warm-up) and a table per kernel: time, GFLOP/s, GB/s and %% of the target's roofline." },
		footer = { "", "example:", "  forge profile samples/matmul.forge --fn linear --dims B=4,S=128", "",
				"exit codes: 0 verified, 1 errors in the source or verification failed, 2 usage or I/O error" })
final class ProfileCli extends RunCli {

	ProfileCli(PrintStream out) {
		super(out);
	}

	@Override
	boolean profile() {
		return true;
	}
}
