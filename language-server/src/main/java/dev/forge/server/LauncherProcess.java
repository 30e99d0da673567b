package dev.forge.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A child process of the Forge command line ({@code <launcher> run|profile|build ...}), so that what it
 * compiles and runs can crash without taking the language server down. The launcher is the `forge`
 * script, which passes its own path as the system property {@value #PROPERTY} when it starts the server.
 */
final class LauncherProcess {

	static final String PROPERTY = "forge.launcher";

	/** At most this much of each stream is kept (a runaway kernel printing forever must not fill the heap). */
	private static final int MAX_CHARS = 4 << 20;

	/** Every child still running, ended when the server shuts down. */
	private static final Set<LauncherProcess> LIVE = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(LauncherProcess::killAll, "forge-kill-children"));
	}

	/** What the child printed and how it ended. */
	record Result(int exitCode, String stdout, String stderr, String output, boolean killed) {
	}

	private final Process process;
	private final List<String> command;
	private final StringBuilder stdout = new StringBuilder();
	private final StringBuilder stderr = new StringBuilder();
	private final StringBuilder output = new StringBuilder();
	private final CompletableFuture<Result> result = new CompletableFuture<>();
	private volatile boolean killed;

	private LauncherProcess(Process process, List<String> command) {
		this.process = process;
		this.command = command;
	}

	/** The launcher from {@value #PROPERTY}, or null when it is not set or not an executable file. */
	static Path launcher() {
		String value = System.getProperty(PROPERTY);
		if (value == null || value.isBlank()) {
			return null;
		}
		Path path = Path.of(value);
		return Files.isExecutable(path) ? path : null;
	}

	/** Why {@link #launcher()} is null, in a sentence that starts with {@code what}. */
	static String missing(String what) {
		String value = System.getProperty(PROPERTY);
		if (value == null || value.isBlank()) {
			return what + " needs the Forge command line (" + PROPERTY + " is not set)";
		}
		return what + " needs the Forge command line (" + PROPERTY + " is " + value + ", which is not an executable file)";
	}

	/**
	 * Starts {@code launcher args...} in {@code directory}; stdin is closed; {@code stderrLine} sees each
	 * line of stderr as it comes (for progress reports).
	 */
	static LauncherProcess start(Path launcher, List<String> args, Path directory, Consumer<String> stderrLine) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(launcher.toString());
		command.addAll(args);
		ProcessBuilder builder = new ProcessBuilder(command);
		if (directory != null && Files.isDirectory(directory)) {
			builder.directory(directory.toFile());
		}
		builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
		LauncherProcess child = new LauncherProcess(builder.start(), List.copyOf(command));
		LIVE.add(child);
		Thread out = Thread.ofVirtual().name("forge-child-stdout").start(() -> child.drain(child.process.getInputStream(), child.stdout, line -> {
		}));
		Thread err = Thread.ofVirtual().name("forge-child-stderr").start(() -> child.drain(child.process.getErrorStream(), child.stderr, stderrLine));
		child.process.onExit().thenRunAsync(() -> {
			try {
				// The streams end when the process (and anything that inherited them) is gone.
				out.join(TimeUnit.SECONDS.toMillis(10));
				err.join(TimeUnit.SECONDS.toMillis(10));
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			LIVE.remove(child);
			synchronized (child.output) {
				child.result.complete(new Result(child.process.exitValue(), child.text(child.stdout), child.text(child.stderr),
						child.output.toString(), child.killed));
			}
		});
		return child;
	}

	private String text(StringBuilder b) {
		synchronized (output) {
			return b.toString();
		}
	}

	private void drain(InputStream in, StringBuilder own, Consumer<String> lines) {
		try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				synchronized (output) {
					append(own, line);
					append(output, line);
				}
				try {
					lines.accept(line);
				} catch (RuntimeException e) {
					// a progress report that could not be sent must not stop the reading
				}
			}
		} catch (IOException e) {
			// the process is gone
		}
	}

	private static void append(StringBuilder b, String line) {
		if (b.length() < MAX_CHARS) {
			b.append(line).append('\n');
			if (b.length() >= MAX_CHARS) {
				b.append("... (output truncated)\n");
			}
		}
	}

	List<String> command() {
		return command;
	}

	long pid() {
		return process.pid();
	}

	CompletableFuture<Result> result() {
		return result;
	}

	/** Ends the child and everything it started: politely, then after two seconds by force. */
	void kill() {
		killed = true;
		List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
		all.add(process.toHandle());
		all.forEach(ProcessHandle::destroy);
		CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS).execute(() -> all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly));
	}

	static void killAll() {
		for (LauncherProcess p : List.copyOf(LIVE)) {
			p.killed = true;
			p.process.descendants().forEach(ProcessHandle::destroyForcibly);
			p.process.destroyForcibly();
		}
	}
}
