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
	private final StringBuilder stderr = new StringBuilder();

	@BeforeEach
	void start() throws Exception {
		ProcessBuilder builder = new ProcessBuilder(Sources.ROOT.resolve("forge").toString(), "lsp", "--stdio");
		builder.environment().put("FORGE_NO_BUILD", "1");
		builder.redirectError(workspace.resolve("stderr.txt").toFile());
		process = builder.start();
		LanguageClient client = new LanguageClient() {
			@Override
			public void publishDiagnostics(PublishDiagnosticsParams params) {
				diagnostics.put(params.getUri(), params.getDiagnostics());
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
		};
		Launcher<ForgeServer> launcher = Launcher.createLauncher(client, ForgeServer.class, process.getInputStream(), process.getOutputStream());
		launcher.startListening();
		server = launcher.getRemoteProxy();
		InitializeParams init = new InitializeParams();
		init.setRootUri(workspace.toUri().toString());
		init.setCapabilities(new ClientCapabilities());
		var result = server.initialize(init).get(60, TimeUnit.SECONDS);
		assertNotNull(result.getCapabilities().getHoverProvider());
		assertTrue(result.getCapabilities().getInlayHintProvider().getLeft());
		server.initialized(new InitializedParams());
	}

	@AfterEach
	void stop() throws Exception {
		if (process.isAlive()) {
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
				+ "A projection with the wrong weight.\n\n---\n\n**Graph IR**\n```forge-ir\nfunc @block("), def);
		assertTrue(def.contains("= matmul %0, %1 : [B,S,D] bf16, [D,N] bf16 -> [B,S,N] bf16"), def);
		String builtin = hover(uri, 4, 13);
		assertTrue(builtin.startsWith("```forge\ndef rmsnorm(x: Tensor[\"*S\",\"D\", T]"), builtin);
		assertTrue(builtin.contains("x / sqrt(mean(x*x, last axis) + eps)"), builtin);
	}

	@Test
	void irRequestReturnsGraphIrAndSaysWhatIsNotBuilt() throws Exception {
		String uri = open("block.forge", BLOCK.replace("\"K\", \"N\"", "\"D\", \"N\""));
		com.google.gson.JsonObject params = new com.google.gson.JsonObject();
		params.addProperty("uri", uri);
		params.addProperty("function", "block");
		params.addProperty("level", "graph");
		String text = server.ir(params).get(30, TimeUnit.SECONDS).get("text").getAsString();
		assertTrue(text.startsWith("func @block(%0 x: [B,S,D] bf16, %1 w: [D,N] bf16) -> ([B,S,N] bf16) {"), text);
		params.addProperty("level", "tile");
		var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
				() -> server.ir(params).get(30, TimeUnit.SECONDS));
		assertTrue(failure.getCause().getMessage().contains("the tile level is not built yet"), failure.getCause().getMessage());
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
}
