package dev.forge.ide.symbols;

import org.eclipse.emf.ecore.EClass;
import org.eclipse.lsp4j.SymbolKind;
import org.eclipse.xtext.ide.server.symbol.DocumentSymbolMapper.DocumentSymbolKindProvider;

import dev.forge.forge.ForgePackage;

/** Functions and kernels as functions, chip descriptions as structs, in the outline and symbol search. */
public class ForgeSymbolKinds extends DocumentSymbolKindProvider {

	@Override
	protected SymbolKind getSymbolKind(EClass type) {
		if (type == ForgePackage.Literals.FUNCTION_DEF) {
			return SymbolKind.Function;
		}
		if (type == ForgePackage.Literals.TARGET_DECL) {
			return SymbolKind.Struct;
		}
		return super.getSymbolKind(type);
	}
}
