package dev.forge.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
import org.eclipse.xtext.ide.server.LanguageServerImpl;
import org.eclipse.xtext.resource.XtextResource;

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
 * Xtext's language server with what Xtext 2.42 lacks: inlay hints with inferred shapes. Requests run
 * through Xtext's request manager, so edits cancel them and they see unsaved buffers.
 */
public class ForgeLanguageServer extends LanguageServerImpl {

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

	/** Hover on a function's name adds its Tile IR for the host (or why it does not compile). */
	@Override
	protected Hover hover(HoverParams params, CancelIndicator cancel) {
		Hover hover = super.hover(params, cancel);
		URI uri = getURI(params.getTextDocument());
		String ir = getWorkspaceManager().doRead(uri, (document, resource) -> {
			FunctionDef def = functionNamedAt(resource, offsetOrEnd(document, params.getPosition()));
			if (def == null) {
				return null;
			}
			Ir.Lowered lowered = Ir.of((XtextResource) resource, def, Ir.Level.TILE);
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

	/** The custom request `forge/ir` {uri, function, level}: the text of one IR level of a function. */
	@JsonRequest("forge/ir")
	public CompletableFuture<JsonObject> ir(JsonObject params) {
		String level = params.has("level") ? params.get("level").getAsString() : "tile";
		String function = params.has("function") ? params.get("function").getAsString() : "";
		URI uri = getURI(new TextDocumentIdentifier(params.has("uri") ? params.get("uri").getAsString() : ""));
		return getRequestManager().runRead(cancel -> getWorkspaceManager().doRead(uri, (document, resource) -> {
			Ir.Level irLevel = Ir.Level.parse(level);
			if (irLevel == null) {
				throw new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams,
						"unknown level '" + level + "': the levels are graph, schedule and tile", null));
			}
			FunctionDef def = null;
			if (resource instanceof XtextResource xtext && !xtext.getContents().isEmpty() && xtext.getContents().get(0) instanceof dev.forge.forge.Module module) {
				for (EObject item : module.getBody()) {
					if (item instanceof FunctionDef f && function.equals(f.getName())) {
						def = f;
					}
				}
			}
			if (def == null) {
				throw new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams, "no function '" + function + "' in " + uri.lastSegment(), null));
			}
			Ir.Lowered lowered = Ir.of((XtextResource) resource, def, irLevel);
			JsonObject result = new JsonObject();
			result.addProperty("level", irLevel.id());
			result.addProperty("text", lowered.text() != null ? lowered.text() : "# " + function + ": not compiled: " + lowered.notLowered() + "\n");
			return result;
		}));
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
