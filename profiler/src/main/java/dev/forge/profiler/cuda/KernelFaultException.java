package dev.forge.profiler.cuda;

/**
 * A kernel faulted on the device ({@code CUDA_ERROR_ILLEGAL_ADDRESS} and the other sticky errors):
 * the worker process that ran it is gone, and the next request starts a fresh one. The message reads
 * {@code kernel @softmax_0 faulted: CUDA_ERROR_ILLEGAL_ADDRESS (kernel at samples/softmax.forge:12)};
 * the driver does not say which instruction faulted, so the line is where the kernel's code begins
 * (its first PTX {@code .loc}); {@code compute-sanitizer --tool memcheck} gives the exact line.
 */
public final class KernelFaultException extends CudaException {

	private static final long serialVersionUID = 1L;

	private final String kernel;
	private final String sourceLine;

	public KernelFaultException(String kernel, String sourceLine, String call, int code, String errorName) {
		super(message(kernel, sourceLine, call, errorName), call, code, errorName);
		this.kernel = kernel;
		this.sourceLine = sourceLine;
	}

	private static String message(String kernel, String sourceLine, String call, String errorName) {
		String what = kernel != null ? "kernel @" + kernel : "a kernel (found at " + call + ")";
		return what + " faulted: " + errorName + (sourceLine != null ? " (kernel at " + sourceLine + ")" : "");
	}

	/** The Tile IR name of the kernel that faulted, or null when the fault surfaced where no one kernel was running. */
	public String kernel() {
		return kernel;
	}

	/** {@code file:line} where the kernel's code begins, or null when its PTX has no line info. */
	public String sourceLine() {
		return sourceLine;
	}
}
