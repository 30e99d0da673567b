package dev.forge.ide;

import org.eclipse.xtext.ide.editor.syntaxcoloring.ISemanticHighlightingCalculator;
import org.eclipse.xtext.ide.server.hover.IHoverService;

import dev.forge.ide.highlighting.ForgeSemanticHighlighting;
import dev.forge.ide.hover.ForgeHoverService;

/** Editor-agnostic IDE services of Forge. */
public class ForgeIdeModule extends AbstractForgeIdeModule {

	public Class<? extends IHoverService> bindIHoverService() {
		return ForgeHoverService.class;
	}

	public Class<? extends org.eclipse.xtext.ide.server.signatureHelp.ISignatureHelpService> bindISignatureHelpService() {
		return dev.forge.ide.signature.ForgeSignatureHelp.class;
	}

	public Class<? extends org.eclipse.xtext.ide.server.symbol.DocumentSymbolMapper.DocumentSymbolNameProvider> bindDocumentSymbolNameProvider() {
		return dev.forge.ide.symbols.ForgeSymbolNames.class;
	}

	public Class<? extends org.eclipse.xtext.ide.server.symbol.DocumentSymbolMapper.DocumentSymbolKindProvider> bindDocumentSymbolKindProvider() {
		return dev.forge.ide.symbols.ForgeSymbolKinds.class;
	}

	public Class<? extends ISemanticHighlightingCalculator> bindISemanticHighlightingCalculator() {
		return ForgeSemanticHighlighting.class;
	}
}
