package dev.forge.compiler.tile;

/**
 * The {@link TileInterpreter} cannot run a function: a missing input or one of the wrong shape, a
 * view or access that does not fit at run time, two programs touching the same output element.
 * The message names the buffer, or the kernel, program and statement.
 */
public class TileInterpreterException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public TileInterpreterException(String message) {
		super(message);
	}

	public TileInterpreterException(String message, Throwable cause) {
		super(message, cause);
	}
}
