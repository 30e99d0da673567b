package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** `forge build --target h100|h200 --emit llvm|ptx|cubin` as a user runs it (CI has ptxas, no GPU). */
class GpuBuildCliTest {

	/** One command line (split on spaces), its exit status, and a line its stdout (out) or stderr (err) must contain. */
	@ParameterizedTest(name = "forge {0}")
	@CsvSource(delimiter = '|', textBlock = """
			build samples/softmax.forge --emit ptx --target h100 --fn softmax_last   | 0 | out | .visible .entry softmax_last__softmax_last_0(
			build samples/softmax.forge --emit ptx --target h200 --fn softmax_rows   | 0 | out | .target sm_90a
			build samples/rmsnorm.forge --emit llvm --target h100                     | 0 | out | target triple = "nvptx64-nvidia-cuda"
			build samples/softmax.forge --emit ptx                                     | 2 | err | forge: error: --emit ptx is GPU code: add --target h100|h200
			build samples/softmax.forge --emit asm --target h100                       | 2 | err | forge: error: --emit asm is CPU code; for --target h100 choose llvm, ptx, cubin
			build samples/softmax.forge --emit cubin --target h100                     | 2 | err | forge: error: --emit cubin writes binary files: give --out DIR
			build samples/softmax.forge --emit ptx --target h100 --fn nope             | 2 | err | forge: error: no function 'nope'
			""")
	void buildForAGpu(String args, int exit, String stream, String expected) throws Exception {
		ForgeCliTest.Result r = ForgeCliTest.forge(args.strip().split(" +"));
		assertEquals(exit, r.exit(), r.out() + r.err());
		assertTrue((stream.equals("out") ? r.out() : r.err()).contains(expected), () -> stream + " lacks '" + expected + "':\n" + r.out() + r.err());
	}

	@Test
	void ptxOfASampleIsPrintedPerFunctionUnderItsSource() throws Exception {
		ForgeCliTest.Result r = ForgeCliTest.forge("build", "samples/softmax.forge", "--emit", "ptx", "--target", "h100");
		assertEquals(0, r.exit(), r.err());
		assertTrue(r.out().startsWith("// samples/softmax.forge softmax_last\n"), r.out());
		for (String function : List.of("softmax_last", "sample_probs", "softmax_rows")) {
			assertTrue(r.out().contains("// samples/softmax.forge " + function + "\n"), function);
		}
		assertEquals(3, r.out().split("\\.target sm_90a", -1).length - 1, "one PTX module per function");
	}

	/** Whether CUDA's ptxas is on PATH (CI has it; --emit cubin needs it). */
	static boolean ptxasOnPath() {
		return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
				.anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "ptxas")));
	}

	@Test
	void withOutEveryFunctionIsAFileInTheManifest(@TempDir Path dir) throws Exception {
		for (String emit : ptxasOnPath() ? List.of("ptx", "cubin") : List.of("ptx")) {
			Path out = dir.resolve(emit);
			ForgeCliTest.Result r = ForgeCliTest.forge(Sources.ROOT, Map.of(), "build", "samples/softmax.forge", "--emit", emit, "--target", "h100",
					"--out", out.toString());
			assertEquals(0, r.exit(), r.out() + r.err());
			assertEquals("wrote 3 files and manifest.json to " + out + "\n", r.out());
			JsonObject manifest = JsonParser.parseString(Files.readString(out.resolve("manifest.json"))).getAsJsonObject();
			assertEquals("h100", manifest.get("target").getAsString());
			assertEquals(emit, manifest.get("emit").getAsString());
			assertTrue(manifest.get("abi").getAsString().startsWith(".entry KERNEL(i64 programs"), manifest.toString());
			JsonArray files = manifest.getAsJsonArray("files");
			assertEquals(3, files.size());
			JsonObject first = files.get(0).getAsJsonObject();
			assertEquals("softmax.softmax_last." + emit, first.get("file").getAsString());
			assertEquals("sm_90a", first.get("sm").getAsString());
			JsonObject kernel = first.getAsJsonArray("kernels").get(0).getAsJsonObject();
			assertEquals("softmax_last__softmax_last_0", kernel.get("symbol").getAsString());
			assertEquals("softmax_last_0", kernel.get("kernel").getAsString());
			assertTrue(kernel.get("threads_per_block").getAsInt() > 0, kernel.toString());
			byte[] bytes = Files.readAllBytes(out.resolve("softmax.softmax_last." + emit));
			if (emit.equals("cubin")) {
				assertEquals(0x7f, bytes[0]); // an ELF file, assembled by ptxas
				assertEquals('E', bytes[1]);
			} else {
				assertTrue(new String(bytes).contains(".visible .entry softmax_last__softmax_last_0("));
			}
		}
	}
}
