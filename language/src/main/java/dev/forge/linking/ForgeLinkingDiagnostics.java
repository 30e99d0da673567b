package dev.forge.linking;

import org.eclipse.xtext.diagnostics.DiagnosticMessage;
import com.google.inject.Inject;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.linking.impl.LinkingDiagnosticMessageProvider;

import dev.forge.forge.ForgePackage;
import dev.forge.forge.FromImport;
import dev.forge.validation.IssueCodes;

/** Unresolved imports and targets, said the way Python says them. */
public class ForgeLinkingDiagnostics extends LinkingDiagnosticMessageProvider {

	@Inject
	private ModuleIndex modules;

	@Override
	public DiagnosticMessage getUnresolvedProxyMessage(ILinkingDiagnosticContext context) {
		String name = context.getLinkText();
		if (context.getReference() == ForgePackage.Literals.IMPORTED_NAME__FUNCTION) {
			FromImport from = (FromImport) context.getContext().eContainer();
			String module = from.getModule();
			if (!modules.exists(context.getContext().eResource(), module)) {
				return new DiagnosticMessage("no module named '" + module + "'", Severity.ERROR, IssueCodes.UNKNOWN_MODULE);
			}
			return new DiagnosticMessage("cannot import '" + name + "': module '" + module + "' has no top-level function '" + name + "'",
					Severity.ERROR, IssueCodes.UNKNOWN_IMPORTED_NAME);
		}
		if (context.getReference() == ForgePackage.Literals.TARGET_DECL__BASE) {
			return new DiagnosticMessage("unknown target '" + name + "'", Severity.ERROR, IssueCodes.UNKNOWN_TARGET);
		}
		return super.getUnresolvedProxyMessage(context);
	}
}
