package dev.forge.profiler.cuda;

/**
 * No GPU to run on: no NVIDIA driver library on this machine, or a driver that finds no device.
 * The message is one line meant for the user as it is; the command line exits with status 2.
 */
public final class GpuUnavailableException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/** The message when {@code libcuda.so.1} cannot be loaded. */
	public static final String NO_DRIVER = "no NVIDIA GPU driver (libcuda.so.1) on this machine";

	public GpuUnavailableException(String message) {
		super(message);
	}
}
