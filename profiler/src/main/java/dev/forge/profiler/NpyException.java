package dev.forge.profiler;

import java.io.IOException;

/**
 * A {@code .npy} file that cannot be read or an array that cannot be written as one. An
 * {@link IOException}, so callers that read files handle both in one place; the message names the
 * file and says what is wrong ({@code "x.npy: unsupported dtype '>f4' ..."}).
 */
public final class NpyException extends IOException {

	private static final long serialVersionUID = 1L;

	public NpyException(String message) {
		super(message);
	}
}
