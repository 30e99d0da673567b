package dev.forge.compiler.host;

/** A failure reported by LLVM (verifier, pass pipeline, code generation, JIT), with LLVM's message. */
public final class LlvmException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public LlvmException(String message) {
		super(message);
	}
}
