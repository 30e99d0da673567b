package dev.forge.ide.symbols;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.ide.server.symbol.DocumentSymbolMapper.DocumentSymbolNameProvider;
import org.eclipse.xtext.naming.QualifiedName;

/** Outline names as written (`mlp`), not the index's module-qualified names (`nn.mlp`). */
public class ForgeSymbolNames extends DocumentSymbolNameProvider {

	@Override
	public String getName(EObject object) {
		String name = super.getName(object);
		return name == null ? null : QualifiedName.create(name.split("\\.")).getLastSegment();
	}

	@Override
	public String getName(org.eclipse.xtext.resource.IEObjectDescription description) {
		return description.getName().getLastSegment();
	}
}
