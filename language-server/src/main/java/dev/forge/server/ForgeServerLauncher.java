package dev.forge.server;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.eclipse.lsp4j.jsonrpc.Launcher;
import org.eclipse.lsp4j.services.LanguageClient;
import org.eclipse.xtext.build.IncrementalBuilder;
import org.eclipse.xtext.ide.server.LanguageServerImpl;
import org.eclipse.xtext.ide.server.ServerModule;
import org.eclipse.xtext.util.Modules2;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;

/**
 * `forge lsp`: the language server over stdio. stdout carries only protocol (everything else printed
 * goes to stderr); the process ends when the client closes stdin or sends exit.
 */
public final class ForgeServerLauncher {

	private ForgeServerLauncher() {
	}

	public static int run() {
		InputStream in = System.in;
		PrintStream out = System.out;
		System.setOut(System.err);
		Injector injector = Guice.createInjector(Modules2.mixin(new ServerModule(), new AbstractModule() {
			@Override
			protected void configure() {
				bind(LanguageServerImpl.class).to(ForgeLanguageServer.class);
				bind(IncrementalBuilder.InternalStatefulIncrementalBuilder.class).to(ForgeIncrementalBuilder.class);
			}
		}));
		LanguageServerImpl server = injector.getInstance(LanguageServerImpl.class);
		ExecutorService threads = Executors.newCachedThreadPool(r -> {
			Thread t = new Thread(r, "forge-lsp-io");
			t.setDaemon(true);
			return t;
		});
		Launcher<LanguageClient> launcher = new Launcher.Builder<LanguageClient>().setLocalService(server).setRemoteInterface(LanguageClient.class)
				.setInput(in).setOutput(out).setExecutorService(threads).create();
		server.connect(launcher.getRemoteProxy());
		try {
			launcher.startListening().get();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		} catch (java.util.concurrent.ExecutionException e) {
			System.err.println("forge lsp: the connection failed: " + e.getCause());
			return 1;
		}
		return 0;
	}
}
