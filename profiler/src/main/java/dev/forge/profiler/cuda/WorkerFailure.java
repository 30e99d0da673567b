package dev.forge.profiler.cuda;

/**
 * Why the GPU worker could not do what it was asked, as it travels back to the runner, which
 * turns it into the matching exception ({@link #toException}).
 *
 * @param kind      {@code unavailable} (no GPU), {@code cuda} (a driver call failed; the worker lives on),
 *                  {@code fault} (a sticky error: the worker exits after answering), {@code memory}
 *                  (the run does not fit the device), {@code error} (anything else: a bad job, a bug)
 * @param message   the message, ready for the user
 * @param call      the driver call, for {@code cuda} and {@code fault}
 * @param code      the {@code CUresult}, for {@code cuda} and {@code fault}
 * @param errorName the {@code CUresult}'s name, for {@code cuda} and {@code fault}
 * @param symbol    the PTX entry of the kernel that faulted, when known
 */
record WorkerFailure(String kind, String message, String call, int code, String errorName, String symbol) {

	static WorkerFailure of(Throwable t, String faultingSymbol) {
		return switch (t) {
			case GpuUnavailableException u -> new WorkerFailure("unavailable", u.getMessage(), null, 0, null, null);
			case DeviceMemoryException m -> new WorkerFailure("memory", m.getMessage(), null, 0, null, null);
			case CudaException c when c.sticky() -> new WorkerFailure("fault", c.getMessage(), c.call(), c.code(), c.errorName(), faultingSymbol);
			case CudaException c -> new WorkerFailure("cuda", c.getMessage(), c.call(), c.code(), c.errorName(), null);
			default -> new WorkerFailure("error", t.getClass().getSimpleName() + ": " + t.getMessage(), null, 0, null, null);
		};
	}

	/** Whether the worker process is unusable after this failure. */
	boolean fatal() {
		return kind.equals("fault");
	}

	/**
	 * The exception the runner throws; {@code kernelName} and {@code sourceLine} (both may be null)
	 * name the faulting kernel in Tile IR terms and where its code begins.
	 */
	RuntimeException toException(String kernelName, String sourceLine) {
		return switch (kind) {
			case "unavailable" -> new GpuUnavailableException(message);
			case "memory" -> new DeviceMemoryException(message);
			case "fault" -> new KernelFaultException(kernelName, sourceLine, call, code, errorName);
			case "cuda" -> CudaException.relayed(message, call, code, errorName);
			default -> new GpuWorkerException("the GPU worker failed: " + message);
		};
	}
}
