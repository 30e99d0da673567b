package dev.forge.driver;

/**
 * A run that started but could not finish (a kernel faulted on the device, the GPU worker died or
 * hung): the program's failure, not Forge's. Printed as one line "forge: error: ...", exit code 1.
 */
public class RunFailedException extends RuntimeException {
	private static final long serialVersionUID = 1L;

	public RunFailedException(String message) {
		super(message);
	}
}
