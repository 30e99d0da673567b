package dev.forge.profiler.cuda;

import java.util.List;

/**
 * One run of a compiled function that the GPU worker carries out, in terms the worker needs no
 * compiler to understand: a PTX module, device buffers, kernel launches with their 8-byte
 * parameters, the buffers to read back and, optionally, how to time it. The parent builds it
 * ({@link GpuJobs}) and sends it with the contents of the {@link Fill#DATA} buffers, in order.
 *
 * @param function  the function's name, for messages
 * @param ptx       the PTX module holding every kernel
 * @param kernels   the module's kernels
 * @param buffers   the device buffers to allocate
 * @param launches  the launches of one run, in order
 * @param readBack  the buffers whose contents come back after the (first) run, in this order
 * @param timing    how to time the run, or null to run it once (synchronising after each launch, so
 *                  that a fault is pinned on its kernel)
 */
public record GpuJob(String function, String ptx, List<Kernel> kernels, List<DeviceBuffer> buffers, List<Launch> launches,
		List<String> readBack, Timing timing) {

	public GpuJob {
		kernels = List.copyOf(kernels);
		buffers = List.copyOf(buffers);
		launches = List.copyOf(launches);
		readBack = List.copyOf(readBack);
	}

	/**
	 * A kernel of the module.
	 *
	 * @param symbol          its PTX entry
	 * @param name            its Tile IR name, for messages ({@code softmax_0})
	 * @param threadsPerBlock blockDim.x
	 * @param sharedBytes     dynamic shared memory per block
	 */
	public record Kernel(String symbol, String name, int threadsPerBlock, int sharedBytes) {
	}

	/** How a buffer starts: with data sent along, every byte 0xFF (NaN in every float dtype), zero (an output atomics update), or as allocated. */
	public enum Fill {
		DATA, POISON, ZERO, NONE
	}

	/**
	 * A device buffer.
	 *
	 * @param name      its name
	 * @param bytes     its size (0 is allocated as 1 byte)
	 * @param fill      how it starts
	 * @param rotatable whether no kernel writes it, so timed runs may read rotating copies of it
	 */
	public record DeviceBuffer(String name, long bytes, Fill fill, boolean rotatable) {
	}

	/**
	 * One kernel launch: {@code min(programs, 2^31-1)} blocks, and the 8-byte parameters.
	 *
	 * @param symbol   the kernel's PTX entry
	 * @param programs the grid's program count (no launch when 0)
	 * @param params   the parameters in order
	 */
	public record Launch(String symbol, long programs, List<Param> params) {
		public Launch {
			params = List.copyOf(params);
		}
	}

	/**
	 * A kernel parameter: the device address of {@code buffer} when it is not null, else {@code value}
	 * (8 bytes); or, when {@code tensorMap} is not null, a 128-byte TMA tensor map over its buffer.
	 */
	public record Param(String buffer, long value, TensorMap tensorMap) {

		public static Param pointer(String buffer) {
			return new Param(buffer, 0, null);
		}

		public static Param value(long value) {
			return new Param(null, value, null);
		}

		public static Param tensorMap(TensorMap map) {
			return new Param(null, 0, map);
		}
	}

	/**
	 * A TMA tensor map to encode at launch (cuTensorMapEncodeTiled) over {@code buffer}, a row-major
	 * tensor of {@code dims} (innermost first) with elements of {@code elementBytes}: boxes of
	 * {@code box} elements (innermost first), swizzle mode {@code swizzle} (CU_TENSOR_MAP_SWIZZLE_*).
	 * The kernel uses it only when the innermost dim's bytes are a multiple of 16 (GpuAbi).
	 */
	public record TensorMap(String buffer, List<Long> dims, int elementBytes, List<Integer> box, int swizzle) {
		public TensorMap {
			dims = List.copyOf(dims);
			box = List.copyOf(box);
		}

		/** Whether the kernel will read through this map (TMA's 16-byte stride rule holds). */
		public boolean used() {
			return dims.get(0) * elementBytes % 16 == 0;
		}
	}

	/**
	 * How to time: warm up, then time runs with CUDA events (each kernel between its own pair) until
	 * {@code budgetMillis} is spent, at least {@code minRuns} and at most {@code maxRuns} times.
	 *
	 * @param budgetMillis the time to spend on timed runs
	 * @param minRuns      fewest timed runs
	 * @param maxRuns      most timed runs
	 * @param flushL2      overwrite a 256 MiB buffer before each timed run (outside its events), so
	 *                     no run finds the previous one's data in L2
	 * @param rotateInputs read rotating copies of the rotatable buffers where device memory allows it
	 */
	public record Timing(long budgetMillis, int minRuns, int maxRuns, boolean flushL2, boolean rotateInputs) {
	}
}
