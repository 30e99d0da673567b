package dev.forge.server;

import org.eclipse.xtext.util.Modules2;
import org.eclipse.xtext.validation.IResourceValidator;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;

import dev.forge.ForgeRuntimeModule;
import dev.forge.ide.ForgeIdeModule;
import dev.forge.ide.ForgeIdeSetup;

/**
 * The Forge language as the language server runs it: runtime + IDE services, with validation
 * composed from every module (language checks, chip-description schema), like `forge check`.
 */
public class ForgeServerSetup extends ForgeIdeSetup {

	@Override
	public Injector createInjector() {
		return Guice.createInjector(Modules2.mixin(new ForgeRuntimeModule(), new ForgeIdeModule(), new AbstractModule() {
			@Override
			protected void configure() {
				bind(IResourceValidator.class).to(ForgeResourceValidator.class);
			}
		}));
	}
}
