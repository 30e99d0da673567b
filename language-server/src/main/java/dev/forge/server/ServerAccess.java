package dev.forge.server;

import java.util.concurrent.CompletableFuture;

import org.eclipse.emf.common.util.URI;
import org.eclipse.lsp4j.services.LanguageClient;
import org.eclipse.xtext.ide.server.WorkspaceManager;
import org.eclipse.xtext.ide.server.concurrent.IRequestManager;

/** What the Run/Profile and IR services need of the language server. */
interface ServerAccess {

	IRequestManager requestManager();

	WorkspaceManager workspaceManager();

	/** The workspace's URI for a document URI from the client. */
	URI uri(String documentUri);

	LanguageClient client();

	/** The workspace generation now: bumped by every change, so a cached result names the one it belongs to. */
	long generation();

	/** The chip description from {@code initializationOptions.target} or the {@code forge.target} setting. */
	String target();

	/** Whether the client can be asked to create work-done progress. */
	boolean clientProgress();

	/** The editor's text of a document (null when the workspace does not know it). */
	default CompletableFuture<String> bufferText(String uri) {
		URI u = uri(uri);
		CompletableFuture<String> text = requestManager().runRead(cancel -> {
			try {
				return workspaceManager().doRead(u, (document, resource) -> document == null ? null : document.getContents());
			} catch (RuntimeException e) {
				return null;
			}
		});
		// Typing may cancel the read: then there is no text to compare, which is fine.
		return text.exceptionally(e -> null);
	}
}
