package dev.forge.profiler;

import dev.forge.profiler.cuda.Sizes;

/**
 * A host run that cannot fit, refused before allocating anything. An {@link IllegalArgumentException}
 * because it is the request that does not fit (the command line's exit status 2), with a one-line
 * message that names the sizes, as the GPU's {@link dev.forge.profiler.cuda.DeviceMemoryException} does.
 */
public final class HostMemoryException extends IllegalArgumentException {

	private static final long serialVersionUID = 1L;

	private HostMemoryException(String message) {
		super(message);
	}

	/**
	 * Refuses a run whose native input and output tensors, which the host holds for any device, exceed
	 * the machine's available memory.
	 */
	static void checkHost(String function, String dims, HostFootprint need, HostCapacity capacity) {
		if (need.tensorBytes() > capacity.availableBytes()) {
			throw new HostMemoryException(at(function, dims) + "inputs " + Sizes.format(need.inputs()) + " + outputs " + Sizes.format(need.outputs())
					+ " exceed " + Sizes.format(capacity.availableBytes()) + " available: use smaller --dims");
		}
	}

	/** Refuses a host run whose native tensors and temporaries exceed the machine's available memory. */
	static void checkNative(String function, String dims, HostFootprint need, HostCapacity capacity) {
		if (need.nativeBytes() > capacity.availableBytes()) {
			throw new HostMemoryException(at(function, dims) + parts(need) + " exceed " + Sizes.format(capacity.availableBytes())
					+ " available: use smaller --dims");
		}
	}

	/** Refuses a check whose reference does not fit even on the smallest reduced instance. */
	static HostMemoryException reference(String function, String dims, HostFootprint need, HostCapacity capacity) {
		return new HostMemoryException(at(function, dims) + "the reference interpreter's f64 values " + Sizes.format(need.checkHeapBytes())
				+ " exceed the Java heap's " + Sizes.format(capacity.heapBytes()) + " free, and no dim can be reduced: use smaller --dims");
	}

	/** Refuses dims whose byte sizes pass 2^63: no machine holds them. */
	static HostMemoryException beyond64Bits(String function, String dims) {
		return new HostMemoryException(at(function, dims) + "the buffers' byte sizes pass 2^63: use smaller --dims");
	}

	private static String at(String function, String dims) {
		return "@" + function + " at " + dims + ": ";
	}

	private static String parts(HostFootprint need) {
		return "inputs " + Sizes.format(need.inputs()) + " + outputs " + Sizes.format(need.outputs())
				+ (need.temporaries() > 0 ? " + temporaries " + Sizes.format(need.temporaries()) : "");
	}
}
