package dev.forge.profiler.cuda;

/**
 * The GPU worker process could not be started, died, did not answer in time, or answered with an
 * internal error. The worker is gone afterwards; the next request starts a fresh one.
 */
public final class GpuWorkerException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public GpuWorkerException(String message) {
		super(message);
	}

	public GpuWorkerException(String message, Throwable cause) {
		super(message, cause);
	}
}
