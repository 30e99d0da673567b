package dev.forge;

import com.google.inject.Injector;

/** The Forge language's one standalone injector, shared by every module (creating one costs about a second). */
public final class ForgeLanguage {

	private ForgeLanguage() {
	}

	public static Injector injector() {
		return Holder.INJECTOR;
	}

	private static final class Holder {
		static final Injector INJECTOR = new ForgeStandaloneSetup().createInjectorAndDoEMFRegistration();
	}
}
