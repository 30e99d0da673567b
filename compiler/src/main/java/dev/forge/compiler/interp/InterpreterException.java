package dev.forge.compiler.interp;

/** The interpreter cannot run a function on the given inputs: a missing input, a shape or dim that does not fit. */
public class InterpreterException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public InterpreterException(String message) {
		super(message);
	}
}
