package dev.forge.profiler.cuda;

import java.util.Set;

/**
 * A CUDA driver call that did not return {@code CUDA_SUCCESS}: the message names the call (with the
 * kernel or buffer it was about) and the {@code CUresult} name, e.g.
 * {@code cuLaunchKernel(@softmax_last_0) failed: CUDA_ERROR_INVALID_VALUE}, followed by any detail
 * (the JIT's error log for a module that does not load).
 */
public class CudaException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/**
	 * The errors after which the context, and so the process, is unusable (cuda.h: "the process must be
	 * terminated and relaunched"); gpu-notes.md saw even a primary-context reset fail to recover.
	 * ILLEGAL_ADDRESS 700, LAUNCH_TIMEOUT 702, HARDWARE_STACK_ERROR 714, ILLEGAL_INSTRUCTION 715,
	 * MISALIGNED_ADDRESS 716, INVALID_ADDRESS_SPACE 717, INVALID_PC 718, LAUNCH_FAILED 719,
	 * TENSOR_MEMORY_LEAK 721, CONTAINED 226, EXTERNAL_DEVICE 911, ASSERT 710.
	 */
	private static final Set<Integer> STICKY = Set.of(700, 702, 714, 715, 716, 717, 718, 719, 721, 226, 911, 710);

	private final String call;
	private final int code;
	private final String errorName;

	public CudaException(String call, int code, String errorName, String detail) {
		super(call + " failed: " + errorName + (detail == null || detail.isBlank() ? "" : "\n" + detail.strip()));
		this.call = call;
		this.code = code;
		this.errorName = errorName;
	}

	/** For subclasses that word their own message. */
	protected CudaException(String message, String call, int code, String errorName) {
		super(message);
		this.call = call;
		this.code = code;
		this.errorName = errorName;
	}

	/** An error reported by another process (the GPU worker), its message as worded there. */
	static CudaException relayed(String message, String call, int code, String errorName) {
		return new CudaException(message, call, code, errorName);
	}

	/** The driver call, with what it was about: {@code cuModuleGetFunction(@k)}. */
	public String call() {
		return call;
	}

	/** The {@code CUresult} value. */
	public int code() {
		return code;
	}

	/** The {@code CUresult} name, {@code CUDA_ERROR_ILLEGAL_ADDRESS}. */
	public String errorName() {
		return errorName;
	}

	/** Whether this error leaves the process's CUDA context unusable. */
	public boolean sticky() {
		return isSticky(code);
	}

	public static boolean isSticky(int code) {
		return STICKY.contains(code);
	}
}
