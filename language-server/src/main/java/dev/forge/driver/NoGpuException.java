package dev.forge.driver;

/** No NVIDIA GPU to run on: printed as one line "forge: error: no NVIDIA GPU ...", exit code 2. */
public class NoGpuException extends UsageException {
	private static final long serialVersionUID = 1L;

	private NoGpuException(String message) {
		super(message);
	}

	/** {@code why}: what is missing, e.g. "no NVIDIA GPU driver (libcuda.so.1) on this machine"; said to be about the GPU once. */
	public static NoGpuException because(String why) {
		String line = why.strip().replace('\n', ' ');
		return new NoGpuException(line.startsWith("no NVIDIA GPU") ? line : "no NVIDIA GPU: " + line);
	}
}
