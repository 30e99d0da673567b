package dev.forge.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.eclipse.emf.common.util.URI;
import org.eclipse.lsp4j.CompletionItem;
import org.eclipse.lsp4j.CompletionItemKind;
import org.eclipse.lsp4j.CompletionList;
import org.eclipse.lsp4j.CompletionParams;
import org.eclipse.lsp4j.InitializeParams;
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
import org.eclipse.xtext.util.CancelIndicator;

import dev.forge.ide.completion.ForgeCompletions;

import dev.forge.ide.hints.ShapeHints;

/**
 * Xtext's language server with what Xtext 2.42 lacks: inlay hints with inferred shapes. Requests run
 * through Xtext's request manager, so edits cancel them and they see unsaved buffers.
 */
public class ForgeLanguageServer extends LanguageServerImpl {

	@Override
	protected ServerCapabilities createServerCapabilities(InitializeParams params) {
		ServerCapabilities capabilities = super.createServerCapabilities(params);
		capabilities.setInlayHintProvider(true);
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
