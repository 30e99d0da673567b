package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * `forge bundle` and a bundle's own `DIR/forge run`: the folder's parts, its manifest, the check
 * that refuses kernels whose source changed after bundling, and a run path that never loads LLVM.
 * One bundle of samples/softmax.forge (a @jit function and a @kernel) serves every test; CI has no
 * GPU, so an accepted run ends at "no NVIDIA GPU" (or verifies, where a GPU is attached).
 */
class BundleCliTest {

	@TempDir
	static Path temp;
	static Path bundle;

	/** The bundled run's environment: a JDK 25 for the launcher (the bundle is made without --with-runtime). */
	static final Map<String, String> JAVA = Map.of("JAVA_HOME", System.getProperty("java.home"));

	@BeforeAll
	static void bundleTheSoftmaxSample() throws Exception {
		bundle = temp.resolve("softmax-bundle");
		ForgeCliTest.Result r = ForgeCliTest.forge("bundle", "samples/softmax.forge", "--fn", "softmax_last", "--fn", "softmax_rows", "--target",
				"h100", "--dims", "B=2,S=3,V=37,R=5,C=1100", "--out", bundle.toString());
		assertEquals(0, r.exit(), r.out() + r.err());
		assertTrue(r.out().startsWith("bundled    softmax_last, softmax_rows (2 kernels) for h100 (sm_90a) into " + bundle + "\n"), r.out());
	}

	static ForgeCliTest.Result bundled(Map<String, String> env, String... args) throws IOException, InterruptedException {
		return ForgeCliTest.command(bundle.resolve("forge"), temp, env, args);
	}

	static JsonObject manifest() throws IOException {
		return JsonParser.parseString(Files.readString(bundle.resolve("manifest.json"))).getAsJsonObject();
	}

	@Test
	void theManifestDescribesEveryKernel() throws Exception {
		JsonObject m = manifest();
		assertEquals("h100", m.get("target").getAsString());
		assertEquals("sm_90a", m.get("sm").getAsString());
		assertEquals("src/softmax.forge", m.get("source").getAsString());
		assertTrue(m.getAsJsonArray("sources").contains(new com.google.gson.JsonPrimitive("src/softmax.forge")));
		assertEquals(37, m.getAsJsonObject("dims").get("V").getAsInt());
		assertTrue(m.get("runtime").isJsonNull(), "bundled without --with-runtime");
		JsonArray functions = m.getAsJsonArray("functions");
		assertEquals(List.of("softmax_last", "softmax_rows"), functions.asList().stream().map(f -> f.getAsJsonObject().get("name").getAsString()).toList());
		assertEquals(List.of("jit", "kernel"), functions.asList().stream().map(f -> f.getAsJsonObject().get("kind").getAsString()).toList());

		JsonObject last = functions.get(0).getAsJsonObject();
		assertEquals("{\"name\":\"x\",\"role\":\"input\",\"shape\":[\"B\",\"S\",\"V\"],\"dtype\":\"f32\"}", last.getAsJsonArray("arguments").get(0).toString());
		assertEquals("{\"name\":\"result\",\"role\":\"output\",\"shape\":[\"B\",\"S\",\"V\"],\"dtype\":\"f32\"}",
				last.getAsJsonArray("arguments").get(1).toString());
		JsonObject kernel = last.getAsJsonArray("kernels").get(0).getAsJsonObject();
		assertEquals("softmax_last_0", kernel.get("name").getAsString());
		assertEquals("softmax_last__softmax_last_0", kernel.get("symbol").getAsString());
		assertEquals("[\"result.shape[0]\",\"result.shape[1]\"]", kernel.getAsJsonArray("grid").toString());
		assertTrue(kernel.get("threads_per_block").getAsInt() > 0 && kernel.get("threads_per_block").getAsInt() % 32 == 0, kernel.toString());
		assertTrue(kernel.get("shared_bytes").getAsInt() >= 0, kernel.toString());
		assertEquals("{\"name\":\"x\",\"buffer\":\"x\",\"shape\":[\"B\",\"S\",\"V\"],\"dtype\":\"f32\",\"output\":false}",
				kernel.getAsJsonArray("arguments").get(1).toString());

		for (JsonElement f : functions) {
			JsonObject function = f.getAsJsonObject();
			String ptx = Files.readString(bundle.resolve(function.get("ptx").getAsString()));
			for (JsonElement k : function.getAsJsonArray("kernels")) {
				assertTrue(k.getAsJsonObject().get("hash").getAsString().matches("sha256:[0-9a-f]{64}"), k.toString());
				assertTrue(ptx.contains(".entry " + k.getAsJsonObject().get("symbol").getAsString() + "("), k.toString());
			}
			// Where ptxas is on PATH (as on CI) every bundled function has its cubin too.
			if (GpuBuildCliTest.ptxasOnPath()) {
				assertTrue(Files.size(bundle.resolve(function.get("cubin").getAsString())) > 0, function.toString());
			} else {
				assertTrue(function.get("cubin").isJsonNull(), function.toString());
			}
		}
	}

	@Test
	void theFolderHasTheLauncherTheSourcesAndTheJarsWithoutLlvmsNatives() throws Exception {
		assertTrue(Files.isExecutable(bundle.resolve("forge")));
		assertTrue(Files.isRegularFile(bundle.resolve("src/softmax.forge")));
		assertEquals(Files.readString(Sources.ROOT.resolve("samples/softmax.forge")), Files.readString(bundle.resolve("src/softmax.forge")));
		List<String> jars;
		try (Stream<Path> list = Files.list(bundle.resolve("lib"))) {
			jars = list.map(p -> p.getFileName().toString()).sorted().toList();
		}
		assertTrue(jars.stream().anyMatch(j -> j.startsWith("forge-profiler-")), jars.toString());
		assertTrue(jars.stream().anyMatch(j -> j.startsWith("org.eclipse.xtext-")), jars.toString());
		assertFalse(jars.stream().anyMatch(j -> j.endsWith("-linux-x86_64.jar")), "LLVM's natives stay out: " + jars);
		long bytes;
		try (Stream<Path> walk = Files.walk(bundle)) {
			bytes = walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
		}
		assertTrue(bytes < 48L << 20, "the bundle is " + bytes + " bytes");
	}

	/**
	 * An edit of the bundled source (from -> to), the function then run, and the kernel the bundle
	 * must refuse to run, or "-" when the edit leaves every kernel of that function as compiled.
	 */
	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
			the @jit function's body       | return e / sum(e, axis=-1, keepdims=True) | return e / (sum(e, axis=-1, keepdims=True) + 1.0) | softmax_last | softmax_last_0
			the @kernel's schedule         | block=(4, 1024)                            | block=(4, 512)                                      | softmax_rows | softmax_rows
			the @kernel's body             | tile.exp(x - m[:, None]) / l[:, None]      | tile.exp(x - m[:, None]) * l[:, None]               | softmax_rows | softmax_rows
			only a docstring               | Softmax over the last axis of x.          | Softmax over the last axis.                         | softmax_last | -
			another function               | temperature: float = 1.0                  | temperature: float = 2.0                            | softmax_last | -
			""")
	void aKernelWhoseSourceChangedAfterBundlingIsRefusedByName(String edit, String from, String to, String function, String refused)
			throws Exception {
		Path source = bundle.resolve("src/softmax.forge");
		String original = Files.readString(source);
		assertTrue(original.contains(from.strip()), "the sample no longer contains: " + from);
		Files.writeString(source, original.replace(from.strip(), to.strip()));
		try {
			ForgeCliTest.Result r = bundled(JAVA, "run", "src/softmax.forge", "--fn", function, "--target", "gpu");
			if (refused.equals("-")) {
				assertAccepted(r);
			} else {
				assertEquals(2, r.exit(), r.out() + r.err());
				assertEquals(1, r.err().lines().count(), r.err());
				assertTrue(r.err().startsWith("forge: error: kernel '" + refused + "' of '" + function + "' does not match this bundle: the source hashes to sha256:"),
						r.err());
				assertTrue(r.err().contains(", the bundled PTX was compiled from sha256:") && r.err().contains("bundle it again"), r.err());
			}
		} finally {
			Files.writeString(source, original);
		}
	}

	@Test
	void theUneditedBundleRunsByTheSourcesNameAndNeverLoadsLlvm() throws Exception {
		// One log per JVM (%p: its process id), the GPU worker's included.
		Path logs = Files.createDirectories(temp.resolve("class-logs"));
		Map<String, String> env = new java.util.HashMap<>(JAVA);
		env.put("JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + logs.resolve("classes-%p.log"));
		ForgeCliTest.Result r = bundled(env, "profile", "softmax.forge", "--fn", "softmax_rows", "--dims", "R=3,C=7");
		assertAccepted(r);
		StringBuilder classes = new StringBuilder();
		try (Stream<Path> list = Files.list(logs)) {
			for (Path log : list.toList()) {
				classes.append(Files.readString(log));
			}
		}
		assertTrue(classes.indexOf("dev.forge.driver.Bundle ") >= 0, "the run went through the bundle");
		assertTrue(classes.indexOf("org.bytedeco") < 0, "a bundled run loaded LLVM's bindings");
	}

	@ParameterizedTest(name = "forge {0}")
	@CsvSource(delimiter = '|', textBlock = """
			run src/softmax.forge --fn sample_probs           | forge: error: this bundle has no function 'sample_probs' (bundled: softmax_last, softmax_rows)
			run src/softmax.forge --fn softmax_last --target host | forge: error: a bundle runs its kernels on the GPU it was made for (h100): --target gpu
			run src/softmax.forge --fn softmax_last --target h200 | forge: error: --target h200: this bundle holds kernels for h100 only
			run nowhere.forge --fn softmax_last               | forge: error: no such file: nowhere.forge
			build src/softmax.forge --emit ptx                | forge: error: this is a Forge bundle: it runs its kernels
			""")
	void aBundleRefusesWhatItCannotDo(String args, String expected) throws Exception {
		ForgeCliTest.Result r = bundled(JAVA, args.strip().split(" +"));
		assertEquals(2, r.exit(), r.out() + r.err());
		assertTrue(r.err().startsWith(expected.strip()), r.err());
	}

	@ParameterizedTest(name = "forge bundle {0}")
	@CsvSource(delimiter = '|', textBlock = """
			samples/softmax.forge --fn softmax_last --target gpu --out OUT  | forge: error: bundle needs the chip to compile for: --target h100|h200
			samples/softmax.forge --target h100 --out OUT                   | forge: error: bundle needs --fn NAME (one or more)
			samples/softmax.forge --fn softmax_last --target h100           | forge: error: bundle needs --out DIR
			samples/softmax.forge --fn nope --target h100 --out OUT         | forge: error: no function 'nope' in samples/softmax.forge
			samples/softmax.forge --fn softmax_last --target host --out OUT | forge: error: --target host is not a GPU; GPU targets: h100, h200
			samples/softmax.forge --fn softmax_last --target h100 --out FULL | forge: error: --out FULL holds files and is not a Forge bundle
			""")
	void bundleUsageErrors(String args, String expected) throws Exception {
		Path full = temp.resolve("full");
		Files.createDirectories(full);
		Files.writeString(full.resolve("manifest.json"), "{\"files\": []}\n"); // what forge build --out writes: not a bundle
		String[] argv = ("bundle " + args.strip().replace("OUT", temp.resolve("not-made").toString()).replace("FULL", full.toString())).split(" +");
		ForgeCliTest.Result r = ForgeCliTest.forge(argv);
		assertEquals(2, r.exit(), r.out() + r.err());
		assertTrue(r.err().startsWith(expected.strip().replace("FULL", full.toString())), r.err());
		assertFalse(Files.exists(temp.resolve("not-made")));
		assertTrue(Files.exists(full.resolve("manifest.json")), "a folder that is not a bundle is left alone");
	}

	/** A bundled run whose hashes matched: on CI it ends at the missing GPU, on a GPU machine it verifies. */
	private static void assertAccepted(ForgeCliTest.Result r) {
		if (r.exit() == 0) {
			assertTrue(r.out().contains("verified   yes"), r.out());
			return;
		}
		assertEquals(2, r.exit(), r.out() + r.err());
		List<String> errors = r.err().lines().filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS")).toList();
		assertEquals(1, errors.size(), r.err());
		assertTrue(errors.get(0).startsWith("forge: error: no NVIDIA GPU"), r.err());
	}
}
