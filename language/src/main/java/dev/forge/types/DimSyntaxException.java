package dev.forge.types;

/**
 * A dim string that does not parse, with the range of the problem inside the string (0-based
 * character offsets, {@code length} possibly 0 at the end) and a message in plain words.
 */
public class DimSyntaxException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final int offset;
	private final int length;

	public DimSyntaxException(String message, int offset, int length) {
		super(message);
		this.offset = offset;
		this.length = length;
	}

	/** Start of the problem within the dim string. */
	public int offset() {
		return offset;
	}

	/** Length of the problem within the dim string. */
	public int length() {
		return length;
	}
}
