package dev.forge;

import org.eclipse.xtext.conversion.IValueConverterService;
import org.eclipse.xtext.linking.impl.LinkingDiagnosticMessageProvider;
import org.eclipse.xtext.naming.IQualifiedNameProvider;
import org.eclipse.xtext.parser.antlr.ISyntaxErrorMessageProvider;

import dev.forge.conversion.ForgeValueConverters;
import dev.forge.linking.ForgeLinkingDiagnostics;
import dev.forge.naming.ForgeQualifiedNames;
import dev.forge.parser.ForgeParser;
import dev.forge.parser.ForgeResource;
import dev.forge.parser.ForgeSyntaxErrorMessageProvider;

/** Guice bindings of the Forge language runtime. */
public class ForgeRuntimeModule extends AbstractForgeRuntimeModule {

	@Override
	public Class<? extends org.eclipse.xtext.parser.IParser> bindIParser() {
		return ForgeParser.class;
	}

	@Override
	public Class<? extends org.eclipse.xtext.resource.XtextResource> bindXtextResource() {
		return ForgeResource.class;
	}

	public Class<? extends org.eclipse.xtext.resource.IDefaultResourceDescriptionStrategy> bindIDefaultResourceDescriptionStrategy() {
		return dev.forge.resource.ForgeDescriptionStrategy.class;
	}

	/** EMF's generic constraint checks (multiplicities) walk every object and find nothing the grammar allows. */
	public void configureUseEObjectValidator(com.google.inject.Binder binder) {
		binder.bind(Boolean.class).annotatedWith(com.google.inject.name.Names.named(org.eclipse.xtext.validation.CompositeEValidator.USE_EOBJECT_VALIDATOR))
				.toInstance(false);
	}

	public Class<? extends ISyntaxErrorMessageProvider> bindISyntaxErrorMessageProvider() {
		return ForgeSyntaxErrorMessageProvider.class;
	}

	@Override
	public Class<? extends IValueConverterService> bindIValueConverterService() {
		return ForgeValueConverters.class;
	}

	@Override
	public Class<? extends IQualifiedNameProvider> bindIQualifiedNameProvider() {
		return ForgeQualifiedNames.class;
	}

	public Class<? extends LinkingDiagnosticMessageProvider> bindLinkingDiagnosticMessageProvider() {
		return ForgeLinkingDiagnostics.class;
	}
}
