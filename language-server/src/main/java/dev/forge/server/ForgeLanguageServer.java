package dev.forge.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.emf.common.util.URI;
import org.eclipse.lsp4j.CompletionItem;
import org.eclipse.lsp4j.CompletionItemKind;
import org.eclipse.lsp4j.CompletionList;
import org.eclipse.lsp4j.CompletionParams;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.lsp4j.CodeAction;
import org.eclipse.lsp4j.CodeActionKind;
import org.eclipse.lsp4j.CodeActionParams;
import org.eclipse.lsp4j.Command;
import org.eclipse.lsp4j.DefinitionParams;
import org.eclipse.lsp4j.Diagnostic;
import org.eclipse.lsp4j.DocumentFormattingParams;
import org.eclipse.lsp4j.FoldingRange;
import org.eclipse.lsp4j.FoldingRangeKind;
import org.eclipse.lsp4j.FoldingRangeRequestParams;
import org.eclipse.lsp4j.Hover;
import org.eclipse.lsp4j.HoverParams;
import org.eclipse.lsp4j.InitializeParams;
import org.eclipse.lsp4j.TextDocumentIdentifier;
import org.eclipse.lsp4j.jsonrpc.services.JsonRequest;
import org.eclipse.lsp4j.Location;
import org.eclipse.lsp4j.Range;
import org.eclipse.lsp4j.ReferenceParams;
import org.eclipse.lsp4j.RenameParams;
import org.eclipse.lsp4j.TextEdit;
import org.eclipse.lsp4j.WorkspaceEdit;
import org.eclipse.lsp4j.jsonrpc.ResponseErrorException;
import org.eclipse.lsp4j.jsonrpc.messages.ResponseError;
import org.eclipse.lsp4j.jsonrpc.messages.ResponseErrorCode;
import org.eclipse.lsp4j.InsertTextFormat;
import org.eclipse.lsp4j.MarkupContent;
import org.eclipse.lsp4j.MarkupKind;
import org.eclipse.lsp4j.InlayHint;
import org.eclipse.lsp4j.InlayHintKind;
import org.eclipse.lsp4j.InlayHintParams;
import org.eclipse.lsp4j.ServerCapabilities;
import org.eclipse.lsp4j.jsonrpc.messages.Either;
import org.eclipse.lsp4j.CodeLens;
import org.eclipse.lsp4j.CodeLensOptions;
import org.eclipse.lsp4j.CodeLensParams;
import org.eclipse.lsp4j.DidChangeConfigurationParams;
import org.eclipse.lsp4j.DidChangeTextDocumentParams;
import org.eclipse.lsp4j.DidChangeWatchedFilesParams;
import org.eclipse.lsp4j.DidCloseTextDocumentParams;
import org.eclipse.lsp4j.DidOpenTextDocumentParams;
import org.eclipse.lsp4j.DidSaveTextDocumentParams;
import org.eclipse.lsp4j.ExecuteCommandOptions;
import org.eclipse.lsp4j.ExecuteCommandParams;
import org.eclipse.lsp4j.InitializeResult;
import org.eclipse.lsp4j.WorkDoneProgressCancelParams;
import org.eclipse.lsp4j.services.LanguageClient;
import org.eclipse.xtext.ide.server.LanguageServerImpl;
import org.eclipse.xtext.resource.XtextResource;

import com.google.gson.JsonElement;

import com.google.gson.JsonObject;

import dev.forge.driver.Ir;
import dev.forge.forge.FunctionDef;
import org.eclipse.xtext.util.CancelIndicator;

import dev.forge.ide.completion.ForgeCompletions;
import dev.forge.ide.folding.BlockFolding;
import dev.forge.ide.format.SafeFormatting;
import dev.forge.ide.navigation.Occurrences;
import dev.forge.ide.quickfix.QuickFixes;

import dev.forge.ide.hints.ShapeHints;

/**
 * Xtext's language server with what Xtext 2.42 lacks: inlay hints with inferred shapes, and Forge's own
 * code lenses (Run, Profile, Show Tile IR), commands and IR request. Requests run through Xtext's request
 * manager, so edits cancel them and they see unsaved buffers; Run, Profile and the LLVM-level IRs run the
 * Forge command line in a child process ({@link LauncherProcess}) outside it.
 */
public class ForgeLanguageServer extends LanguageServerImpl {

	/** The server's commands (code lenses and workspace/executeCommand); arguments [uri, function]. */
	static final String RUN = "forge.run";
	static final String PROFILE = "forge.profile";
	static final String SHOW_TILE_IR = "forge.showTileIr";
	static final String TUNE = "forge.tune";

	/**
	 * Bumped by every change to the workspace, on the message thread and so in order with the requests: a
	 * request caches what it compiled under the generation it arrived in.
	 */
	private final AtomicLong generation = new AtomicLong();

	/** Compiles the edit path ahead of the first edits (off with -Dforge.warmup=false, for comparisons). */
	private final JitWarmup warmup = new JitWarmup();

	/** Threads that start and watch child processes (never the message thread, which must not block). */
	private final ExecutorService children = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("forge-run-", 0).factory());

	/** What the services below need of this server. */
	private final ServerAccess access = new ServerAccess() {
		@Override
		public org.eclipse.xtext.ide.server.concurrent.IRequestManager requestManager() {
			return getRequestManager();
		}

		@Override
		public org.eclipse.xtext.ide.server.WorkspaceManager workspaceManager() {
			return getWorkspaceManager();
		}

		@Override
		public URI uri(String documentUri) {
			return getURI(new TextDocumentIdentifier(documentUri));
		}

		@Override
		public LanguageClient client() {
			return getLanguageClient();
		}

		@Override
		public long generation() {
			return generation.get();
		}

		@Override
		public String target() {
			return target;
		}

		@Override
		public boolean clientProgress() {
			return clientProgress;
		}
	};

	/** Run and Profile in child processes. */
	private final ForgeRuns runs = new ForgeRuns(access, children);

	/** IR texts: forge/ir, Show Tile IR and the IR in hovers. */
	private final ForgeIr irs = new ForgeIr(access, children);

	private volatile boolean clientProgress;

	/** The chip description from `initializationOptions.target` or the `forge.target` setting. */
	private volatile String target = "host";

	/** What {@link #createServerCapabilities} answered, for the initialize reply. */
	private volatile ServerCapabilities capabilities;

	/**
	 * A client without a folder (VS Code with a single file open) sends no root: Xtext needs one, so
	 * the server gets an empty folder of its own; open files are still checked.
	 */
	@Override
	protected URI getBaseDir(InitializeParams params) {
		URI base = null;
		try {
			base = super.getBaseDir(params);
		} catch (RuntimeException e) {
			// no root in the request
		}
		if (base != null) {
			return base;
		}
		try {
			java.nio.file.Path empty = java.nio.file.Files.createTempDirectory("forge-no-workspace");
			empty.toFile().deleteOnExit();
			return URI.createFileURI(empty.toString() + "/");
		} catch (java.io.IOException e) {
			return URI.createFileURI(System.getProperty("java.io.tmpdir") + "/");
		}
	}

	@Override
	protected ServerCapabilities createServerCapabilities(InitializeParams params) {
		ServerCapabilities capabilities = super.createServerCapabilities(params);
		capabilities.setInlayHintProvider(true);
		capabilities.setRenameProvider(true);
		capabilities.setFoldingRangeProvider(true);
		capabilities.setDocumentFormattingProvider(true);
		capabilities.setDocumentRangeFormattingProvider(false);
		capabilities.setCodeActionProvider(true);
		capabilities.setReferencesProvider(true);
		capabilities.setDefinitionProvider(true);
		capabilities.setCompletionProvider(new org.eclipse.lsp4j.CompletionOptions(false, List.of(".")));
		capabilities.setCodeLensProvider(new CodeLensOptions(false));
		capabilities.setExecuteCommandProvider(new ExecuteCommandOptions(List.of(RUN, PROFILE, SHOW_TILE_IR, TUNE)));
		this.capabilities = capabilities;
		return capabilities;
	}

	/** Completion from {@link ForgeCompletions}, in place of Xtext's grammar-driven content assist. */
	@Override
	protected Either<List<CompletionItem>, CompletionList> completion(CancelIndicator cancel, CompletionParams params) {
		URI uri = getURI(params.getTextDocument());
		return getWorkspaceManager().doRead(uri, (document, resource) -> {
			List<CompletionItem> items = new ArrayList<>();
			if (!(resource instanceof XtextResource xtext)) {
				return Either.forRight(new CompletionList(false, items));
			}
			ForgeCompletions completions = xtext.getResourceServiceProvider().get(ForgeCompletions.class);
			int offset = offsetOrEnd(document, params.getPosition());
			for (ForgeCompletions.Proposal p : completions.complete(xtext, document.getContents(), offset)) {
				CompletionItem item = new CompletionItem(p.label());
				item.setKind(switch (p.kind()) {
					case KEYWORD -> CompletionItemKind.Keyword;
					case FUNCTION -> CompletionItemKind.Function;
					case VARIABLE -> CompletionItemKind.Variable;
					case FIELD -> CompletionItemKind.Field;
					case METHOD -> CompletionItemKind.Method;
					case TYPE -> CompletionItemKind.TypeParameter;
					case SNIPPET -> CompletionItemKind.Snippet;
					case MODULE -> CompletionItemKind.Module;
				});
				item.setDetail(p.detail());
				if (p.documentation() != null) {
					item.setDocumentation(new MarkupContent(MarkupKind.MARKDOWN, p.documentation()));
				}
				item.setInsertText(p.insertText());
				item.setInsertTextFormat(p.snippet() ? InsertTextFormat.Snippet : InsertTextFormat.PlainText);
				items.add(item);
			}
			return Either.forRight(new CompletionList(false, items));
		});
	}

	@Override
	protected List<? extends Location> definition(CancelIndicator cancel, DefinitionParams params) {
		URI uri = getURI(params.getTextDocument());
		List<? extends Location> ours = getWorkspaceManager().doRead(uri, (document, resource) -> {
			if (!(resource instanceof XtextResource xtext)) {
				return List.<Location>of();
			}
			Occurrences occurrences = xtext.getResourceServiceProvider().get(Occurrences.class);
			EObject definition = occurrences.definitionAt(xtext, offsetOrEnd(document, params.getPosition()));
			Occurrences.Place place = definition == null ? null : occurrences.placeOf(definition);
			return place == null ? List.<Location>of() : List.of(location(place));
		});
		return ours.isEmpty() ? super.definition(cancel, params) : ours;
	}

	@Override
	protected List<? extends Location> references(ReferenceParams params, CancelIndicator cancel) {
		URI uri = getURI(params.getTextDocument());
		return getWorkspaceManager().doRead(uri, (document, resource) -> {
			List<Location> out = new ArrayList<>();
			if (!(resource instanceof XtextResource xtext)) {
				return out;
			}
			Occurrences occurrences = xtext.getResourceServiceProvider().get(Occurrences.class);
			EObject definition = occurrences.definitionAt(xtext, offsetOrEnd(document, params.getPosition()));
			if (definition == null) {
				return out;
			}
			List<XtextResource> resources = new ArrayList<>(List.of(xtext));
			if (definition.eResource() instanceof XtextResource home && home != xtext) {
				resources.add(0, home);
			}
			for (XtextResource r : resources) {
				for (Occurrences.Place place : occurrences.occurrences(r, definition)) {
					boolean isDeclaration = definition.eResource() == r && place.equals(occurrences.placeOf(definition));
					if (!isDeclaration || params.getContext() == null || params.getContext().isIncludeDeclaration()) {
						out.add(location(place));
					}
				}
			}
			return out;
		});
	}

	/** Renames a name and its uses; a top-level function also in the files that import it. */
	@Override
	public CompletableFuture<WorkspaceEdit> rename(RenameParams params) {
		URI uri = getURI(params.getTextDocument());
		return getRequestManager().runRead(cancel -> getWorkspaceManager().doRead(uri, (document, resource) -> {
			if (!params.getNewName().matches("[A-Za-z_][A-Za-z_0-9]*")) {
				throw new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams, "'" + params.getNewName() + "' is not a valid name", null));
			}
			WorkspaceEdit edit = new WorkspaceEdit(new java.util.HashMap<>());
			if (!(resource instanceof XtextResource xtext)) {
				return edit;
			}
			Occurrences occurrences = xtext.getResourceServiceProvider().get(Occurrences.class);
			EObject definition = occurrences.definitionAt(xtext, offsetOrEnd(document, params.getPosition()));
			if (definition == null) {
				throw new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams, "nothing to rename here: not a name defined in this workspace", null));
			}
			// The file itself, the definition's file, and for a top-level function every file that imports it.
			java.util.LinkedHashSet<XtextResource> files = new java.util.LinkedHashSet<>(List.of(xtext));
			if (definition.eResource() instanceof XtextResource home) {
				files.add(home);
			}
			if (definition instanceof FunctionDef f && f.eContainer() instanceof dev.forge.forge.Module && xtext.getResourceSet() != null) {
				URI target = org.eclipse.emf.ecore.util.EcoreUtil.getURI(definition);
				var index = xtext.getResourceServiceProvider().get(org.eclipse.xtext.resource.impl.ResourceDescriptionsProvider.class)
						.getResourceDescriptions(xtext.getResourceSet());
				for (var description : index.getAllResourceDescriptions()) {
					for (var reference : description.getReferenceDescriptions()) {
						if (reference.getTargetEObjectUri().equals(target)
								&& xtext.getResourceSet().getResource(description.getURI(), true) instanceof XtextResource importer) {
							files.add(importer);
						}
					}
				}
			}
			for (XtextResource file : files) {
				String text = file.getParseResult().getRootNode().getText();
				org.eclipse.xtext.ide.server.Document fileDocument = file == xtext ? document : new org.eclipse.xtext.ide.server.Document(0, text);
				List<TextEdit> edits = new ArrayList<>();
				for (Occurrences.Place place : occurrences.occurrences(file, definition)) {
					edits.add(new TextEdit(new Range(fileDocument.getPosition(place.offset()), fileDocument.getPosition(place.offset() + place.length())),
							params.getNewName()));
				}
				if (!edits.isEmpty()) {
					edit.getChanges().put(file == xtext ? params.getTextDocument().getUri() : file.getURI().toString(), edits);
				}
			}
			return edit;
		}));
	}

	/**
	 * A kernel lint (FORGE-L-*) carries its related ranges and fixes in the issue's data
	 * ({@link ForgeResourceValidator#LINT_RELATED}, {@link ForgeResourceValidator#LINT_FIX}): the related
	 * ranges become the diagnostic's related information, the fixes its {@code data} for
	 * {@link #codeAction}.
	 */
	@Override
	protected Diagnostic toDiagnostic(org.eclipse.xtext.validation.Issue issue) {
		Diagnostic d = super.toDiagnostic(issue);
		if (issue.getCode() == null || !issue.getCode().startsWith("FORGE-L-") || issue.getData() == null) {
			return d;
		}
		List<org.eclipse.lsp4j.DiagnosticRelatedInformation> related = new ArrayList<>();
		com.google.gson.JsonArray fixes = new com.google.gson.JsonArray();
		for (String entry : issue.getData()) {
			String[] f = entry.split("\t", -1);
			try {
				Range range = new Range(new org.eclipse.lsp4j.Position(Integer.parseInt(f[1]), Integer.parseInt(f[2])),
						new org.eclipse.lsp4j.Position(Integer.parseInt(f[3]), Integer.parseInt(f[4])));
				if (ForgeResourceValidator.LINT_RELATED.equals(f[0]) && f.length >= 6) {
					related.add(new org.eclipse.lsp4j.DiagnosticRelatedInformation(
							new Location(issue.getUriToProblem() == null ? "" : issue.getUriToProblem().toString(), range), f[5]));
				} else if (ForgeResourceValidator.LINT_FIX.equals(f[0]) && f.length >= 7) {
					JsonObject fix = new JsonObject();
					fix.addProperty("title", f[5]);
					fix.addProperty("newText", f[6]);
					fix.add("range", new com.google.gson.Gson().toJsonTree(range));
					fixes.add(fix);
				}
			} catch (RuntimeException e) {
				// a malformed entry: no related information or fix from it
			}
		}
		if (!related.isEmpty()) {
			d.setRelatedInformation(related);
		}
		if (!fixes.isEmpty()) {
			JsonObject data = new JsonObject();
			data.add("fixes", fixes);
			d.setData(data);
		}
		return d;
	}

	/** The fixes a lint diagnostic carries in its data (see {@link #toDiagnostic}) as quick fixes. */
	private static List<Either<Command, CodeAction>> lintFixes(Diagnostic d, String uri) {
		List<Either<Command, CodeAction>> out = new ArrayList<>();
		Object data = d.getData();
		JsonElement json = data instanceof JsonElement e ? e : data == null ? null : new com.google.gson.Gson().toJsonTree(data);
		if (json == null || !json.isJsonObject() || !json.getAsJsonObject().has("fixes") || !json.getAsJsonObject().get("fixes").isJsonArray()) {
			return out;
		}
		for (JsonElement f : json.getAsJsonObject().getAsJsonArray("fixes")) {
			try {
				JsonObject fix = f.getAsJsonObject();
				Range range = new com.google.gson.Gson().fromJson(fix.get("range"), Range.class);
				CodeAction action = new CodeAction(fix.get("title").getAsString());
				action.setKind(CodeActionKind.QuickFix);
				action.setDiagnostics(List.of(d));
				action.setEdit(new WorkspaceEdit(java.util.Map.of(uri, List.of(new TextEdit(range, fix.get("newText").getAsString())))));
				out.add(Either.forRight(action));
			} catch (RuntimeException e) {
				// a fix the client mangled: skip it
			}
		}
		return out;
	}

	/** Quick fixes for diagnostics that name their fix ("did you mean 'softmax'?"). */
	@Override
	protected List<Either<Command, CodeAction>> codeAction(CodeActionParams params, CancelIndicator cancel) {
		URI uri = getURI(params.getTextDocument());
		return getWorkspaceManager().doRead(uri, (document, resource) -> {
			List<Either<Command, CodeAction>> actions = new ArrayList<>();
			for (Diagnostic d : params.getContext().getDiagnostics()) {
				actions.addAll(lintFixes(d, params.getTextDocument().getUri()));
				String message = d.getMessage() == null ? "" : d.getMessage().isLeft() ? d.getMessage().getLeft() : d.getMessage().getRight().getValue();
				int offset = offsetOrEnd(document, d.getRange().getStart());
				int end = offsetOrEnd(document, d.getRange().getEnd());
				for (QuickFixes.Fix fix : QuickFixes.fixes(document.getContents(), offset, end - offset, message)) {
					CodeAction action = new CodeAction(fix.title());
					action.setKind(CodeActionKind.QuickFix);
					action.setDiagnostics(List.of(d));
					action.setIsPreferred(true);
					TextEdit edit = new TextEdit(new Range(document.getPosition(fix.offset()), document.getPosition(fix.offset() + fix.length())), fix.text());
					action.setEdit(new WorkspaceEdit(java.util.Map.of(params.getTextDocument().getUri(), List.of(edit))));
					actions.add(Either.forRight(action));
				}
			}
			return actions;
		});
	}

	private static Location location(Occurrences.Place place) {
		String text = place.resource().getParseResult().getRootNode().getText();
		org.eclipse.xtext.ide.server.Document document = new org.eclipse.xtext.ide.server.Document(0, text);
		return new Location(place.resource().getURI().toString(), new Range(document.getPosition(place.offset()), document.getPosition(place.offset() + place.length())));
	}

	// ---- the workspace generation -------------------------------------------------------------------

	@Override
	public CompletableFuture<InitializeResult> initialize(InitializeParams params) {
		var window = params.getCapabilities() == null ? null : params.getCapabilities().getWindow();
		clientProgress = window != null && Boolean.TRUE.equals(window.getWorkDoneProgress());
		readTarget(params.getInitializationOptions());
		CompletableFuture<InitializeResult> workspaceBuilt = super.initialize(params);
		// Xtext 2.42 replies only after its first build of the whole workspace (seconds for a large one). The reply
		// needs only the capabilities; the build stays queued as the first write, so every later request and
		// notification still waits for it (a later write cancels its result, never the build: Xtext runs a
		// write's non-cancellable part, here the whole build, in any case), and its diagnostics are published.
		workspaceBuilt.whenComplete((result, failure) -> {
			// A request that arrives during the build cancels only this future: the build itself always runs.
			if (failure != null && !(failure instanceof java.util.concurrent.CancellationException)
					&& !(failure.getCause() instanceof java.util.concurrent.CancellationException)) {
				System.err.println("forge lsp: the first build of the workspace failed: " + failure);
			}
		});
		return CompletableFuture.completedFuture(new InitializeResult(capabilities));
	}

	@Override
	public void didOpen(DidOpenTextDocumentParams params) {
		generation.incrementAndGet();
		super.didOpen(params);
	}

	@Override
	public void initialized(org.eclipse.lsp4j.InitializedParams params) {
		super.initialized(params);
		org.eclipse.xtext.resource.IResourceServiceProvider forge = getLanguagesRegistry()
				.getResourceServiceProvider(org.eclipse.emf.common.util.URI.createURI("warmup.forge"));
		if (forge != null && Boolean.parseBoolean(System.getProperty("forge.warmup", "true"))) {
			warmup.start(forge);
		}
	}

	@Override
	public void didChange(DidChangeTextDocumentParams params) {
		warmup.stop();
		generation.incrementAndGet();
		super.didChange(params);
	}

	@Override
	public void didClose(DidCloseTextDocumentParams params) {
		generation.incrementAndGet();
		super.didClose(params);
	}

	@Override
	public void didSave(DidSaveTextDocumentParams params) {
		generation.incrementAndGet();
		super.didSave(params);
	}

	@Override
	public void didChangeWatchedFiles(DidChangeWatchedFilesParams params) {
		generation.incrementAndGet();
		super.didChangeWatchedFiles(params);
	}

	@Override
	public void didChangeConfiguration(DidChangeConfigurationParams params) {
		generation.incrementAndGet();
		readTarget(params.getSettings());
		super.didChangeConfiguration(params);
	}

	/** {target} or {forge: {target}} (initialization options, configuration settings). */
	private void readTarget(Object options) {
		if (options instanceof JsonElement e && e.isJsonObject()) {
			JsonObject o = e.getAsJsonObject();
			if (o.has("forge") && o.get("forge").isJsonObject()) {
				o = o.getAsJsonObject("forge");
			}
			if (o.has("target") && o.get("target").isJsonPrimitive() && !o.get("target").getAsString().isBlank()) {
				target = o.get("target").getAsString().strip();
				// The kernel lints use a GPU target; the host (or an unknown name) means their default, the H100.
				dev.forge.driver.KernelLints.setTarget(target);
			}
			// The schedule hints (FORGE-L-HINT, information diagnostics from a rough roofline model) only when asked
			// for (`forge.scheduleHints`), as `forge check --hints`: they would fill the Problems panel otherwise.
			if (o.has("scheduleHints") && o.get("scheduleHints").isJsonPrimitive()) {
				dev.forge.driver.KernelLints.setHints(o.get("scheduleHints").getAsBoolean());
			}
		}
	}

	@Override
	public CompletableFuture<Object> shutdown() {
		LauncherProcess.killAll();
		return super.shutdown();
	}

	// ---- hover, code lenses, commands --------------------------------------------------------------

	/** Hover on a function's name adds its Tile IR for the host (or why it does not compile). */
	@Override
	public CompletableFuture<Hover> hover(HoverParams params) {
		long gen = generation.get();
		return getRequestManager().runRead(cancel -> hover(params, cancel, gen));
	}

	@Override
	protected Hover hover(HoverParams params, CancelIndicator cancel) {
		return hover(params, cancel, generation.get());
	}

	private Hover hover(HoverParams params, CancelIndicator cancel, long gen) {
		Hover hover = super.hover(params, cancel);
		URI uri = getURI(params.getTextDocument());
		String ir = getWorkspaceManager().doRead(uri, (document, resource) -> {
			FunctionDef def = functionNamedAt(resource, offsetOrEnd(document, params.getPosition()));
			if (def == null) {
				return null;
			}
			Ir.Lowered lowered = irs.lowered((XtextResource) resource, def, Ir.Level.TILE, gen);
			String tuned = tunedLines((XtextResource) resource, def);
			return tuned + (lowered.text() != null ? "**Tile IR** (host)\n```forge-ir\n" + lowered.text() + "```"
					: "**Tile IR**: not compiled: " + lowered.notLowered());
		});
		if (ir == null || hover == null || hover.getContents() == null || !hover.getContents().isRight()) {
			return hover;
		}
		MarkupContent content = hover.getContents().getRight();
		content.setValue(content.getValue() + "\n\n---\n\n" + ir);
		return hover;
	}

	/**
	 * "tuned on TARGET: SCHEDULE, T ms, P% of peak" (then a blank line) for each tuned entry the artifact cache
	 * ({@code $FORGE_CACHE}, else the user's cache directory) holds for the function as `forge run` would look
	 * it up (the host, and the server's GPU target when it has one); empty when there is none.
	 */
	private String tunedLines(XtextResource resource, FunctionDef def) {
		StringBuilder out = new StringBuilder();
		List<java.util.Map.Entry<String, dev.forge.targets.Target>> targets = new ArrayList<>();
		targets.add(java.util.Map.entry("host", Ir.hostTarget()));
		String gpu = target;
		if (gpu != null && dev.forge.driver.GpuTargets.isGpu(gpu) && !gpu.equals(dev.forge.driver.GpuTargets.ATTACHED)) {
			try {
				targets.add(java.util.Map.entry(gpu, dev.forge.driver.GpuTargets.named(gpu)));
			} catch (RuntimeException e) {
				// an unknown chip: the host alone
			}
		}
		java.nio.file.Path cacheDir = dev.forge.profiler.cache.ArtifactCache.defaultDir();
		for (var t : targets) {
			dev.forge.profiler.cache.CacheEntry e = dev.forge.driver.TunedEntries.tuned(resource, def, t.getValue(), dev.forge.cli.Main.VERSION, cacheDir);
			if (e != null) {
				out.append("tuned on ").append(e.target()).append(": ").append(e.scheduleText());
				if (e.timing().get("median_ms") instanceof Number ms) {
					out.append(", ").append(RunSummary.format(ms.doubleValue())).append(" ms");
				}
				if (e.timing().get("percent_of_roofline") instanceof Number p) {
					out.append(", ").append(String.format(java.util.Locale.ROOT, p.doubleValue() < 10 ? "%.1f" : "%.0f", p.doubleValue())).append("% of peak");
				}
				out.append("\n\n");
			}
		}
		return out.toString();
	}

	/**
	 * Code lenses Run, Profile, Tune and Show Tile IR above every top-level {@code @jit} and {@code @kernel}
	 * function, from the syntax alone (nothing is compiled for a lens); none while the file has syntax errors.
	 */
	@Override
	protected List<? extends CodeLens> codeLens(CodeLensParams params, CancelIndicator cancel) {
		URI uri = getURI(params.getTextDocument());
		return getWorkspaceManager().doRead(uri, (document, resource) -> {
			List<CodeLens> lenses = new ArrayList<>();
			if (!(resource instanceof XtextResource xtext) || xtext.getParseResult() == null || xtext.getParseResult().hasSyntaxErrors()
					|| xtext.getContents().isEmpty() || !(xtext.getContents().get(0) instanceof dev.forge.forge.Module module)) {
				return lenses;
			}
			for (EObject item : module.getBody()) {
				if (!(item instanceof FunctionDef def) || def.getName() == null || !dev.forge.driver.KernelLints.jitOrKernel(def)) {
					continue;
				}
				var node = org.eclipse.xtext.nodemodel.util.NodeModelUtils.getNode(def);
				var names = org.eclipse.xtext.nodemodel.util.NodeModelUtils.findNodesForFeature(def, dev.forge.forge.ForgePackage.Literals.FUNCTION_DEF__NAME);
				if (node == null || names.isEmpty()) {
					continue;
				}
				Range range = new Range(document.getPosition(node.getOffset()), document.getPosition(names.get(0).getEndOffset()));
				List<Object> arguments = List.of(params.getTextDocument().getUri(), def.getName());
				lenses.add(new CodeLens(range, new Command("Run", RUN, arguments), null));
				lenses.add(new CodeLens(range, new Command("Profile", PROFILE, arguments), null));
				lenses.add(new CodeLens(range, new Command("Tune", TUNE, arguments), null));
				lenses.add(new CodeLens(range, new Command("Show Tile IR", SHOW_TILE_IR, arguments), null));
			}
			return lenses;
		});
	}

	@Override
	public CompletableFuture<Object> executeCommand(ExecuteCommandParams params) {
		String command = params.getCommand();
		if (!RUN.equals(command) && !PROFILE.equals(command) && !SHOW_TILE_IR.equals(command) && !TUNE.equals(command)) {
			return super.executeCommand(params);
		}
		Invocation invocation = Invocation.of(params.getArguments());
		if (invocation == null) {
			return CompletableFuture.failedFuture(new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams,
					command + " takes the arguments [uri, function], not " + params.getArguments(), null)));
		}
		if (SHOW_TILE_IR.equals(command)) {
			return irs.showTileIr(invocation);
		}
		if (TUNE.equals(command)) {
			return runs.run("tune", invocation, budget(params.getArguments()), params.getWorkDoneToken());
		}
		return runs.run(RUN.equals(command) ? "run" : "profile", invocation, params.getWorkDoneToken());
	}

	/** The object form's "budget" ({uri, function, budget: "5s"}) as tune's --budget; none: forge tune's default. */
	private static List<String> budget(List<Object> arguments) {
		if (arguments != null && !arguments.isEmpty() && arguments.get(0) instanceof JsonElement e && e.isJsonObject()
				&& e.getAsJsonObject().get("budget") instanceof JsonElement b && b.isJsonPrimitive()) {
			String budget = b.getAsString().strip();
			if (budget.matches("[0-9]+(\\.[0-9]+)?(ms|s|m)?")) {
				return List.of("--budget", budget);
			}
			throw new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams, "budget: not a duration: " + budget, null));
		}
		return List.of();
	}

	/** window/workDoneProgress/cancel: the user cancelled a run's progress. */
	@Override
	public void cancelProgress(WorkDoneProgressCancelParams params) {
		runs.cancelProgress(params);
	}

	// ---- forge/ir ------------------------------------------------------------------------------------

	/**
	 * The custom request `forge/ir` {uri, function, level}: the text of one IR level of a function (see
	 * {@link ForgeIr}).
	 */
	@JsonRequest("forge/ir")
	public CompletableFuture<JsonObject> ir(JsonObject params) {
		return irs.ir(params);
	}

	private static FunctionDef functionNamedAt(org.eclipse.emf.ecore.resource.Resource resource, int offset) {
		if (!(resource instanceof XtextResource xtext) || xtext.getParseResult() == null) {
			return null;
		}
		var leaf = org.eclipse.xtext.nodemodel.util.NodeModelUtils.findLeafNodeAtOffset(xtext.getParseResult().getRootNode(), offset);
		EObject element = leaf == null ? null : org.eclipse.xtext.nodemodel.util.NodeModelUtils.findActualSemanticObjectFor(leaf);
		if (element instanceof FunctionDef def && def.eContainer() instanceof dev.forge.forge.Module) {
			for (var node : org.eclipse.xtext.nodemodel.util.NodeModelUtils.findNodesForFeature(def, dev.forge.forge.ForgePackage.Literals.FUNCTION_DEF__NAME)) {
				if (node.getOffset() <= offset && offset <= node.getEndOffset()) {
					return def;
				}
			}
		}
		return null;
	}

	/** Whole-document formatting with {@link SafeFormatting}: no edit when the file does not parse. */
	@Override
	public CompletableFuture<List<? extends TextEdit>> formatting(DocumentFormattingParams params) {
		URI uri = getURI(params.getTextDocument());
		return getRequestManager().runRead(cancel -> getWorkspaceManager().doRead(uri, (document, resource) -> {
			String text = document.getContents();
			String formatted = SafeFormatting.format(text);
			if (formatted == null || formatted.equals(text)) {
				return List.<TextEdit>of();
			}
			return List.of(new TextEdit(new Range(document.getPosition(0), document.getPosition(text.length())), formatted));
		}));
	}

	@Override
	public CompletableFuture<List<FoldingRange>> foldingRange(FoldingRangeRequestParams params) {
		URI uri = getURI(params.getTextDocument());
		return getRequestManager().runRead(cancel -> getWorkspaceManager().doRead(uri, (document, resource) -> {
			List<FoldingRange> ranges = new ArrayList<>();
			if (resource instanceof XtextResource xtext) {
				for (BlockFolding.Region r : xtext.getResourceServiceProvider().get(BlockFolding.class).regions(xtext)) {
					FoldingRange range = new FoldingRange(r.startLine(), r.endLine());
					if (r.comment()) {
						range.setKind(FoldingRangeKind.Comment);
					}
					ranges.add(range);
				}
			}
			return ranges;
		}));
	}

	@Override
	public CompletableFuture<List<InlayHint>> inlayHint(InlayHintParams params) {
		URI uri = getURI(params.getTextDocument());
		return getRequestManager().runRead(cancel -> getWorkspaceManager().doRead(uri, (document, resource) -> {
			List<InlayHint> hints = new ArrayList<>();
			if (!(resource instanceof XtextResource xtext)) {
				return hints;
			}
			ShapeHints shapes = xtext.getResourceServiceProvider().get(ShapeHints.class);
			int from = offsetOrEnd(document, params.getRange().getStart());
			int to = offsetOrEnd(document, params.getRange().getEnd());
			for (ShapeHints.Hint h : shapes.hints(xtext, from, to)) {
				InlayHint hint = new InlayHint(document.getPosition(h.offset()), Either.forLeft(h.label()));
				hint.setKind(InlayHintKind.Type);
				hint.setPaddingLeft(false);
				hint.setTooltip(h.tooltip());
				hints.add(hint);
			}
			return hints;
		}));
	}

	/** Editors ask for ranges past the last line; those mean "to the end". */
	private static int offsetOrEnd(org.eclipse.xtext.ide.server.Document document, org.eclipse.lsp4j.Position position) {
		try {
			return document.getOffSet(position);
		} catch (IndexOutOfBoundsException e) {
			return document.getContents().length();
		}
	}
}
