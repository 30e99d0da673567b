package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** The `./forge` launcher run as a separate process, as a user runs it. */
class ForgeCliTest {

	record Result(int exit, String out, String err) {
	}

	static Result forge(Path workingDir, Map<String, String> env, String... args) throws IOException, InterruptedException {
		return command(Sources.ROOT.resolve("forge"), workingDir, env, args);
	}

	/** {@code launcher} (the repository's forge, or a bundle's) run as a process, with no stack trace allowed in its output. */
	static Result command(Path launcher, Path workingDir, Map<String, String> env, String... args) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>();
		command.add(launcher.toString());
		command.addAll(List.of(args));
		ProcessBuilder builder = new ProcessBuilder(command).directory(workingDir.toFile());
		builder.environment().put("FORGE_NO_BUILD", "1");
		builder.environment().putAll(env);
		Path out = Files.createTempFile("forge-out", ".txt");
		Path err = Files.createTempFile("forge-err", ".txt");
		Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
		if (!process.waitFor(120, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new AssertionError("forge " + String.join(" ", args) + " did not finish");
		}
		Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
		Files.delete(out);
		Files.delete(err);
		assertNoStackTrace(result);
		return result;
	}

	static Result forge(String... args) throws IOException, InterruptedException {
		return forge(Sources.ROOT, Map.of(), args);
	}

	private static void assertNoStackTrace(Result r) {
		for (String stream : List.of(r.out(), r.err())) {
			assertFalse(stream.contains("\tat ") || stream.contains("Exception") || stream.contains("RULE_"), () -> "leaked internals:\n" + stream);
		}
	}

	@Test
	void samplesCheckClean() throws Exception {
		Result r = forge("check", "samples", "hw-targets/targets");
		assertEquals(0, r.exit(), r.out() + r.err());
		assertTrue(r.out().matches("(?s).*checked \\d+ files: 0 errors, 0 warnings\\n"), r.out());
	}

	@Test
	void anErrorIsPrintedWithItsLineColumnAndCodeAndExitsOne(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("block.forge"), "def f(x):\nreturn x\n");
		Result r = forge(dir, Map.of(), "check", "block.forge");
		assertEquals(1, r.exit());
		assertEquals("block.forge:2:1: error: expected an indented block after 'def' on line 1 [F0002]\n"
				+ "checked 1 file: 1 error, 0 warnings\n", r.out());
	}

	@Test
	void folderArgumentsAreSearchedRecursively(@TempDir Path dir) throws Exception {
		Files.createDirectories(dir.resolve("a/b"));
		Files.writeString(dir.resolve("a/b/ok.forge"), "x = 1\n");
		Files.writeString(dir.resolve("a/bad.forge"), "x = (1,\n");
		Result r = forge(dir, Map.of(), "check", "a");
		assertEquals(1, r.exit());
		assertTrue(r.out().startsWith("a/bad.forge:1:8: error: '(' opened at 1:5 is never closed [F0005]\n"), r.out());
		assertTrue(r.out().endsWith("checked 2 files: 1 error, 0 warnings\n"), r.out());
	}

	@Test
	void jsonHasZeroBasedRanges(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("bad.forge"), "x = 1\ny = 2 $ 3\n");
		Result r = forge(dir, Map.of(), "check", "--format", "json", "bad.forge");
		assertEquals(1, r.exit());
		JsonArray all = JsonParser.parseString(r.out()).getAsJsonArray();
		assertEquals(1, all.size());
		JsonObject d = all.get(0).getAsJsonObject();
		assertEquals("bad.forge", d.get("file").getAsString());
		assertEquals("error", d.get("severity").getAsString());
		assertEquals("F0008", d.get("code").getAsString());
		assertEquals("invalid character '$' (U+0024)", d.get("message").getAsString());
		JsonObject start = d.getAsJsonObject("range").getAsJsonObject("start");
		JsonObject end = d.getAsJsonObject("range").getAsJsonObject("end");
		assertEquals(1, start.get("line").getAsInt());
		assertEquals(6, start.get("character").getAsInt());
		assertEquals(1, end.get("line").getAsInt());
		assertEquals(7, end.get("character").getAsInt());
	}

	@Test
	void jsonOfACleanFileIsAnEmptyArray(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("ok.forge"), "x = 1\n");
		Result r = forge(dir, Map.of(), "check", "--format=json", "ok.forge");
		assertEquals(0, r.exit());
		assertEquals(0, JsonParser.parseString(r.out()).getAsJsonArray().size());
	}

	@Test
	void usageAndInputErrorsExitTwo(@TempDir Path dir) throws Exception {
		Result missing = forge(dir, Map.of(), "check", "nope.forge");
		assertEquals(2, missing.exit());
		assertEquals("forge: error: no such file or folder: nope.forge\n", missing.err());

		Result unknownCommand = forge(dir, Map.of(), "frobnicate");
		assertEquals(2, unknownCommand.exit());
		assertTrue(unknownCommand.err().contains("unknown command 'frobnicate'"), unknownCommand.err());

		Result badFormat = forge(dir, Map.of(), "check", "--format", "xml", ".");
		assertEquals(2, badFormat.exit());
		assertTrue(badFormat.err().contains("unknown format 'xml'"), badFormat.err());

		Files.createDirectories(dir.resolve("empty"));
		Result empty = forge(dir, Map.of(), "check", "empty");
		assertEquals(2, empty.exit());
		assertTrue(empty.err().contains("no .forge files in empty"), empty.err());

		Result noArgs = forge(dir, Map.of(), "check");
		assertEquals(2, noArgs.exit());
	}

	@Test
	void withoutAJdk25TheLauncherSaysWhatToInstall(@TempDir Path dir) throws Exception {
		Result r = forge(dir, Map.of("JAVA_HOME", "/nonexistent", "PATH", "/usr/bin:/bin", "FORGE_JVM_DIR", dir.toString()), "version");
		// /usr/bin/java, where present, is older than 25 on this kind of machine.
		assertEquals(2, r.exit(), r.out() + r.err());
		assertTrue(r.err().contains("Forge needs a JDK 25 or newer"), r.err());
	}

	@Test
	void buildEmitsGraphIrAndAManifest(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("lin.forge"), "def lin(x: Tensor[\"B\", \"K\", f32], w: Tensor[\"K\", \"N\", f32]) -> Tensor[\"B\", \"N\", f32]:\n    return x @ w\n");
		Result printed = forge(dir, Map.of(), "build", "lin.forge", "--emit", "graph");
		assertEquals(0, printed.exit(), printed.err());
		assertTrue(printed.out().contains("%2 = matmul %0, %1 : [B,K] f32, [K,N] f32 -> [B,N] f32  // 2:12"), printed.out());
		Result written = forge(dir, Map.of(), "build", "lin.forge", "--emit", "graph", "--out", "out");
		assertEquals(0, written.exit(), written.err());
		assertTrue(Files.readString(dir.resolve("out/lin.graph")).startsWith("func @lin("));
		assertTrue(Files.readString(dir.resolve("out/manifest.json")).contains("\"file\": \"lin.graph\""));
		Result dumped = forge(dir, Map.of(), "build", "lin.forge", "--emit", "graph", "--dump-after=all");
		assertTrue(dumped.out().contains("// after lower\nfunc @lin(") && dumped.out().contains("// after dce\nfunc @lin(")
				&& dumped.out().contains("// result\nfunc @lin("), dumped.out());
		Result badStage = forge(dir, Map.of(), "build", "lin.forge", "--emit", "graph", "--dump-after=lowered");
		assertEquals(2, badStage.exit());
		assertTrue(badStage.err().contains("the stages are lower, reduce_last, dce, fuse, schedule, tile, layout (or all)"), badStage.err());
		Result tile = forge(dir, Map.of(), "build", "lin.forge", "--emit", "tile");
		assertEquals(0, tile.exit(), tile.err());
		assertTrue(tile.out().contains("tile.func @lin(in x: [B,K] f32, in w: [K,N] f32, out result: [B,N] f32)")
				&& tile.out().contains(" = dot "), tile.out());
		// Any chip description gives Tile IR: for a GPU with warps, thread layouts and a pipelined K loop.
		Result gpu = forge(dir, Map.of(), "build", "lin.forge", "--emit", "tile", "--target", "h100");
		assertEquals(0, gpu.exit(), gpu.err());
		assertTrue(gpu.out().contains("] threads 4x32 {") && gpu.out().contains("#L0 = blocked per_thread [")
				&& gpu.out().contains(" = async_copy x[") && gpu.out().contains("async_wait 4"), gpu.out()); // 2 loads x 2 stages ahead
		Result gpuCode = forge(dir, Map.of(), "build", "lin.forge", "--emit", "llvm", "--target", "h100");
		assertEquals(0, gpuCode.exit(), gpuCode.err());
		assertTrue(gpuCode.out().contains("nvptx64-nvidia-cuda"), gpuCode.out());
		Result unknown = forge(dir, Map.of(), "build", "lin.forge", "--emit", "tile", "--target", "h10");
		assertEquals(2, unknown.exit());
		assertTrue(unknown.err().contains("unknown target 'h10'; did you mean 'h100'?"), unknown.err());
		Result badEmit = forge(dir, Map.of(), "build", "lin.forge", "--emit", "sass");
		assertEquals(2, badEmit.exit());
		assertTrue(badEmit.err().contains("--emit sass: choose one of graph, schedule, tile, llvm, asm, obj, ptx, cubin"), badEmit.err());
		Files.writeString(dir.resolve("bad.forge"), "def f(x: Tensor[\"S\", f32], y: Tensor[\"T\", f32]):\n    return x + y\n");
		Result bad = forge(dir, Map.of(), "build", "bad.forge", "--emit", "graph");
		assertEquals(1, bad.exit());
		assertTrue(bad.out().endsWith("build stopped: 1 error\n"), bad.out());
	}

	@Test
	void buildWritesHostCodeAndAManifest(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("act.forge"), "def act(x: Tensor[\"R\", \"C\", f32]) -> Tensor[\"R\", \"C\", f32]:\n    return gelu(x) * 2.0\n");
		Result llvm = forge(dir, Map.of(), "build", "act.forge", "--emit", "llvm", "--fn", "act");
		assertEquals(0, llvm.exit(), llvm.err());
		assertTrue(llvm.out().contains("define void @act__act_0(i64 ") && llvm.out().contains("<16 x float>"), llvm.out());
		Result obj = forge(dir, Map.of(), "build", "act.forge", "--emit", "obj", "--out", "out");
		assertEquals(0, obj.exit(), obj.err());
		byte[] elf = Files.readAllBytes(dir.resolve("out/act.act.o"));
		assertEquals(0x7f, elf[0]);
		assertEquals('E', elf[1]);
		String manifest = Files.readString(dir.resolve("out/manifest.json"));
		assertTrue(manifest.contains("\"kernels\": [\n        \"act__act_0\"") && manifest.contains("\"abi\""), manifest);
		Result noOut = forge(dir, Map.of(), "build", "act.forge", "--emit", "obj");
		assertEquals(2, noOut.exit());
		assertTrue(noOut.err().contains("--emit obj writes binary files: give --out DIR"), noOut.err());
	}

	@Test
	void aJitFunctionsScheduleStatementSetsItsTilingForEveryTarget(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("lin.forge"), """
				@jit
				def lin(x: Tensor["M", "K", f32], w: Tensor["K", "N", f32]) -> Tensor["M", "N", f32]:
				    return relu(x @ w)


				lin.schedule(block=(32, 64), k=16).warps(2).stages(2)
				""");
		Result host = forge(dir, Map.of(), "build", "lin.forge", "--emit", "schedule");
		assertEquals(0, host.exit(), host.err());
		assertTrue(host.out().contains("tiling block [32, 64], inner 16, vector 16, threads 2, order [0, 1], parallel [0, 1], warps 1, stages 1  (user: line 6)"),
				host.out());
		Result gpu = forge(dir, Map.of(), "build", "lin.forge", "--emit", "tile", "--target", "h100");
		assertEquals(0, gpu.exit(), gpu.err());
		// Two stages: the two loads' copies of the next iteration stay in flight.
		assertTrue(gpu.out().contains("] threads 2x32 {") && gpu.out().contains("async_wait 2"), gpu.out());
		// Ragged dims: 50 rows of 32-row blocks, K = 37 in steps of 16, 70 columns of 64-column blocks.
		Result run = forge(dir, Map.of(), "run", "lin.forge", "--fn", "lin", "--dims", "M=50,K=37,N=70");
		assertEquals(0, run.exit(), run.out() + run.err());
		assertTrue(run.out().contains("verified   yes"), run.out());
	}

	@Test
	void runVerifiesAndTimesAFunction(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("lin.forge"), "def lin(x: Tensor[\"B\", \"K\", f32], w: Tensor[\"K\", \"N\", f32], b: Tensor[\"N\", f32]) -> Tensor[\"B\", \"N\", f32]:\n    return relu(x @ w + b)\n");
		Result text = forge(dir, Map.of(), "run", "lin.forge", "--fn", "lin", "--dims", "B=7,K=13,N=33", "--seed", "3");
		assertEquals(0, text.exit(), text.out() + text.err());
		assertTrue(text.out().contains("verified   yes (max rel error ") && text.out().contains("GFLOP/s"), text.out());
		Result json = forge(dir, Map.of(), "run", "lin.forge", "--fn", "lin", "--dims", "B=1,K=1,N=1", "--format", "json",
				"--save-outputs", "outs");
		assertEquals(0, json.exit(), json.out() + json.err());
		com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(json.out()).getAsJsonObject();
		for (String key : List.of("verified", "max_rel_error", "median_ms", "gflops", "gbps", "target", "dims")) {
			assertTrue(o.has(key), key + " missing in " + json.out());
		}
		assertTrue(o.get("verified").getAsBoolean());
		assertEquals("host", o.get("target").getAsString());
		assertEquals(1, o.getAsJsonObject("dims").get("K").getAsInt());
		assertTrue(Files.size(dir.resolve("outs/result.npy")) > 0);
	}

	@Test
	void runReadsNpyInputsAndRejectsBadRequests(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("sq.forge"), "def sq(x: Tensor[\"N\", f32]) -> Tensor[\"N\", f32]:\n    return x * x\n");
		// Run once to get an .npy of the right shape, then feed it back as the input.
		assertEquals(0, forge(dir, Map.of(), "run", "sq.forge", "--fn", "sq", "--dims", "N=5", "--save-outputs", "o").exit());
		Result given = forge(dir, Map.of(), "run", "sq.forge", "--fn", "sq", "--dims", "N=5", "--input", "x=o/result.npy", "--save-outputs", "o2");
		assertEquals(0, given.exit(), given.out() + given.err());
		Result wrongShape = forge(dir, Map.of(), "run", "sq.forge", "--fn", "sq", "--dims", "N=6", "--input", "x=o/result.npy");
		assertEquals(2, wrongShape.exit());
		assertTrue(wrongShape.err().contains("input 'x' has shape [5] but the function expects [6]"), wrongShape.err());
		Result unknown = forge(dir, Map.of(), "run", "sq.forge", "--fn", "cube");
		assertEquals(2, unknown.exit());
		assertTrue(unknown.err().contains("no function 'cube' in sq.forge (functions: sq)"), unknown.err());
		Result missing = forge(dir, Map.of(), "run", "sq.forge", "--fn", "sq", "--dims", "M=3");
		assertEquals(2, missing.exit());
		assertTrue(missing.err().contains("missing dims: N (pass --dims N=...)"), missing.err());
		Result badDims = forge(dir, Map.of(), "run", "sq.forge", "--fn", "sq", "--dims", "N=x");
		assertEquals(2, badDims.exit());
		assertTrue(badDims.err().startsWith("forge: error: --dims: "), badDims.err());
	}

	@Test
	void runFailsVerificationWhenF32LosesWhatF64Keeps(@TempDir Path dir) throws Exception {
		// (x + 1e8) - 1e8 keeps x in the f64 reference but rounds it to a multiple of 8 in f32.
		Files.writeString(dir.resolve("lossy.forge"), "def lossy(x: Tensor[\"N\", f32]) -> Tensor[\"N\", f32]:\n    return (x + 100000000.0) - 100000000.0\n");
		Result r = forge(dir, Map.of(), "run", "lossy.forge", "--fn", "lossy", "--dims", "N=100");
		assertEquals(1, r.exit(), r.out() + r.err());
		assertTrue(r.out().contains("verified   NO: ") && r.out().contains("elements differ"), r.out());
	}

	@Test
	void versionAndHelp() throws Exception {
		assertTrue(forge("version").out().startsWith("forge "));
		Result help = forge("help");
		assertEquals(0, help.exit());
		assertTrue(help.out().contains("check PATH..."), help.out());
	}
}
