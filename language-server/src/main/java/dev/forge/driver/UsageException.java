package dev.forge.driver;

/** A request the user can fix (a missing file, a bad flag): printed as one line, exit code 2. */
public class UsageException extends RuntimeException {
	private static final long serialVersionUID = 1L;

	public UsageException(String message) {
		super(message);
	}
}
