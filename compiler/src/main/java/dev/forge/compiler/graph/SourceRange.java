package dev.forge.compiler.graph;

/**
 * Where an op came from: the 0-based character range of the expression in its {@code .forge} file, and
 * the 1-based line and column of its start (for printing and for diagnostics that map back to source).
 */
public record SourceRange(int offset, int length, int line, int column) {

	/** For ops built by hand (tests, passes) that have no source. */
	public static final SourceRange NONE = new SourceRange(-1, 0, 0, 0);

	public boolean isKnown() {
		return offset >= 0;
	}
}
