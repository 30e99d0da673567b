package dev.forge.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
import org.eclipse.lsp4j.ProgressParams;
import org.eclipse.lsp4j.WorkDoneProgressBegin;
import org.eclipse.lsp4j.WorkDoneProgressCancelParams;
import org.eclipse.lsp4j.WorkDoneProgressCreateParams;
import org.eclipse.lsp4j.WorkDoneProgressEnd;
import org.eclipse.lsp4j.WorkDoneProgressReport;
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

	/**
	 * Bumped by every change to the workspace, on the message thread and so in order with the requests: a
	 * request caches what it compiled under the generation it arrived in.
	 */
	private final AtomicLong generation = new AtomicLong();

	private record IrKey(long generation, String uri, String function, Ir.Level level) {
	}

	/** Compiled IR texts (hovers, forge/ir and Show Tile IR ask for the same function again and again). */
	private final Map<IrKey, Ir.Lowered> irCache = new LinkedHashMap<>(32, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<IrKey, Ir.Lowered> eldest) {
			return size() > 64;
		}
	};

	private record BuildKey(String file, long modified, long size, String level, String function, String target) {
	}

	/** Levels printed by `forge build` in a child process, by the file's time stamp. */
	private final Map<BuildKey, String> buildCache = new LinkedHashMap<>(16, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<BuildKey, String> eldest) {
			return size() > 16;
		}
	};

	/** Threads that start and watch child processes (never the message thread, which must not block). */
	private final ExecutorService children = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("forge-run-", 0).factory());

	/** Cancellation of the runs that report progress, by progress token. */
	private final Map<String, Runnable> cancellers = new ConcurrentHashMap<>();

	private volatile boolean clientProgress;

	/** The chip description from `initializationOptions.target` or the `forge.target` setting. */
	private volatile String target = "host";

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
		capabilities.setExecuteCommandProvider(new ExecuteCommandOptions(List.of(RUN, PROFILE, SHOW_TILE_IR)));
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

	/** Quick fixes for diagnostics that name their fix ("did you mean 'softmax'?"). */
	@Override
	protected List<Either<Command, CodeAction>> codeAction(CodeActionParams params, CancelIndicator cancel) {
		URI uri = getURI(params.getTextDocument());
		return getWorkspaceManager().doRead(uri, (document, resource) -> {
			List<Either<Command, CodeAction>> actions = new ArrayList<>();
			for (Diagnostic d : params.getContext().getDiagnostics()) {
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
		return super.initialize(params);
	}

	@Override
	public void didOpen(DidOpenTextDocumentParams params) {
		generation.incrementAndGet();
		super.didOpen(params);
	}

	@Override
	public void didChange(DidChangeTextDocumentParams params) {
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
			Ir.Lowered lowered = lowered((XtextResource) resource, def, Ir.Level.TILE, gen);
			return lowered.text() != null ? "**Tile IR** (host)\n```forge-ir\n" + lowered.text() + "```"
					: "**Tile IR**: not compiled: " + lowered.notLowered();
		});
		if (ir == null || hover == null || hover.getContents() == null || !hover.getContents().isRight()) {
			return hover;
		}
		MarkupContent content = hover.getContents().getRight();
		content.setValue(content.getValue() + "\n\n---\n\n" + ir);
		return hover;
	}

	/**
	 * A function's IR at an in-process level, compiled once per workspace generation; a function that
	 * does not compile (or trips the compiler) gives the reason, never an exception.
	 */
	private Ir.Lowered lowered(XtextResource resource, FunctionDef def, Ir.Level level, long gen) {
		IrKey key = new IrKey(gen, resource.getURI().toString(), def.getName(), level);
		synchronized (irCache) {
			Ir.Lowered hit = irCache.get(key);
			if (hit != null) {
				return hit;
			}
		}
		Ir.Lowered lowered;
		try {
			lowered = Ir.of(resource, def, level);
		} catch (RuntimeException | StackOverflowError e) {
			System.err.println("forge lsp: compiling " + def.getName() + " failed: " + e);
			lowered = new Ir.Lowered(def.getName(), null, "the compiler failed on it (" + e + "); please report this");
		}
		synchronized (irCache) {
			irCache.put(key, lowered);
		}
		return lowered;
	}

	/**
	 * Code lenses Run, Profile and Show Tile IR above every top-level {@code @jit} and {@code @kernel}
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
				if (!(item instanceof FunctionDef def) || def.getName() == null || !isJitOrKernel(def)) {
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
				lenses.add(new CodeLens(range, new Command("Show Tile IR", SHOW_TILE_IR, arguments), null));
			}
			return lenses;
		});
	}

	/** {@code @jit}, {@code @kernel}, their calls ({@code @kernel(...)}) and dotted forms ({@code @forge.jit}, {@code @kernel.x}). */
	static boolean isJitOrKernel(FunctionDef def) {
		for (dev.forge.forge.Decorator d : def.getDecorators()) {
			EObject e = d.getExpression();
			if (e instanceof dev.forge.forge.Call call) {
				e = call.getCallee();
			}
			if (e instanceof dev.forge.forge.Name n && isJitOrKernel(n.getId())
					|| e instanceof dev.forge.forge.Attribute a && (isJitOrKernel(a.getName())
							|| a.getReceiver() instanceof dev.forge.forge.Name r && isJitOrKernel(r.getId()))) {
				return true;
			}
		}
		return false;
	}

	private static boolean isJitOrKernel(String name) {
		return "jit".equals(name) || "kernel".equals(name);
	}

	/** What a command is applied to: its arguments [uri, function] or [{uri, function, target}]. */
	record Invocation(String uri, String function, String target) {

		static Invocation of(List<Object> arguments) {
			if (arguments == null || arguments.isEmpty()) {
				return null;
			}
			Object first = arguments.get(0);
			if (first instanceof JsonElement e && e.isJsonObject()) {
				JsonObject o = e.getAsJsonObject();
				String function = string(o.get("function"));
				if (function == null) {
					function = string(o.get("fn"));
				}
				if (function == null) {
					function = string(o.get("name"));
				}
				String uri = string(o.get("uri"));
				return uri == null || function == null ? null : new Invocation(uri, function, string(o.get("target")));
			}
			if (arguments.size() >= 2) {
				String uri = first instanceof JsonElement e ? string(e) : first instanceof String s ? s : null;
				Object second = arguments.get(1);
				String function = second instanceof JsonElement e ? string(e) : second instanceof String s ? s : null;
				return uri == null || function == null ? null : new Invocation(uri, function, null);
			}
			return null;
		}

		private static String string(JsonElement e) {
			return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : null;
		}
	}

	@Override
	public CompletableFuture<Object> executeCommand(ExecuteCommandParams params) {
		String command = params.getCommand();
		if (!RUN.equals(command) && !PROFILE.equals(command) && !SHOW_TILE_IR.equals(command)) {
			return super.executeCommand(params);
		}
		Invocation invocation = Invocation.of(params.getArguments());
		if (invocation == null) {
			return CompletableFuture.failedFuture(new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams,
					command + " takes the arguments [uri, function], not " + params.getArguments(), null)));
		}
		if (SHOW_TILE_IR.equals(command)) {
			long gen = generation.get();
			URI uri = getURI(new TextDocumentIdentifier(invocation.uri()));
			return getRequestManager().<Object>runRead(cancel -> getWorkspaceManager().doRead(uri, (document, resource) -> {
				FunctionDef def = topLevelFunction(resource, invocation.function());
				if (def == null) {
					throw new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams,
							"no function '" + invocation.function() + "' in " + uri.lastSegment(), null));
				}
				Ir.Lowered lowered = lowered((XtextResource) resource, def, Ir.Level.TILE, gen);
				JsonObject result = new JsonObject();
				result.addProperty("uri", irUri(invocation.uri(), invocation.function(), "tile"));
				result.addProperty("level", "tile");
				result.addProperty("function", invocation.function());
				result.addProperty("text", lowered.text() != null ? lowered.text()
						: "# " + invocation.function() + ": not compiled: " + lowered.notLowered() + "\n");
				return result;
			}));
		}
		return run(RUN.equals(command) ? "run" : "profile", invocation, params.getWorkDoneToken());
	}

	/** The client's forge-ir document of a function's IR: forge-ir:/FILE/FUNCTION.LEVEL.forge-ir?{uri,function,level}. */
	static String irUri(String source, String function, String level) {
		String path = java.net.URI.create(source).getPath();
		String base = path == null ? source : path.substring(path.lastIndexOf('/') + 1);
		JsonObject query = new JsonObject();
		query.addProperty("uri", source);
		query.addProperty("function", function);
		query.addProperty("level", level);
		try {
			return new java.net.URI("forge-ir", null, "/" + base + "/" + function + "." + level + ".forge-ir", query.toString(), null).toASCIIString();
		} catch (java.net.URISyntaxException e) {
			throw new IllegalArgumentException(e);
		}
	}

	/**
	 * `forge.run` / `forge.profile`: `<launcher> run|profile FILE --fn NAME --format json` in a child process,
	 * with work-done progress when the client supports it; cancelling the request or the progress kills the
	 * child. The result is {summary, output, ok} (see {@link RunSummary}), also when the run fails.
	 */
	private CompletableFuture<Object> run(String what, Invocation invocation, Either<String, Integer> clientToken) {
		CompletableFuture<Object> result = new CompletableFuture<>();
		String title = (what.equals("run") ? "Running " : "Profiling ") + invocation.function();
		Path launcher = LauncherProcess.launcher();
		if (launcher == null) {
			result.complete(RunSummary.result(invocation.function() + ": " + LauncherProcess.missing(what.equals("run") ? "Run" : "Profile"), "", false));
			return result;
		}
		Path file = fileOf(invocation.uri());
		if (file == null) {
			result.complete(RunSummary.result(invocation.function() + ": save the file first: forge " + what + " reads it from disk", "", false));
			return result;
		}
		String runTarget = invocation.target() != null ? invocation.target() : target;
		List<String> args = new ArrayList<>(List.of(what, file.toString(), "--fn", invocation.function(), "--format", "json"));
		if (runTarget != null && !runTarget.equals("host")) {
			args.addAll(List.of("--target", runTarget));
		}
		String commandLine = "forge " + String.join(" ", args);
		LauncherProcess[] child = new LauncherProcess[1];
		boolean[] cancelled = new boolean[1];
		Runnable cancel = () -> {
			synchronized (child) {
				cancelled[0] = true;
				if (child[0] != null) {
					child[0].kill();
				}
			}
		};
		// $/cancelRequest cancels the future LSP4J holds, which is this one.
		result.whenComplete((r, e) -> {
			if (result.isCancelled()) {
				cancel.run();
			}
		});
		bufferText(invocation.uri()).thenAcceptAsync(buffer -> {
			Progress progress = progress(clientToken);
			String key = progress.key();
			if (key != null) {
				cancellers.put(key, cancel);
			}
			progress.begin(title, commandLine);
			String note = "";
			try {
				if (buffer != null && !buffer.equals(Files.readString(file))) {
					note = "note: " + file.getFileName() + " has unsaved changes; forge " + what + " ran the saved file\n";
				}
			} catch (java.io.IOException | RuntimeException e) {
				// the check is a courtesy
			}
			String prefix = note;
			try {
				synchronized (child) {
					if (cancelled[0]) {
						throw new java.util.concurrent.CancellationException();
					}
					child[0] = LauncherProcess.start(launcher, args, file.getParent(), line -> {
						if (!line.isBlank()) {
							progress.report(line.length() > 200 ? line.substring(0, 200) + "..." : line);
						}
					});
				}
				child[0].result().whenComplete((r, e) -> {
					JsonObject o = e != null ? RunSummary.result(invocation.function() + ": forge " + what + " failed: " + e, prefix, false)
							: RunSummary.of(what, invocation.function(), r);
					o.addProperty("output", prefix + o.get("output").getAsString());
					o.addProperty("command", commandLine);
					if (key != null) {
						cancellers.remove(key);
					}
					progress.end(o.get("summary").getAsString());
					result.complete(o);
				});
			} catch (java.io.IOException | RuntimeException e) {
				if (key != null) {
					cancellers.remove(key);
				}
				String summary = e instanceof java.util.concurrent.CancellationException ? invocation.function() + ": " + what + " cancelled"
						: invocation.function() + ": could not start " + launcher + ": " + e.getMessage();
				progress.end(summary);
				result.complete(RunSummary.result(summary, prefix, false));
			}
		}, children);
		return result;
	}

	/** window/workDoneProgress/cancel: the user cancelled a run's progress. */
	@Override
	public void cancelProgress(WorkDoneProgressCancelParams params) {
		Runnable cancel = params.getToken() == null ? null : cancellers.get(tokenKey(params.getToken()));
		if (cancel != null) {
			cancel.run();
		}
	}

	private static String tokenKey(Either<String, Integer> token) {
		return token.isLeft() ? "s:" + token.getLeft() : "i:" + token.getRight();
	}

	/** Work-done progress of one run: the client's token, one created here, or none (all calls then do nothing). */
	private final class Progress {
		private final Either<String, Integer> token;

		Progress(Either<String, Integer> token) {
			this.token = token;
		}

		String key() {
			return token == null ? null : tokenKey(token);
		}

		void begin(String title, String message) {
			WorkDoneProgressBegin begin = new WorkDoneProgressBegin();
			begin.setTitle(title);
			begin.setMessage(message);
			begin.setCancellable(true);
			send(Either.forLeft(begin));
		}

		void report(String message) {
			WorkDoneProgressReport report = new WorkDoneProgressReport();
			report.setMessage(message);
			report.setCancellable(true);
			send(Either.forLeft(report));
		}

		void end(String message) {
			WorkDoneProgressEnd end = new WorkDoneProgressEnd();
			end.setMessage(message);
			send(Either.forLeft(end));
		}

		private void send(Either<org.eclipse.lsp4j.WorkDoneProgressNotification, Object> value) {
			LanguageClient client = getLanguageClient();
			if (token != null && client != null) {
				client.notifyProgress(new ProgressParams(token, value));
			}
		}
	}

	/** Never call on the message thread: it waits for the client's answer to window/workDoneProgress/create. */
	private Progress progress(Either<String, Integer> clientToken) {
		if (clientToken != null) {
			return new Progress(clientToken);
		}
		LanguageClient client = getLanguageClient();
		if (!clientProgress || client == null) {
			return new Progress(null);
		}
		Either<String, Integer> token = Either.forLeft("forge-" + UUID.randomUUID());
		try {
			client.createProgress(new WorkDoneProgressCreateParams(token)).get(10, TimeUnit.SECONDS);
			return new Progress(token);
		} catch (Exception e) {
			return new Progress(null);
		}
	}

	/** The file behind a file: URI, when it exists. */
	private static Path fileOf(String uri) {
		try {
			java.net.URI u = java.net.URI.create(uri);
			if (!"file".equals(u.getScheme())) {
				return null;
			}
			Path p = Path.of(u);
			return Files.isRegularFile(p) ? p : null;
		} catch (RuntimeException e) {
			return null;
		}
	}

	/** The editor's text of a document (null when the workspace does not know it). */
	private CompletableFuture<String> bufferText(String uri) {
		URI u = getURI(new TextDocumentIdentifier(uri));
		CompletableFuture<String> text = getRequestManager().runRead(cancel -> {
			try {
				return getWorkspaceManager().doRead(u, (document, resource) -> document == null ? null : document.getContents());
			} catch (RuntimeException e) {
				return null;
			}
		});
		// Typing may cancel the read: then there is no text to compare, which is fine.
		return text.exceptionally(e -> null);
	}

	// ---- forge/ir ------------------------------------------------------------------------------------

	/** Levels that `forge build --emit LEVEL --fn NAME` prints in a child process (they need LLVM). */
	private static final List<String> BUILD_LEVELS = List.of("llvm", "ptx", "asm");

	/**
	 * The custom request `forge/ir` {uri, function, level}: the text of one IR level of a function. Graph,
	 * schedule and tile are compiled here; llvm, ptx and asm come from `forge build` in a child process.
	 */
	@JsonRequest("forge/ir")
	public CompletableFuture<JsonObject> ir(JsonObject params) {
		String level = params.has("level") ? params.get("level").getAsString() : "tile";
		String function = params.has("function") ? params.get("function").getAsString() : "";
		String source = params.has("uri") ? params.get("uri").getAsString() : "";
		if (BUILD_LEVELS.contains(level)) {
			return irFromCommandLine(source, function, level);
		}
		long gen = generation.get();
		URI uri = getURI(new TextDocumentIdentifier(source));
		return getRequestManager().runRead(cancel -> getWorkspaceManager().doRead(uri, (document, resource) -> {
			Ir.Level irLevel = Ir.Level.parse(level);
			if (irLevel == null) {
				throw new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams,
						"unknown level '" + level + "': the levels are graph, schedule, tile, llvm, ptx and asm", null));
			}
			FunctionDef def = topLevelFunction(resource, function);
			if (def == null) {
				throw new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams, "no function '" + function + "' in " + uri.lastSegment(), null));
			}
			Ir.Lowered lowered = lowered((XtextResource) resource, def, irLevel, gen);
			JsonObject result = new JsonObject();
			result.addProperty("level", irLevel.id());
			result.addProperty("text", lowered.text() != null ? lowered.text() : "# " + function + ": not compiled: " + lowered.notLowered() + "\n");
			return result;
		}));
	}

	/** `<launcher> build FILE --emit LEVEL --fn NAME`: its stdout, or an error response with what it said. */
	private CompletableFuture<JsonObject> irFromCommandLine(String source, String function, String level) {
		CompletableFuture<JsonObject> result = new CompletableFuture<>();
		Path launcher = LauncherProcess.launcher();
		if (launcher == null) {
			result.completeExceptionally(new ResponseErrorException(new ResponseError(ResponseErrorCode.RequestFailed,
					LauncherProcess.missing("The " + level + " level"), null)));
			return result;
		}
		Path file = fileOf(source);
		if (file == null) {
			result.completeExceptionally(new ResponseErrorException(new ResponseError(ResponseErrorCode.RequestFailed,
					"the " + level + " level comes from forge build, which reads the file from disk: save it first", null)));
			return result;
		}
		String buildTarget = target;
		List<String> args = new ArrayList<>(List.of("build", file.toString(), "--emit", level, "--fn", function));
		if (buildTarget != null && !buildTarget.equals("host")) {
			args.addAll(List.of("--target", buildTarget));
		}
		String comment = switch (level) {
			case "llvm" -> ";";
			case "ptx" -> "//";
			default -> "#";
		};
		LauncherProcess[] child = new LauncherProcess[1];
		result.whenComplete((r, e) -> {
			if (result.isCancelled()) {
				synchronized (child) {
					if (child[0] != null) {
						child[0].kill();
					}
				}
			}
		});
		bufferText(source).thenAcceptAsync(buffer -> {
			try {
				String saved = Files.readString(file);
				String note = buffer != null && !buffer.equals(saved) ? comment + " note: from the saved " + file.getFileName() + " (unsaved changes are not included)\n" : "";
				var attributes = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
				BuildKey key = new BuildKey(file.toString(), attributes.lastModifiedTime().toMillis(), attributes.size(), level, function, buildTarget);
				String cached;
				synchronized (buildCache) {
					cached = buildCache.get(key);
				}
				if (cached != null) {
					result.complete(irResult(level, note + cached));
					return;
				}
				synchronized (child) {
					if (result.isDone()) {
						return;
					}
					child[0] = LauncherProcess.start(launcher, args, file.getParent(), line -> {
					});
				}
				child[0].result().whenComplete((r, e) -> {
					if (e == null && r.exitCode() == 0 && !r.killed()) {
						synchronized (buildCache) {
							buildCache.put(key, r.stdout());
						}
						result.complete(irResult(level, note + r.stdout()));
					} else {
						String said = e != null ? e.toString() : r.killed() ? "cancelled" : RunSummary.message(r.stderr());
						result.completeExceptionally(new ResponseErrorException(new ResponseError(ResponseErrorCode.RequestFailed,
								"forge build --emit " + level + " --fn " + function + " failed"
										+ (e == null && !r.killed() ? " (exit code " + r.exitCode() + ")" : "") + (said.isEmpty() ? "" : ": " + said), null)));
					}
				});
			} catch (java.io.IOException | RuntimeException e) {
				result.completeExceptionally(new ResponseErrorException(new ResponseError(ResponseErrorCode.RequestFailed,
						"could not run forge build for the " + level + " level: " + e.getMessage(), null)));
			}
		}, children);
		return result;
	}

	private static JsonObject irResult(String level, String text) {
		JsonObject o = new JsonObject();
		o.addProperty("level", level);
		o.addProperty("text", text);
		return o;
	}

	/** The top-level function {@code name} of a resource, or null. */
	private static FunctionDef topLevelFunction(org.eclipse.emf.ecore.resource.Resource resource, String name) {
		FunctionDef found = null;
		if (resource instanceof XtextResource xtext && !xtext.getContents().isEmpty() && xtext.getContents().get(0) instanceof dev.forge.forge.Module module) {
			for (EObject item : module.getBody()) {
				if (item instanceof FunctionDef f && name.equals(f.getName())) {
					found = f;
				}
			}
		}
		return found;
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
