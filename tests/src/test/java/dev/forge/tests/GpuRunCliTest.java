package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.google.gson.JsonParser;

/**
 * `forge run|profile --target gpu|h100|h200`. CI has no GPU: there the answer is one line on stderr,
 * "forge: error: no NVIDIA GPU ...", exit 2, nothing on stdout and never a trace. Where a GPU is
 * attached the same commands must run and verify.
 */
class GpuRunCliTest {

	@ParameterizedTest(name = "forge {0} --target {1} --format {2}")
	@CsvSource(delimiter = '|', textBlock = """
			run     | gpu  | text
			run     | gpu  | json
			run     | h100 | text
			profile | h200 | json
			profile | gpu  | text
			""")
	void withoutAGpuTheRunSaysSoInOneLine(String command, String target, String format) throws Exception {
		ForgeCliTest.Result r = ForgeCliTest.forge(command, "samples/softmax.forge", "--fn", "softmax_last", "--dims", "B=2,S=3,V=37", "--target",
				target, "--format", format);
		if (r.exit() == 0) { // a GPU is attached
			boolean verified = format.equals("json") ? JsonParser.parseString(r.out()).getAsJsonObject().get("verified").getAsBoolean()
					: r.out().contains("verified   yes");
			assertTrue(verified, r.out());
			assertTrue(format.equals("json") ? JsonParser.parseString(r.out()).getAsJsonObject().has("device") : r.out().contains("\ndevice     "),
					r.out());
			return;
		}
		assertEquals(2, r.exit(), r.out() + r.err());
		assertEquals("", r.out());
		assertTrue(r.err().startsWith("forge: error: no NVIDIA GPU"), r.err());
		assertEquals(1, r.err().lines().count(), r.err());
	}
}
