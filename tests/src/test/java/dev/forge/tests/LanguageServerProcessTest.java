package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.eclipse.lsp4j.ClientCapabilities;
import org.eclipse.lsp4j.Diagnostic;
import org.eclipse.lsp4j.DidChangeTextDocumentParams;
import org.eclipse.lsp4j.DidOpenTextDocumentParams;
import org.eclipse.lsp4j.DocumentSymbolParams;
import org.eclipse.lsp4j.HoverParams;
import org.eclipse.lsp4j.InitializeParams;
import org.eclipse.lsp4j.InitializedParams;
import org.eclipse.lsp4j.InlayHint;
import org.eclipse.lsp4j.InlayHintParams;
import org.eclipse.lsp4j.MessageActionItem;
import org.eclipse.lsp4j.MessageParams;
import org.eclipse.lsp4j.Position;
import org.eclipse.lsp4j.PublishDiagnosticsParams;
import org.eclipse.lsp4j.Range;
import org.eclipse.lsp4j.SemanticTokensParams;
import org.eclipse.lsp4j.ShowMessageRequestParams;
import org.eclipse.lsp4j.TextDocumentContentChangeEvent;
import org.eclipse.lsp4j.TextDocumentIdentifier;
import org.eclipse.lsp4j.TextDocumentItem;
import org.eclipse.lsp4j.VersionedTextDocumentIdentifier;
import org.eclipse.lsp4j.jsonrpc.Launcher;
import org.eclipse.lsp4j.services.LanguageClient;
import org.eclipse.lsp4j.services.LanguageServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `forge lsp` as a separate process, driven over stdio by LSP4J's client launcher, as an editor
 * drives it: diagnostics with both shapes, hovers with shapes and signatures, inlay hints, symbols,
 * semantic tokens, and robustness under rapid edits and a large file.
 */
class LanguageServerProcessTest {

	private static final String BLOCK = """
			@jit
			def block(x: Tensor["B", "S", "D", bf16], w: Tensor["K", "N", bf16]) -> Tensor["B", "S", "N", bf16]:
			    \"\"\"A projection with the wrong weight.\"\"\"
			    h = x @ w
			    return rmsnorm(h)
			""";

	@TempDir
	Path workspace;

	/** The server's interface as a client sees it: LSP plus Forge's own requests. */
	public interface ForgeServer extends LanguageServer {
		@org.eclipse.lsp4j.jsonrpc.services.JsonRequest("forge/ir")
		java.util.concurrent.CompletableFuture<com.google.gson.JsonObject> ir(com.google.gson.JsonObject params);
	}

	private Process process;
	private ForgeServer server;
	private final Map<String, List<Diagnostic>> diagnostics = new ConcurrentHashMap<>();
	/** When each file's diagnostics were first published, and when the server answered initialize (System.nanoTime). */
	private final Map<String, Long> firstDiagnostics = new ConcurrentHashMap<>();
	private volatile long initialized;
	private final StringBuilder stderr = new StringBuilder();

	/** $/progress notifications as "token kind message", in order. */
	private final List<String> progress = java.util.Collections.synchronizedList(new ArrayList<>());

	@BeforeEach
	void start() throws Exception {
		start(List.of(Sources.ROOT.resolve("forge").toString(), "lsp", "--stdio"));
	}

	/**
	 * The server started as {@code java [-Dforge.launcher=LAUNCHER] -cp <server jar> dev.forge.cli.Main lsp}
	 * in place of `./forge lsp`: with a stand-in for the Forge command line, or without one.
	 */
	private void restartWithLauncher(Path launcher) throws Exception {
		stop();
		Files.deleteIfExists(workspace.resolve("stderr.txt"));
		String java = ProcessHandle.current().info().command().orElse("java");
		Path jar;
		try (var jars = Files.list(Sources.ROOT.resolve("language-server/target"))) {
			jar = jars.filter(f -> f.getFileName().toString().matches("forge-language-server-.*-server\\.jar")).findFirst().orElseThrow();
		}
		List<String> command = new ArrayList<>(List.of(java, "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"));
		if (launcher != null) {
			command.add("-Dforge.launcher=" + launcher);
		}
		command.addAll(List.of("-cp", jar.toString(), "dev.forge.cli.Main", "lsp"));
		start(command);
	}

	private void start(List<String> command) throws Exception {
		ProcessBuilder builder = new ProcessBuilder(command);
		builder.environment().put("FORGE_NO_BUILD", "1");
		// The artifact cache and ledger of this test alone (Tune stores there, the hover reads it, runs use it).
		builder.environment().put("FORGE_CACHE", workspace.resolve("forge-cache").toString());
		builder.redirectError(workspace.resolve("stderr.txt").toFile());
		process = builder.start();
		LanguageClient client = new LanguageClient() {
			@Override
			public void publishDiagnostics(PublishDiagnosticsParams params) {
				diagnostics.put(params.getUri(), params.getDiagnostics());
				firstDiagnostics.putIfAbsent(params.getUri(), System.nanoTime());
			}

			@Override
			public void telemetryEvent(Object object) {
			}

			@Override
			public void showMessage(MessageParams messageParams) {
			}

			@Override
			public java.util.concurrent.CompletableFuture<MessageActionItem> showMessageRequest(ShowMessageRequestParams requestParams) {
				return java.util.concurrent.CompletableFuture.completedFuture(null);
			}

			@Override
			public void logMessage(MessageParams message) {
			}

			@Override
			public java.util.concurrent.CompletableFuture<Void> createProgress(org.eclipse.lsp4j.WorkDoneProgressCreateParams params) {
				progress.add(params.getToken().getLeft() + " create");
				return java.util.concurrent.CompletableFuture.completedFuture(null);
			}

			@Override
			public void notifyProgress(org.eclipse.lsp4j.ProgressParams params) {
				var value = params.getValue().getLeft();
				String message = value instanceof org.eclipse.lsp4j.WorkDoneProgressBegin b ? b.getTitle() + ": " + b.getMessage()
						: value instanceof org.eclipse.lsp4j.WorkDoneProgressReport r ? r.getMessage()
						: ((org.eclipse.lsp4j.WorkDoneProgressEnd) value).getMessage();
				progress.add(params.getToken().getLeft() + " " + value.getKind() + " " + message);
			}
		};
		Launcher<ForgeServer> launcher = Launcher.createLauncher(client, ForgeServer.class, process.getInputStream(), process.getOutputStream());
		launcher.startListening();
		server = launcher.getRemoteProxy();
		InitializeParams init = new InitializeParams();
		init.setRootUri(workspace.toUri().toString());
		ClientCapabilities capabilities = new ClientCapabilities();
		org.eclipse.lsp4j.WindowClientCapabilities window = new org.eclipse.lsp4j.WindowClientCapabilities();
		window.setWorkDoneProgress(true);
		capabilities.setWindow(window);
		init.setCapabilities(capabilities);
		var result = server.initialize(init).get(60, TimeUnit.SECONDS);
		initialized = System.nanoTime();
		assertNotNull(result.getCapabilities().getHoverProvider());
		assertTrue(result.getCapabilities().getInlayHintProvider().getLeft());
		assertNotNull(result.getCapabilities().getCodeLensProvider());
		assertEquals(List.of("forge.run", "forge.profile", "forge.showTileIr", "forge.tune"), result.getCapabilities().getExecuteCommandProvider().getCommands());
		server.initialized(new InitializedParams());
	}

	@AfterEach
	void stop() throws Exception {
		if (process != null && process.isAlive()) {
			server.shutdown().get(30, TimeUnit.SECONDS);
			server.exit();
			assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the server did not exit after shutdown/exit");
		}
		String err = Files.readString(workspace.resolve("stderr.txt"));
		assertFalse(err.contains("\tat dev.forge"), () -> "a Forge stack trace on stderr:\n" + err);
	}

	private String open(String name, String text) throws Exception {
		Path file = workspace.resolve(name);
		Files.writeString(file, text);
		String uri = file.toUri().toString();
		server.getTextDocumentService().didOpen(new DidOpenTextDocumentParams(new TextDocumentItem(uri, "forge", 1, text)));
		return uri;
	}

	private List<Diagnostic> awaitDiagnostics(String uri, java.util.function.Predicate<List<Diagnostic>> until) throws InterruptedException {
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (System.nanoTime() < end) {
			List<Diagnostic> d = diagnostics.get(uri);
			if (d != null && until.test(d)) {
				return d;
			}
			Thread.sleep(20);
		}
		throw new AssertionError("no matching diagnostics for " + uri + "; last: " + diagnostics.get(uri));
	}

	private String hover(String uri, int line, int character) throws Exception {
		var hover = server.getTextDocumentService().hover(new HoverParams(new TextDocumentIdentifier(uri), new Position(line, character)))
				.get(30, TimeUnit.SECONDS);
		return hover == null || hover.getContents() == null ? "" : hover.getContents().getRight().getValue();
	}

	@Test
	void aShapeErrorIsPublishedWithBothShapesOnTheOperator() throws Exception {
		String uri = open("block.forge", BLOCK);
		List<Diagnostic> d = awaitDiagnostics(uri, list -> !list.isEmpty());
		assertEquals(1, d.size(), d.toString());
		assertEquals("matmul: inner dims differ: x is [B,S,D], w is [K,N]: D vs K", d.get(0).getMessage().getLeft());
		assertEquals("F0302", d.get(0).getCode().getLeft());
		assertEquals(new Range(new Position(3, 8), new Position(3, 13)), d.get(0).getRange());
	}

	@Test
	void fixingTheErrorClearsIt() throws Exception {
		String uri = open("block.forge", BLOCK);
		awaitDiagnostics(uri, list -> !list.isEmpty());
		String fixed = BLOCK.replace("w: Tensor[\"K\", \"N\", bf16]", "w: Tensor[\"D\", \"N\", bf16]");
		server.getTextDocumentService().didChange(new DidChangeTextDocumentParams(new VersionedTextDocumentIdentifier(uri, 2),
				List.of(new TextDocumentContentChangeEvent(fixed))));
		awaitDiagnostics(uri, List::isEmpty);
	}

	@Test
	void hoverShowsShapesAndSignatures() throws Exception {
		String uri = open("block.forge", BLOCK.replace("\"K\", \"N\"", "\"D\", \"N\""));
		assertEquals("```forge\nh: Tensor[\"B\",\"S\",\"N\", bf16]\n```\n\n3-D tensor, shape `[B,S,N]`, bf16", hover(uri, 3, 4));
		String def = hover(uri, 1, 6);
		assertTrue(def.startsWith("```forge\ndef block(x: Tensor[\"B\",\"S\",\"D\", bf16], w: Tensor[\"D\",\"N\", bf16]) -> Tensor[\"B\",\"S\",\"N\", bf16]\n```\n\n"
				+ "A projection with the wrong weight.\n\n---\n\n**Tile IR** (host)\n```forge-ir\ntile.func @block("), def);
		assertTrue(def.contains("kernel @block_0("), def);
		String builtin = hover(uri, 4, 13);
		assertTrue(builtin.startsWith("```forge\ndef rmsnorm(x: Tensor[\"*S\",\"D\", T]"), builtin);
		assertTrue(builtin.contains("x / sqrt(mean(x*x, last axis) + eps)"), builtin);
	}

	private static final String FIXED_BLOCK = BLOCK.replace("\"K\", \"N\"", "\"D\", \"N\"");

	private com.google.gson.JsonObject irOf(String uri, String function, String level) throws Exception {
		com.google.gson.JsonObject params = new com.google.gson.JsonObject();
		params.addProperty("uri", uri);
		params.addProperty("function", function);
		params.addProperty("level", level);
		return server.ir(params).get(120, TimeUnit.SECONDS);
	}

	private static String errorOf(java.util.concurrent.Future<?> future) {
		var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class, () -> future.get(120, TimeUnit.SECONDS));
		return failure.getCause().getMessage();
	}

	@Test
	void irRequestAnswersGraphScheduleTileInProcessAndLlvmThroughForgeBuild() throws Exception {
		String uri = open("block.forge", FIXED_BLOCK);
		String graph = irOf(uri, "block", "graph").get("text").getAsString();
		assertTrue(graph.startsWith("func @block(%0 x: [B,S,D] bf16, %1 w: [D,N] bf16) -> ([B,S,N] bf16) {"), graph);
		assertFalse(irOf(uri, "block", "schedule").get("text").getAsString().isBlank());
		String tile = irOf(uri, "block", "tile").get("text").getAsString();
		assertTrue(tile.startsWith("tile.func @block("), tile);
		com.google.gson.JsonObject params = new com.google.gson.JsonObject();
		params.addProperty("uri", uri);
		params.addProperty("function", "block");
		params.addProperty("level", "quantum");
		assertTrue(errorOf(server.ir(params)).contains("unknown level 'quantum'"));
		// llvm comes from `forge build FILE --emit llvm --fn block` in a child process: its text, or what it said.
		params.addProperty("level", "llvm");
		String text = server.ir(params).get(120, TimeUnit.SECONDS).get("text").getAsString();
		assertTrue(text.contains("define void @block__block_0(i64 "), text);
	}

	private static final String LENSES = """
			@jit
			def scale(x: Tensor["S", f32]) -> Tensor["S", f32]:
			    return x * 2.0


			@kernel
			def k(X: KTile["M", f16]):
			    T = tile.context()


			def helper(x: Tensor["S", f32]) -> Tensor["S", f32]:
			    return x
			""";

	@Test
	void codeLensesRunProfileShowTileIrAboveJitAndKernelFunctions() throws Exception {
		String uri = open("lenses.forge", LENSES);
		var lenses = server.getTextDocumentService().codeLens(new org.eclipse.lsp4j.CodeLensParams(new TextDocumentIdentifier(uri))).get(30, TimeUnit.SECONDS);
		List<String> seen = lenses.stream()
				.map(l -> l.getRange().getStart().getLine() + ":" + l.getRange().getStart().getCharacter() + "-" + l.getRange().getEnd().getLine() + ":"
						+ l.getRange().getEnd().getCharacter() + " " + l.getCommand().getTitle() + " " + l.getCommand().getCommand() + " "
						+ l.getCommand().getArguments().stream().map(a -> ((com.google.gson.JsonElement) a).getAsString()).toList())
				.toList();
		assertEquals(List.of(
				"0:0-1:9 Run forge.run [" + uri + ", scale]",
				"0:0-1:9 Profile forge.profile [" + uri + ", scale]",
				"0:0-1:9 Tune forge.tune [" + uri + ", scale]",
				"0:0-1:9 Show Tile IR forge.showTileIr [" + uri + ", scale]",
				"5:0-6:5 Run forge.run [" + uri + ", k]",
				"5:0-6:5 Profile forge.profile [" + uri + ", k]",
				"5:0-6:5 Tune forge.tune [" + uri + ", k]",
				"5:0-6:5 Show Tile IR forge.showTileIr [" + uri + ", k]"), seen);
		// A function that does not compile (a shape error): its hover says why, and is still a hover.
		String bad = open("block.forge", BLOCK);
		String hover = hover(bad, 1, 6);
		assertTrue(hover.startsWith("```forge\ndef block(") && hover.contains("\n\n---\n\n**Tile IR**: not compiled: "), hover);
		// No lenses while the file has a syntax error.
		server.getTextDocumentService().didChange(new DidChangeTextDocumentParams(new VersionedTextDocumentIdentifier(uri, 2),
				List.of(new TextDocumentContentChangeEvent(LENSES + "def broken(:\n"))));
		assertEquals(List.of(), server.getTextDocumentService().codeLens(new org.eclipse.lsp4j.CodeLensParams(new TextDocumentIdentifier(uri)))
				.get(30, TimeUnit.SECONDS));
	}

	private java.util.concurrent.CompletableFuture<Object> execute(String command, Object... arguments) {
		return server.getWorkspaceService().executeCommand(new org.eclipse.lsp4j.ExecuteCommandParams(command, List.of(arguments)));
	}

	private com.google.gson.JsonObject executeAndWait(String command, Object... arguments) throws Exception {
		return json(execute(command, arguments).get(180, TimeUnit.SECONDS));
	}

	/** A command's result as JSON (LSP4J hands an Object result to the client as Gson maps). */
	private static com.google.gson.JsonObject json(Object result) {
		return new com.google.gson.Gson().toJsonTree(result).getAsJsonObject();
	}

	@Test
	void showTileIrCommandReturnsTheTileIrDocument() throws Exception {
		String uri = open("block.forge", FIXED_BLOCK);
		var result = executeAndWait("forge.showTileIr", uri, "block");
		assertTrue(result.get("text").getAsString().contains("tile.func @block("), result.toString());
		assertTrue(result.get("uri").getAsString().startsWith("forge-ir:/block.forge/block.tile.forge-ir?"), result.toString());
		// The object form of the arguments, as the client's palette sends it.
		com.google.gson.JsonObject argument = new com.google.gson.JsonObject();
		argument.addProperty("uri", uri);
		argument.addProperty("function", "block");
		argument.addProperty("target", "host");
		assertTrue(executeAndWait("forge.showTileIr", argument).get("text").getAsString().contains("tile.func @"));
		assertTrue(errorOf(execute("forge.showTileIr", uri, "nope")).contains("no function 'nope'"));
	}

	/** The progress notifications of the one run so far: "kind message" after create, begin ... end. */
	private List<String> progressOfOneRun() throws InterruptedException {
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < end && progress.stream().noneMatch(p -> p.contains(" end "))) {
			Thread.sleep(20);
		}
		List<String> all = List.copyOf(progress);
		assertFalse(all.isEmpty(), "no progress");
		String token = all.get(0).substring(0, all.get(0).indexOf(' '));
		assertTrue(all.stream().allMatch(p -> p.startsWith(token + " ")), all.toString());
		List<String> kinds = all.stream().map(p -> p.substring(token.length() + 1)).toList();
		assertEquals("create", kinds.get(0), all.toString());
		assertTrue(kinds.get(1).startsWith("begin "), all.toString());
		assertTrue(kinds.getLast().startsWith("end "), all.toString());
		return kinds;
	}

	@Test
	void runCommandRunsTheSampleInAChildProcessWithProgress() throws Exception {
		String uri = open("matmul.forge", Sources.read(Sources.ROOT.resolve("samples/matmul.forge")));
		var result = executeAndWait("forge.run", uri, "linear");
		assertTrue(result.get("ok").getAsBoolean(), result.toString());
		String summary = result.get("summary").getAsString();
		assertTrue(summary.matches("linear: verified, [0-9.e-]+ ms, [0-9.e-]+ GFLOP/s on host"), summary);
		assertTrue(result.get("output").getAsString().contains("\"verified\": true"), result.toString());
		List<String> kinds = progressOfOneRun();
		assertTrue(kinds.get(1).startsWith("begin Running linear: forge run "), kinds.toString());
		assertEquals("end " + summary, kinds.getLast());
	}

	@Test
	void tuneCommandTunesInAChildProcessAndTheHoverShowsTheTunedSchedule() throws Exception {
		String source = """
				@jit
				def twice(x: Tensor["N", f32]) -> Tensor["N", f32]:
				    return x * 2.0
				""";
		String uri = open("twice.forge", source);
		assertFalse(hover(uri, 1, 6).contains("tuned on"), "no tuning yet");
		// The object form with a budget of two seconds (the lens sends [uri, function]: forge tune's default budget).
		com.google.gson.JsonObject argument = new com.google.gson.JsonObject();
		argument.addProperty("uri", uri);
		argument.addProperty("function", "twice");
		argument.addProperty("budget", "2s");
		var result = executeAndWait("forge.tune", argument);
		assertTrue(result.get("ok").getAsBoolean(), result.toString());
		String summary = result.get("summary").getAsString();
		java.util.regex.Matcher m = java.util.regex.Pattern
				.compile("twice: tuned (.+), [0-9.]+ ms vs the default's [0-9.]+ ms \\([0-9.]+x\\), 0 rejected, on host").matcher(summary);
		assertTrue(m.matches(), summary);
		String schedule = m.group(1);
		assertTrue(result.get("output").getAsString().contains("\"best_schedule\": \"" + schedule + "\""), result.toString());
		assertTrue(result.get("command").getAsString().startsWith("forge tune "), result.toString());
		assertTrue(result.get("command").getAsString().endsWith(" --fn twice --format json --budget 2s"), result.toString());
		List<String> kinds = progressOfOneRun();
		assertTrue(kinds.get(1).startsWith("begin Tuning twice: forge tune "), kinds.toString());
		assertTrue(kinds.stream().anyMatch(k -> k.startsWith("report progress ") && k.contains("compiled")), kinds.toString());
		assertEquals("end " + summary, kinds.getLast());
		// The hover of the function's name finds the tuned entry under the key forge run uses.
		String hover = hover(uri, 1, 6);
		assertTrue(java.util.regex.Pattern.compile("\n\ntuned on host: " + java.util.regex.Pattern.quote(schedule) + ", [0-9.]+ ms(, [0-9.]+% of peak)?\n\n\\*\\*Tile IR\\*\\* \\(host\\)")
				.matcher(hover).find(), hover);
		// Another function of the same file was not tuned; a changed body has another key.
		server.getTextDocumentService().didChange(new DidChangeTextDocumentParams(new VersionedTextDocumentIdentifier(uri, 2),
				List.of(new TextDocumentContentChangeEvent(source.replace("x * 2.0", "x * 3.0")))));
		assertFalse(hover(uri, 1, 6).contains("tuned on"), "the entry belongs to the other body");
		// A bad budget is a clean error.
		argument.addProperty("budget", "soon");
		assertTrue(errorOf(execute("forge.tune", argument)).contains("budget: not a duration: soon"));
	}

	@Test
	void runOfAFunctionThatDoesNotExistIsACleanFailure() throws Exception {
		String uri = open("matmul.forge", Sources.read(Sources.ROOT.resolve("samples/matmul.forge")));
		var result = executeAndWait("forge.run", uri, "nope");
		assertFalse(result.get("ok").getAsBoolean(), result.toString());
		String summary = result.get("summary").getAsString();
		assertTrue(summary.startsWith("nope: run failed: ") && summary.contains("nope"), summary);
		assertTrue(process.isAlive());
	}

	/**
	 * A stand-in for the Forge command line that follows `forge run`'s contract (JSON on stdout; exit 0 verified,
	 * 1 not verified, 2 a usage error on stderr), crashes, or runs until it is killed; it writes its pid to
	 * child-NAME.pid.
	 */
	private Path fakeLauncher() throws Exception {
		Path script = workspace.resolve("fake-forge");
		Files.writeString(script, """
				#!/usr/bin/env bash
				fn="$4"
				echo "$$" > "%s/child-$fn.pid"
				case "$fn" in
				  matmul)
				    echo "forge run: dims M=64 (defaults)" >&2
				    echo '{"function": "matmul", "verified": true, "max_rel_error": 1e-6, "median_ms": 1.234, "gflops": 45.61, "gbps": 3.2,'
				    echo ' "target": "host", "dims": {"M": 64}, "reference": "interpreter"}' ;;
				  wrong) echo '{"function": "wrong", "verified": false, "max_rel_error": 0.25, "median_ms": 2.0, "gflops": 1.5, "target": "host"}'; exit 1 ;;
				  usage) echo "forge: error: no function 'usage' in the file" >&2; exit 2 ;;
				  crash) echo "Segmentation fault in the kernel" >&2; kill -SEGV $$ ;;
				  slow) echo "compiling slow" >&2; exec sleep 300 ;;
				esac
				""".formatted(workspace));
		assertTrue(script.toFile().setExecutable(true));
		return script;
	}

	@Test
	void runResultsFollowTheForgeRunContract() throws Exception {
		restartWithLauncher(fakeLauncher());
		String uri = open("fake.forge", FIXED_BLOCK);
		var verified = executeAndWait("forge.run", uri, "matmul");
		assertEquals("matmul: verified, 1.23 ms, 45.6 GFLOP/s on host", verified.get("summary").getAsString());
		assertTrue(verified.get("ok").getAsBoolean());
		assertTrue(verified.get("output").getAsString().contains("\"median_ms\": 1.234"), verified.toString());
		assertTrue(verified.get("output").getAsString().contains("forge run: dims M=64 (defaults)"), verified.toString());
		assertTrue(progressOfOneRun().contains("report forge run: dims M=64 (defaults)"), progress.toString());
		var wrong = executeAndWait("forge.run", uri, "wrong");
		assertEquals("wrong: NOT verified (max rel error 0.25), 2.00 ms, 1.50 GFLOP/s on host", wrong.get("summary").getAsString());
		assertFalse(wrong.get("ok").getAsBoolean());
		var usage = executeAndWait("forge.profile", uri, "usage");
		assertEquals("usage: profile failed: forge: error: no function 'usage' in the file", usage.get("summary").getAsString());
		assertFalse(usage.get("ok").getAsBoolean());
		var crash = executeAndWait("forge.run", uri, "crash");
		assertEquals("crash: run crashed (killed by signal 11): Segmentation fault in the kernel", crash.get("summary").getAsString());
		assertFalse(crash.get("ok").getAsBoolean());
		assertTrue(process.isAlive());
		assertTrue(hover(uri, 3, 4).contains("h:"));
	}

	private long awaitPid(String function) throws Exception {
		Path file = workspace.resolve("child-" + function + ".pid");
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (System.nanoTime() < end) {
			if (Files.exists(file) && !Files.readString(file).isBlank()) {
				return Long.parseLong(Files.readString(file).strip());
			}
			Thread.sleep(20);
		}
		throw new AssertionError("the child never started");
	}

	private static void awaitGone(long pid) throws InterruptedException {
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < end && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
			Thread.sleep(20);
		}
		assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the child " + pid + " still runs");
	}

	@Test
	void cancellingARunKillsTheChildProcess() throws Exception {
		restartWithLauncher(fakeLauncher());
		String uri = open("slow.forge", FIXED_BLOCK);
		// $/cancelRequest
		var first = execute("forge.run", uri, "slow");
		long pid = awaitPid("slow");
		assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
		first.cancel(true);
		awaitGone(pid);
		// window/workDoneProgress/cancel, from the progress the server created
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < end && progress.stream().noneMatch(p -> p.contains(" end "))) {
			Thread.sleep(20);
		}
		Files.delete(workspace.resolve("child-slow.pid"));
		progress.clear();
		var second = execute("forge.profile", uri, "slow");
		long pid2 = awaitPid("slow");
		String token = progress.get(0).substring(0, progress.get(0).indexOf(' '));
		server.cancelProgress(new org.eclipse.lsp4j.WorkDoneProgressCancelParams(org.eclipse.lsp4j.jsonrpc.messages.Either.forLeft(token)));
		var result = json(second.get(30, TimeUnit.SECONDS));
		assertEquals("slow: profile cancelled", result.get("summary").getAsString());
		assertFalse(result.get("ok").getAsBoolean());
		awaitGone(pid2);
		assertEquals("end slow: profile cancelled", progressOfOneRun().getLast());
		// Tune: the same child process, the same cancel.
		Files.delete(workspace.resolve("child-slow.pid"));
		progress.clear();
		var third = execute("forge.tune", uri, "slow");
		long pid3 = awaitPid("slow");
		String token3 = progress.get(0).substring(0, progress.get(0).indexOf(' '));
		server.cancelProgress(new org.eclipse.lsp4j.WorkDoneProgressCancelParams(org.eclipse.lsp4j.jsonrpc.messages.Either.forLeft(token3)));
		assertEquals("slow: tune cancelled", json(third.get(30, TimeUnit.SECONDS)).get("summary").getAsString());
		awaitGone(pid3);
		assertTrue(process.isAlive());
	}

	@Test
	void runWithoutTheForgeCommandLineSaysSo() throws Exception {
		restartWithLauncher(null);
		String uri = open("block.forge", FIXED_BLOCK);
		var result = executeAndWait("forge.run", uri, "block");
		assertEquals("block: Run needs the Forge command line (forge.launcher is not set)", result.get("summary").getAsString());
		assertFalse(result.get("ok").getAsBoolean());
		com.google.gson.JsonObject params = new com.google.gson.JsonObject();
		params.addProperty("uri", uri);
		params.addProperty("function", "block");
		params.addProperty("level", "llvm");
		assertEquals("The llvm level needs the Forge command line (forge.launcher is not set)", errorOf(server.ir(params)));
	}

	@Test
	void formattingNormalizesSpacingAndIndentation() throws Exception {
		String uri = open("fmt.forge", "def f(x:Tensor[\"S\",f32])->Tensor[\"S\",f32]:\n  y=x*2\n  return y\n");
		var edits = server.getTextDocumentService().formatting(new org.eclipse.lsp4j.DocumentFormattingParams(new TextDocumentIdentifier(uri),
				new org.eclipse.lsp4j.FormattingOptions(4, true))).get(30, TimeUnit.SECONDS);
		assertEquals(1, edits.size());
		assertEquals("def f(x: Tensor[\"S\", f32]) -> Tensor[\"S\", f32]:\n    y = x*2\n    return y\n", edits.get(0).getNewText());
		String broken = open("broken-fmt.forge", "def f(:\n");
		assertEquals(List.of(), server.getTextDocumentService().formatting(new org.eclipse.lsp4j.DocumentFormattingParams(new TextDocumentIdentifier(broken),
				new org.eclipse.lsp4j.FormattingOptions(4, true))).get(30, TimeUnit.SECONDS));
	}

	@Test
	void inlayHintsShowInferredShapes() throws Exception {
		String uri = open("block.forge", BLOCK.replace("\"K\", \"N\"", "\"D\", \"N\""));
		List<InlayHint> hints = server.getTextDocumentService()
				.inlayHint(new InlayHintParams(new TextDocumentIdentifier(uri), new Range(new Position(0, 0), new Position(10, 0)))).get(30, TimeUnit.SECONDS);
		assertEquals(1, hints.size(), hints.toString());
		assertEquals(": [B,S,N] bf16", hints.get(0).getLabel().getLeft());
		assertEquals(new Position(3, 5), hints.get(0).getPosition());
	}

	@Test
	void completionOffersTileOperationsContextFieldsAndNamesInScope() throws Exception {
		String text = "@kernel\ndef k(X: KTile[f16]):\n    T = tile.context()\n    a = tile.\n    b = T.\n    return \n";
		String uri = open("k.forge", text);
		assertTrue(labels(uri, 3, 13).containsAll(List.of("load", "dot", "softmax_online", "barrier")), labels(uri, 3, 13).toString());
		assertEquals(List.of("m", "n", "k", "d", "vector", "warps", "stages"), labels(uri, 4, 10));
		List<String> names = labels(uri, 5, 11);
		assertTrue(names.containsAll(List.of("X", "T", "k", "rmsnorm", "bf16", "def", "@kernel")), names.toString());
	}

	private List<String> labels(String uri, int line, int character) throws Exception {
		var result = server.getTextDocumentService()
				.completion(new org.eclipse.lsp4j.CompletionParams(new TextDocumentIdentifier(uri), new Position(line, character))).get(30, TimeUnit.SECONDS);
		var items = result.isLeft() ? result.getLeft() : result.getRight().getItems();
		return items.stream().map(org.eclipse.lsp4j.CompletionItem::getLabel).toList();
	}

	private static final String NAVIGATE = """
			def scale(x: Tensor["S", f32], *, by: float) -> Tensor["S", f32]:
			    y = x * by
			    return y + y

			def use(v: Tensor["S", f32]) -> Tensor["S", f32]:
			    return scale(v, by=2.0)
			""";

	@Test
	void definitionReferencesAndRename() throws Exception {
		String uri = open("nav.forge", NAVIGATE);
		var definition = server.getTextDocumentService().definition(new org.eclipse.lsp4j.DefinitionParams(new TextDocumentIdentifier(uri), new Position(2, 11)))
				.get(30, TimeUnit.SECONDS).getLeft();
		assertEquals(List.of(new Range(new Position(1, 4), new Position(1, 5))), definition.stream().map(l -> l.getRange()).toList());
		var callee = server.getTextDocumentService().definition(new org.eclipse.lsp4j.DefinitionParams(new TextDocumentIdentifier(uri), new Position(5, 12)))
				.get(30, TimeUnit.SECONDS).getLeft();
		assertEquals(new Range(new Position(0, 4), new Position(0, 9)), callee.get(0).getRange());
		var refs = server.getTextDocumentService().references(new org.eclipse.lsp4j.ReferenceParams(new TextDocumentIdentifier(uri), new Position(1, 4),
				new org.eclipse.lsp4j.ReferenceContext(true))).get(30, TimeUnit.SECONDS);
		assertEquals(List.of(new Position(1, 4), new Position(2, 11), new Position(2, 15)), refs.stream().map(l -> l.getRange().getStart()).toList());
		var edit = server.getTextDocumentService().rename(new org.eclipse.lsp4j.RenameParams(new TextDocumentIdentifier(uri), new Position(0, 10), "inputs"))
				.get(30, TimeUnit.SECONDS);
		assertEquals(List.of(new Position(0, 10), new Position(1, 8)), edit.getChanges().get(uri).stream().map(e -> e.getRange().getStart()).toList());
		var bad = server.getTextDocumentService().rename(new org.eclipse.lsp4j.RenameParams(new TextDocumentIdentifier(uri), new Position(0, 10), "1x"));
		java.util.concurrent.ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
				() -> bad.get(30, TimeUnit.SECONDS));
		assertTrue(failure.getCause().getMessage().contains("'1x' is not a valid name"), failure.getCause().getMessage());
	}

	@Test
	void renamingAFunctionRenamesItsImportsInOtherFiles() throws Exception {
		String lib = open("layers.forge", "def linear(x: Tensor[\"S\", f32]) -> Tensor[\"S\", f32]:\n    return x\n");
		String user = open("model.forge", "from layers import linear\n\ndef model(x: Tensor[\"S\", f32]) -> Tensor[\"S\", f32]:\n    return linear(x)\n");
		awaitDiagnostics(user, List::isEmpty);
		var edit = server.getTextDocumentService().rename(new org.eclipse.lsp4j.RenameParams(new TextDocumentIdentifier(user), new Position(3, 12), "dense"))
				.get(30, TimeUnit.SECONDS);
		assertEquals(List.of(new Position(0, 4)), edit.getChanges().get(lib).stream().map(e -> e.getRange().getStart()).toList());
		assertEquals(List.of(new Position(0, 19), new Position(3, 11)), edit.getChanges().get(user).stream().map(e -> e.getRange().getStart()).toList());
	}

	@Test
	void signatureHelpFollowsTheArgumentBeingTyped() throws Exception {
		String uri = open("sig.forge", NAVIGATE + "z = scale(v, by=\n");
		var help = server.getTextDocumentService().signatureHelp(new org.eclipse.lsp4j.SignatureHelpParams(new TextDocumentIdentifier(uri), new Position(6, 16)))
				.get(30, TimeUnit.SECONDS);
		assertEquals("def scale(x: Tensor[\"S\", f32], *, by: float) -> Tensor[\"S\", f32]", help.getSignatures().get(0).getLabel());
		assertEquals(1, help.getActiveParameter());
	}

	@Test
	void quickFixReplacesAMisspeltName() throws Exception {
		String uri = open("fix.forge", "def f(x: Tensor[\"S\", \"D\", f32]):\n    return sofmax(x)\n");
		List<Diagnostic> d = awaitDiagnostics(uri, list -> !list.isEmpty());
		var actions = server.getTextDocumentService().codeAction(new org.eclipse.lsp4j.CodeActionParams(new TextDocumentIdentifier(uri), d.get(0).getRange(),
				new org.eclipse.lsp4j.CodeActionContext(d))).get(30, TimeUnit.SECONDS);
		assertEquals(1, actions.size(), actions.toString());
		var action = actions.get(0).getRight();
		assertEquals("Change 'sofmax' to 'softmax'", action.getTitle());
		var edit = action.getEdit().getChanges().get(uri).get(0);
		assertEquals("softmax", edit.getNewText());
		assertEquals(new Range(new Position(1, 11), new Position(1, 17)), edit.getRange());
	}

	/**
	 * A kernel lint over the real server: flash attention without the barrier after its copies has a
	 * shared-memory race, published as a warning with the other access as related information and a
	 * quick fix that inserts tile.barrier() before the read.
	 */
	@Test
	void aSharedMemoryRaceIsPublishedWithTheOtherAccessAndABarrierFix() throws Exception {
		String sample = Sources.read(Sources.ROOT.resolve("samples/flash_attention.forge"));
		String racy = sample.replace("        tile.barrier()                                # the block is in shared memory\n", "");
		String uri = open("racy.forge", racy);
		List<Diagnostic> d = awaitDiagnostics(uri, list -> !list.isEmpty());
		assertEquals(1, d.size(), d.toString());
		Diagnostic race = d.get(0);
		assertEquals("FORGE-L-RACE", race.getCode().getLeft());
		assertEquals(org.eclipse.lsp4j.DiagnosticSeverity.Warning, race.getSeverity());
		assertTrue(race.getMessage().getLeft().startsWith("read-after-write race on shared buffer 'v_smem': the write at line 34 and the read at line 41"),
				race.getMessage().getLeft());
		assertEquals(new Position(40, 65), race.getRange().getStart());
		assertEquals(1, race.getRelatedInformation().size());
		assertEquals(uri, race.getRelatedInformation().get(0).getLocation().getUri());
		assertEquals(new Position(33, 8), race.getRelatedInformation().get(0).getLocation().getRange().getStart());
		var actions = server.getTextDocumentService().codeAction(new org.eclipse.lsp4j.CodeActionParams(new TextDocumentIdentifier(uri),
				race.getRange(), new org.eclipse.lsp4j.CodeActionContext(d))).get(30, TimeUnit.SECONDS);
		var fix = actions.stream().map(a -> a.getRight()).filter(a -> a.getTitle().startsWith("Insert tile.barrier()")).findFirst().orElseThrow();
		var edit = fix.getEdit().getChanges().get(uri).get(0);
		assertEquals("        tile.barrier()\n", edit.getNewText());
		assertEquals(new Range(new Position(40, 0), new Position(40, 0)), edit.getRange());
		// The fix applied: the file is clean.
		String fixed = racy.lines().toList().subList(0, 40).stream().map(l -> l + "\n").collect(Collectors.joining()) + edit.getNewText()
				+ racy.lines().skip(40).map(l -> l + "\n").collect(Collectors.joining());
		server.getTextDocumentService().didChange(new DidChangeTextDocumentParams(new VersionedTextDocumentIdentifier(uri, 2),
				List.of(new TextDocumentContentChangeEvent(fixed))));
		awaitDiagnostics(uri, List::isEmpty);
	}

	@Test
	void documentSymbolsAndSemanticTokens() throws Exception {
		String uri = open("block.forge", BLOCK);
		var symbols = server.getTextDocumentService().documentSymbol(new DocumentSymbolParams(new TextDocumentIdentifier(uri))).get(30, TimeUnit.SECONDS);
		String names = symbols.stream().map(s -> s.isLeft() ? s.getLeft().getName() + ":" + s.getLeft().getKind() : s.getRight().getName() + ":" + s.getRight().getKind())
				.collect(Collectors.joining(","));
		assertEquals("block:Function", names);
		var tokens = server.getTextDocumentService().semanticTokensFull(new SemanticTokensParams(new TextDocumentIdentifier(uri))).get(30, TimeUnit.SECONDS);
		assertFalse(tokens.getData().isEmpty(), "no semantic tokens");
		var folds = server.getTextDocumentService().foldingRange(new org.eclipse.lsp4j.FoldingRangeRequestParams(new TextDocumentIdentifier(uri)))
				.get(30, TimeUnit.SECONDS);
		assertEquals(List.of("0-4"), folds.stream().map(f -> f.getStartLine() + "-" + f.getEndLine()).toList());
	}

	/**
	 * Ranged changes, as VS Code sends them, some inside one function (re-parsed in place), some that
	 * add a function or break the syntax (a full parse): the diagnostics at the end are those of the
	 * same text opened fresh.
	 */
	@Test
	void rangedEditsEndWithTheDiagnosticsOfAFreshParse() throws Exception {
		String start = BLOCK + "\n" + BLOCK.replace("def block(", "def block2(") + "\n@jit\ndef third(x: Tensor[\"N\", f32]) -> Tensor[\"N\", f32]:\n    return x\n";
		String uri = open("ranged.forge", start);
		awaitDiagnostics(uri, list -> !list.isEmpty());
		StringBuilder text = new StringBuilder(start);
		int version = 2;
		// In block2: typing and deleting, a syntax error and its fix; the same in third().
		int line = lineOf(text, "    h = x @ w", 2);
		version = rangedEdit(uri, version, text, line, 13, line, 13, "[0]");
		version = rangedEdit(uri, version, text, line, 13, line, 16, "");
		version = rangedEdit(uri, version, text, line, 13, line, 13, " @");
		version = rangedEdit(uri, version, text, line, 13, line, 15, "");
		int third = lineOf(text, "    return x", 1);
		version = rangedEdit(uri, version, text, third, 12, third, 12, " +");
		version = rangedEdit(uri, version, text, third, 12, third, 14, " * 2.0");
		// A new function at the end, then a new statement inside block().
		int end = text.toString().split("\n", -1).length - 1;
		version = rangedEdit(uri, version, text, end, 0, end, 0, "\ndef fourth(y: Tensor[\"M\", f32]):\n    return y @ y\n");
		int inBlock = lineOf(text, "    h = x @ w", 1);
		version = rangedEdit(uri, version, text, inBlock, 0, inBlock, 0, "    unused = 1\n");
		String fresh = open("fresh.forge", text.toString());
		List<String> expected = awaitDiagnostics(fresh, list -> true).stream().map(LanguageServerProcessTest::show).toList();
		awaitDiagnostics(uri, list -> list.stream().map(LanguageServerProcessTest::show).toList().equals(expected));
		assertFalse(expected.isEmpty());
	}

	private int rangedEdit(String uri, int version, StringBuilder text, int startLine, int startChar, int endLine, int endChar, String newText) {
		String[] lines = text.toString().split("\n", -1);
		int from = 0;
		for (int i = 0; i < startLine; i++) {
			from += lines[i].length() + 1;
		}
		int to = 0;
		for (int i = 0; i < endLine; i++) {
			to += lines[i].length() + 1;
		}
		text.replace(from + startChar, to + endChar, newText);
		TextDocumentContentChangeEvent change = new TextDocumentContentChangeEvent(new Range(new Position(startLine, startChar), new Position(endLine, endChar)),
				newText);
		server.getTextDocumentService().didChange(new DidChangeTextDocumentParams(new VersionedTextDocumentIdentifier(uri, version), List.of(change)));
		return version + 1;
	}

	/** The line of the {@code n}-th (from 1) line that starts with {@code prefix}. */
	private static int lineOf(CharSequence text, String prefix, int n) {
		String[] lines = text.toString().split("\n", -1);
		for (int i = 0; i < lines.length; i++) {
			if (lines[i].startsWith(prefix) && --n == 0) {
				return i;
			}
		}
		throw new AssertionError("no line " + prefix);
	}

	private static String show(Diagnostic d) {
		return d.getRange() + " " + d.getSeverity() + " " + (d.getCode() == null ? "" : d.getCode().getLeft()) + " " + d.getMessage().getLeft();
	}

	@Test
	void rapidEditsAndALargeFileLeaveItResponsive() throws Exception {
		String uri = open("block.forge", BLOCK);
		StringBuilder text = new StringBuilder(BLOCK);
		for (int version = 2; version < 52; version++) {
			text.append("# edit ").append(version).append('\n');
			server.getTextDocumentService().didChange(new DidChangeTextDocumentParams(new VersionedTextDocumentIdentifier(uri, version),
					List.of(new TextDocumentContentChangeEvent(text.toString()))));
		}
		awaitDiagnostics(uri, list -> list.size() == 1);
		StringBuilder big = new StringBuilder();
		String sample = Sources.read(Sources.ROOT.resolve("samples/rmsnorm.forge"));
		for (int copy = 0; big.length() < 1_000_000; copy++) {
			big.append(sample.replaceAll("def (\\w+)", "def $1_" + copy)).append('\n');
		}
		String bigUri = open("big.forge", big.toString());
		awaitDiagnostics(bigUri, list -> true);
		// Still answering the small file afterwards.
		assertTrue(hover(uri, 3, 4).contains("h:"));
		List<String> broken = new ArrayList<>();
		String brokenUri = open("broken.forge", "def f(x):\n    y = (1,\n");
		awaitDiagnostics(brokenUri, list -> !list.isEmpty()).forEach(x -> broken.add(x.getMessage().getLeft()));
		assertEquals(List.of("'(' opened at 2:9 is never closed"), broken);
	}
	@Test
	void initializeIsAnsweredBeforeTheFirstBuildOfALargeWorkspace() throws Exception {
		stop();
		StringBuilder big = new StringBuilder();
		String sample = Sources.read(Sources.ROOT.resolve("samples/rmsnorm.forge"));
		for (int copy = 0; big.length() < 400_000; copy++) {
			big.append(sample.replaceAll("def (\\w+)", "def $1_" + copy)).append('\n');
		}
		big.append(BLOCK);
		Path file = workspace.resolve("large.forge");
		Files.writeString(file, big.toString());
		String uri = file.toUri().toString();
		diagnostics.clear();
		firstDiagnostics.clear();
		start(List.of(Sources.ROOT.resolve("forge").toString(), "lsp"));
		// A file opened while the build runs (a write, which cancels the build's request but not the build).
		String small = open("small.forge", BLOCK);
		List<Diagnostic> found = awaitDiagnostics(uri, list -> !list.isEmpty());
		assertEquals(1, awaitDiagnostics(small, list -> !list.isEmpty()).size());
		assertTrue(found.stream().anyMatch(d -> d.getMessage().getLeft().contains("x is [B,S,D], w is [K,N]")), () -> found.get(found.size() - 1).toString());
		// Xtext alone answers only after building every file of the workspace, and publishes the diagnostics right
		// after its answer (70 ms later here); Forge answers first, and the build of this file takes seconds.
		long gap = TimeUnit.NANOSECONDS.toMillis(firstDiagnostics.get(uri) - initialized);
		assertTrue(gap > 500, "the diagnostics of the workspace came " + gap + " ms after the initialize reply: the reply waited for the build");
		assertFalse(Files.readString(workspace.resolve("stderr.txt")).contains("first build"), "the first build reported a failure");
	}
}
