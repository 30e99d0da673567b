package dev.forge.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.eclipse.lsp4j.ProgressParams;
import org.eclipse.lsp4j.WorkDoneProgressBegin;
import org.eclipse.lsp4j.WorkDoneProgressCancelParams;
import org.eclipse.lsp4j.WorkDoneProgressCreateParams;
import org.eclipse.lsp4j.WorkDoneProgressEnd;
import org.eclipse.lsp4j.WorkDoneProgressReport;
import org.eclipse.lsp4j.jsonrpc.messages.Either;
import org.eclipse.lsp4j.services.LanguageClient;

import com.google.gson.JsonObject;

/**
 * The commands Run and Profile: `forge run|profile` in a child process ({@link LauncherProcess}), outside
 * the request manager, with work-done progress and cancellation.
 */
final class ForgeRuns {

	private final ServerAccess server;

	/** Threads that start and watch child processes (never the message thread, which must not block). */
	private final ExecutorService children;

	/** Cancellation of the runs that report progress, by progress token. */
	private final Map<String, Runnable> cancellers = new ConcurrentHashMap<>();

	ForgeRuns(ServerAccess server, ExecutorService children) {
		this.server = server;
		this.children = children;
	}

	/**
	 * `forge.run` / `forge.profile`: `<launcher> run|profile FILE --fn NAME --format json` in a child process,
	 * with work-done progress when the client supports it; cancelling the request or the progress kills the
	 * child. The result is {summary, output, ok} (see {@link RunSummary}), also when the run fails.
	 */
	CompletableFuture<Object> run(String what, Invocation invocation, Either<String, Integer> clientToken) {
		return run(what, invocation, List.of(), clientToken);
	}

	/**
	 * {@code what} is "run", "profile" or "tune" (`forge.tune`: {@code <launcher> tune FILE --fn NAME --format json},
	 * its progress lines reported as they come, the result summarized by {@link RunSummary#ofTune});
	 * {@code extra} are further arguments (a tuning's --budget).
	 */
	CompletableFuture<Object> run(String what, Invocation invocation, List<String> extra, Either<String, Integer> clientToken) {
		CompletableFuture<Object> result = new CompletableFuture<>();
		String title = (what.equals("run") ? "Running " : what.equals("tune") ? "Tuning " : "Profiling ") + invocation.function();
		Path launcher = LauncherProcess.launcher();
		if (launcher == null) {
			result.complete(RunSummary.result(invocation.function() + ": "
					+ LauncherProcess.missing(what.equals("run") ? "Run" : what.equals("tune") ? "Tune" : "Profile"), "", false));
			return result;
		}
		Path file = fileOf(invocation.uri());
		if (file == null) {
			result.complete(RunSummary.result(invocation.function() + ": save the file first: forge " + what + " reads it from disk", "", false));
			return result;
		}
		String runTarget = invocation.target() != null ? invocation.target() : server.target();
		List<String> args = new ArrayList<>(List.of(what, file.toString(), "--fn", invocation.function(), "--format", "json"));
		if (runTarget != null && !runTarget.equals("host")) {
			args.addAll(List.of("--target", runTarget));
		}
		args.addAll(extra);
		// Profile draws the roofline too, which the editor shows beside the source (the result's "plot").
		Path plot = what.equals("profile") ? plotFile() : null;
		if (plot != null) {
			args.addAll(List.of("--plot", plot.toString()));
		}
		String commandLine = "forge " + String.join(" ", args);
		LauncherProcess[] child = new LauncherProcess[1];
		boolean[] cancelled = new boolean[1];
		Runnable cancel = () -> {
			synchronized (child) {
				cancelled[0] = true;
				if (child[0] != null) {
					child[0].kill();
				}
			}
		};
		// $/cancelRequest cancels the future LSP4J holds, which is this one.
		result.whenComplete((r, e) -> {
			if (result.isCancelled()) {
				cancel.run();
			}
		});
		server.bufferText(invocation.uri()).thenAcceptAsync(buffer -> {
			Progress progress = progress(clientToken);
			String key = progress.key();
			if (key != null) {
				cancellers.put(key, cancel);
			}
			progress.begin(title, commandLine);
			String note = "";
			try {
				if (buffer != null && !buffer.equals(Files.readString(file))) {
					note = "note: " + file.getFileName() + " has unsaved changes; forge " + what + " ran the saved file\n";
				}
			} catch (java.io.IOException | RuntimeException e) {
				// the check is a courtesy
			}
			String prefix = note;
			try {
				synchronized (child) {
					if (cancelled[0]) {
						throw new java.util.concurrent.CancellationException();
					}
					child[0] = LauncherProcess.start(launcher, args, file.getParent(), line -> {
						if (!line.isBlank()) {
							progress.report(line.length() > 200 ? line.substring(0, 200) + "..." : line);
						}
					});
				}
				child[0].result().whenComplete((r, e) -> {
					JsonObject o = e != null ? RunSummary.result(invocation.function() + ": forge " + what + " failed: " + e, prefix, false)
							: what.equals("tune") ? RunSummary.ofTune(invocation.function(), r) : RunSummary.of(what, invocation.function(), r);
					o.addProperty("output", prefix + o.get("output").getAsString());
					o.addProperty("command", commandLine);
					String svg = readAndDelete(plot);
					if (svg != null) {
						o.addProperty("plot", svg);
					}
					if (key != null) {
						cancellers.remove(key);
					}
					progress.end(o.get("summary").getAsString());
					result.complete(o);
				});
			} catch (java.io.IOException | RuntimeException e) {
				if (key != null) {
					cancellers.remove(key);
				}
				String summary = e instanceof java.util.concurrent.CancellationException ? invocation.function() + ": " + what + " cancelled"
						: invocation.function() + ": could not start " + launcher + ": " + e.getMessage();
				progress.end(summary);
				result.complete(RunSummary.result(summary, prefix, false));
			}
		}, children);
		return result;
	}

	/** A new temporary file for a profile's roofline, or null when none can be made (the profile then has no plot). */
	private static Path plotFile() {
		try {
			Path file = Files.createTempFile("forge-roofline-", ".svg");
			Files.delete(file); // forge profile writes it; an empty file left behind would read as a plot
			return file;
		} catch (java.io.IOException e) {
			return null;
		}
	}

	/** The SVG a profile wrote, or null; the file is deleted either way. */
	private static String readAndDelete(Path plot) {
		if (plot == null) {
			return null;
		}
		try {
			return Files.exists(plot) ? Files.readString(plot) : null;
		} catch (java.io.IOException e) {
			return null;
		} finally {
			try {
				Files.deleteIfExists(plot);
			} catch (java.io.IOException e) {
				// a temporary file
			}
		}
	}

	/** window/workDoneProgress/cancel: the user cancelled a run's progress. */
	void cancelProgress(WorkDoneProgressCancelParams params) {
		Runnable cancel = params.getToken() == null ? null : cancellers.get(tokenKey(params.getToken()));
		if (cancel != null) {
			cancel.run();
		}
	}

	private static String tokenKey(Either<String, Integer> token) {
		return token.isLeft() ? "s:" + token.getLeft() : "i:" + token.getRight();
	}

	/** Work-done progress of one run: the client's token, one created here, or none (all calls then do nothing). */
	private final class Progress {
		private final Either<String, Integer> token;

		Progress(Either<String, Integer> token) {
			this.token = token;
		}

		String key() {
			return token == null ? null : tokenKey(token);
		}

		void begin(String title, String message) {
			WorkDoneProgressBegin begin = new WorkDoneProgressBegin();
			begin.setTitle(title);
			begin.setMessage(message);
			begin.setCancellable(true);
			send(Either.forLeft(begin));
		}

		void report(String message) {
			WorkDoneProgressReport report = new WorkDoneProgressReport();
			report.setMessage(message);
			report.setCancellable(true);
			send(Either.forLeft(report));
		}

		void end(String message) {
			WorkDoneProgressEnd end = new WorkDoneProgressEnd();
			end.setMessage(message);
			send(Either.forLeft(end));
		}

		private void send(Either<org.eclipse.lsp4j.WorkDoneProgressNotification, Object> value) {
			LanguageClient client = server.client();
			if (token != null && client != null) {
				client.notifyProgress(new ProgressParams(token, value));
			}
		}
	}

	/** Never call on the message thread: it waits for the client's answer to window/workDoneProgress/create. */
	private Progress progress(Either<String, Integer> clientToken) {
		if (clientToken != null) {
			return new Progress(clientToken);
		}
		LanguageClient client = server.client();
		if (!server.clientProgress() || client == null) {
			return new Progress(null);
		}
		Either<String, Integer> token = Either.forLeft("forge-" + UUID.randomUUID());
		try {
			client.createProgress(new WorkDoneProgressCreateParams(token)).get(10, TimeUnit.SECONDS);
			return new Progress(token);
		} catch (Exception e) {
			return new Progress(null);
		}
	}

	/** The file behind a file: URI, when it exists. */
	static Path fileOf(String uri) {
		try {
			java.net.URI u = java.net.URI.create(uri);
			if (!"file".equals(u.getScheme())) {
				return null;
			}
			Path p = Path.of(u);
			return Files.isRegularFile(p) ? p : null;
		} catch (RuntimeException e) {
			return null;
		}
	}
}
