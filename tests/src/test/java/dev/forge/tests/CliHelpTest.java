package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** `forge COMMAND --help`, `forge help COMMAND` and the one-line errors of a command line that does not parse. */
class CliHelpTest {

	@ParameterizedTest(name = "forge {0} --help")
	@ValueSource(strings = { "check", "build", "run", "profile", "tune", "cache", "ledger", "bundle", "lsp", "version" })
	void everyCommandPrintsItsOwnUsage(String command) throws Exception {
		ForgeCliTest.Result r = ForgeCliTest.forge(command, "--help");
		assertEquals(0, r.exit(), r.out() + r.err());
		assertTrue(r.out().startsWith("usage: forge " + command + " "), r.out());
		assertTrue(r.out().contains("-h, --help"), r.out());
		assertEquals("", r.err());
		assertEquals(r.out(), ForgeCliTest.forge("help", command).out(), "forge help " + command);
		assertEquals(r.out(), ForgeCliTest.forge(command, "-h").out(), "forge " + command + " -h");
	}

	@Test
	void runHelpListsEveryOption() throws Exception {
		String help = ForgeCliTest.forge("run", "--help").out();
		for (String option : new String[] { "--fn=NAME", "--dims=", "--seed=N", "--target=", "--format=text|json", "--input=NAME=FILE.npy",
				"--save-outputs=DIR", "--plot=FILE.svg", "FILE" }) {
			assertTrue(help.contains(option), () -> option + " missing from:\n" + help);
		}
	}

	@Test
	void theOverviewListsEveryCommandWithItsOperands() throws Exception {
		ForgeCliTest.Result r = ForgeCliTest.forge("--help");
		assertEquals(0, r.exit());
		for (String line : new String[] { "check PATH...", "build PATH...", "run FILE", "profile FILE", "bundle FILE", "lsp", "version" }) {
			assertTrue(r.out().contains("\n  " + line + " "), () -> line + " missing from:\n" + r.out());
		}
		assertEquals(r.out(), ForgeCliTest.forge("help").out());
	}

	@ParameterizedTest(name = "forge {0}")
	@CsvSource(delimiter = '|', textBlock = """
			run samples/matmul.forge --fn               | forge: error: --fn needs a value (forge run --help)
			run samples/matmul.forge --fn linear --bad=1 | forge: error: unknown option '--bad' for run (forge run --help)
			profile a.forge b.forge                     | forge: error: profile takes one file, got 'a.forge' and 'b.forge'
			run samples/matmul.forge --seed x           | forge: error: --seed needs an integer, got 'x'
			run samples/matmul.forge --input x          | forge: error: --input needs NAME=FILE.npy, got 'x'
			run                                          | forge: error: run needs a file: forge run FILE --fn NAME
			build samples/matmul.forge --emit tile --dump-after=lowered | forge: error: --dump-after=lowered: the stages are
			help frobnicate                             | forge: error: unknown command 'frobnicate' (try: forge help)
			--frobnicate                                | forge: error: unknown option '--frobnicate' (forge help)
			""")
	void aCommandLineThatDoesNotParseGetsOneLineAndExitTwo(String args, String expected) throws Exception {
		ForgeCliTest.Result r = ForgeCliTest.forge(args.strip().split(" +"));
		assertEquals(2, r.exit(), r.out() + r.err());
		assertEquals("", r.out());
		assertEquals(1, r.err().lines().count(), r.err());
		assertTrue(r.err().startsWith(expected.strip()), r.err());
	}
}
