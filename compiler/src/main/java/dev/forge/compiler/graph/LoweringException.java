package dev.forge.compiler.graph;

/**
 * A modeling function the lowering cannot turn into Graph IR: a construct it does not support yet
 * (named, with where it is), a type error left in the source, or (a bug) a lowering that disagrees
 * with the type checker. The range is the source range of the offending construct.
 */
public class LoweringException extends Exception {

	private static final long serialVersionUID = 1L;

	private final SourceRange range;

	public LoweringException(String message, SourceRange range) {
		super(message);
		this.range = range == null ? SourceRange.NONE : range;
	}

	public SourceRange range() {
		return range;
	}

	/** The message with its position: {@code 12:5: 'if' statements are not supported ...}. */
	public String located() {
		return range.isKnown() ? range.line() + ":" + range.column() + ": " + getMessage() : getMessage();
	}
}
