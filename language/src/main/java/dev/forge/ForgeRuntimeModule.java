package dev.forge;

import org.eclipse.xtext.conversion.IValueConverterService;
import org.eclipse.xtext.linking.impl.LinkingDiagnosticMessageProvider;
import org.eclipse.xtext.naming.IQualifiedNameProvider;
import org.eclipse.xtext.parser.antlr.ISyntaxErrorMessageProvider;

import dev.forge.conversion.ForgeValueConverters;
import dev.forge.linking.ForgeLinker;
import dev.forge.linking.ForgeLinkingDiagnostics;
import dev.forge.naming.ForgeQualifiedNames;
import dev.forge.parser.ForgeParser;
import dev.forge.parser.ForgeResource;
import dev.forge.parser.ForgeSyntaxErrorMessageProvider;
import dev.forge.resource.ForgeScopeCache;

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

	/** Validation that, after an in-place update, validates only the top-level statements that changed. */
	public Class<? extends org.eclipse.emf.ecore.util.Diagnostician> bindDiagnostician() {
		return dev.forge.validation.ForgeDiagnostician.class;
	}

	public Class<? extends org.eclipse.xtext.validation.IDiagnosticConverter> bindIDiagnosticConverter() {
		return dev.forge.validation.ForgeDiagnosticConverter.class;
	}

	/** Links without visiting every expression: only imports and chip descriptions have cross-references. */
	@Override
	public Class<? extends org.eclipse.xtext.linking.ILinker> bindILinker() {
		return ForgeLinker.class;
	}

	/** The resource-scope cache, watching each resource rather than every object in it (see ForgeScopeCache). */
	public void configureResourceScopeCache(com.google.inject.Binder binder) {
		binder.bind(org.eclipse.xtext.util.OnChangeEvictingCache.class).to(ForgeScopeCache.class);
		binder.bind(org.eclipse.xtext.util.IResourceScopeCache.class).to(ForgeScopeCache.class);
	}

	/**
	 * Forge generates no files from a build, so the builder's "generate only without errors" check, a
	 * second validation of every built file, has nothing to decide.
	 */
	public Class<? extends org.eclipse.xtext.generator.IShouldGenerate> bindIShouldGenerate() {
		return NoGeneration.class;
	}

	public static final class NoGeneration implements org.eclipse.xtext.generator.IShouldGenerate {
		@Override
		public boolean shouldGenerate(org.eclipse.emf.ecore.resource.Resource resource, org.eclipse.xtext.util.CancelIndicator cancelIndicator) {
			return false;
		}
	}
}
