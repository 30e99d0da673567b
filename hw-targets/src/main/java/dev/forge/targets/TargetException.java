package dev.forge.targets;

import java.util.List;

/**
 * A target that cannot be loaded or asked for: an unknown name, a description with errors, a
 * missing field. The message says what and where ({@code h100.forge:12:5: error[F0904]: ...}),
 * one problem a line; {@link #problems()} lists them.
 */
public final class TargetException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final List<String> problems;

	public TargetException(String message) {
		this(message, List.of());
	}

	public TargetException(String message, List<String> problems) {
		super(problems.isEmpty() ? message : message + "\n  " + String.join("\n  ", problems));
		this.problems = List.copyOf(problems);
	}

	public TargetException(String message, Throwable cause) {
		super(message, cause);
		this.problems = List.of();
	}

	/** The individual problems, each {@code file:line:col: severity[code]: message}; may be empty. */
	public List<String> problems() {
		return problems;
	}
}
