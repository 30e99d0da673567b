package dev.forge.profiler;

import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.targets.Target;
import dev.forge.types.DType;

/**
 * The peak rates of a chip description that a run's throughput is put against: the FLOP/s for the
 * function's element type (the better of the matrix and vector units, as {@link Target#peakFlops})
 * and the DRAM bandwidth.
 *
 * @param dtype          the element type the FLOP peak is for ({@code bf16})
 * @param flopsPerSecond that peak in FLOP/s, NaN when the chip description has none for it
 * @param bytesPerSecond the DRAM bandwidth in bytes/s
 */
public record Peaks(String dtype, double flopsPerSecond, double bytesPerSecond) {

	/**
	 * The peaks of {@code chip} for {@code f}, whose element type is that of its first floating-point
	 * input (else output): a bf16 matmul with an f32 accumulator is held to the bf16 tensor-core peak.
	 */
	public static Peaks of(Target chip, TileFunction f) {
		String dtype = computeType(f).sourceName();
		return new Peaks(dtype, chip.peakFlops(dtype).orElse(Double.NaN), chip.memoryBandwidth());
	}

	private static DType computeType(TileFunction f) {
		for (Buffer.Role role : new Buffer.Role[] { Buffer.Role.INPUT, Buffer.Role.OUTPUT }) {
			for (Buffer b : f.buffers(role)) {
				if (b.dtype().isFloat() && !b.shape().isEmpty()) {
					return b.dtype();
				}
			}
		}
		return DType.F32;
	}
}
