package dev.forge.profiler;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.interp.Interpreter;
import dev.forge.compiler.interp.NdArray;
import dev.forge.types.DType;

/**
 * Seeded random inputs for a function's parameters, for runs that have no input files.
 *
 * <p>Floats are uniform in [-1, 1) and rounded to the parameter's dtype ({@link Rounding}), so the
 * compiled code, which stores the dtype, and the f64 reference interpreter see the same numbers.
 * Integers are small (in [-4, 4], [0, 4] for u8) so that products and sums stay far from overflow;
 * bools are fair coin flips. A tensor is never all zeros (its first element is made non-zero then):
 * an all-zero input would let a kernel that never reads it pass verification. A float parameter with
 * a default (an f64 scalar such as {@code eps}) keeps its default.
 *
 * <p>The same function, dims and seed give the same inputs. Each parameter draws from its own
 * stream split off in parameter order, so its values do not depend on the sizes of the others.
 */
public final class RandomInputs {

	private RandomInputs() {
	}

	/**
	 * One array per parameter, by name in parameter order (what {@link Interpreter#run} takes).
	 *
	 * @throws IllegalArgumentException when {@code dims} misses a symbol of the parameters' shapes
	 */
	public static Map<String, NdArray> generate(GraphFunction f, Map<String, Long> dims, long seed) {
		Dims.requireAll(f, dims);
		SplittableRandom root = new SplittableRandom(seed);
		Map<String, NdArray> inputs = new LinkedHashMap<>();
		for (GraphFunction.Param p : f.params()) {
			SplittableRandom random = root.split(); // split for every parameter, so later ones do not shift
			if (p.defaultValue() != null) {
				inputs.put(p.name(), NdArray.scalar(p.defaultValue()));
			} else {
				long[] shape = Interpreter.shape(p.value().type(), dims);
				inputs.put(p.name(), tensor(shape, p.value().type().dtype(), random));
			}
		}
		return inputs;
	}

	/** A random tensor of {@code shape} holding values of {@code dtype}, as described above. */
	public static NdArray tensor(long[] shape, DType dtype, SplittableRandom random) {
		double[] data = new double[NdArray.length(shape)];
		draw(data.length, dtype, random, 1, (i, v) -> data[(int) i] = v);
		return new NdArray(shape, data);
	}

	/**
	 * Draws {@code t}'s values from {@code random} straight into its native memory (64-bit indices),
	 * each multiplied by {@code scale} and rounded to the dtype (1: as drawn). The same stream in the
	 * same order as {@link #tensor}, so a tensor that fits an f64 array gets exactly the values it
	 * always got, and a larger one needs no f64 copy at all.
	 */
	public static void fill(HostTensor t, SplittableRandom random, double scale) {
		draw(t.size(), t.dtype(), random, scale, t::set);
	}

	/** Where drawn values go: element {@code i} of a row-major tensor. */
	@FunctionalInterface
	private interface Sink {
		void set(long i, double v);
	}

	private static void draw(long n, DType dtype, SplittableRandom random, double scale, Sink sink) {
		boolean allZero = true;
		for (long i = 0; i < n; i++) {
			double v = value(dtype, random);
			allZero &= v == 0;
			sink.set(i, scale == 1 ? v : Rounding.round(v * scale, dtype));
		}
		if (allZero && n > 0) {
			sink.set(0, scale == 1 ? 1 : Rounding.round(scale, dtype));
		}
	}

	private static double value(DType dtype, SplittableRandom random) {
		if (dtype == DType.BOOL) {
			return random.nextBoolean() ? 1 : 0;
		}
		if (dtype == DType.U8) {
			return random.nextInt(0, 5);
		}
		if (dtype.isInteger()) {
			return random.nextInt(-4, 5);
		}
		double r = Rounding.round(random.nextDouble(-1, 1), dtype);
		// Rounding can carry a value just below 1 up to 1; keep the range half-open.
		return r >= 1 ? largestBelowOne(dtype) : r;
	}

	/** The largest value of a float dtype below 1: 1 - 2^-p for p significand bits. */
	private static double largestBelowOne(DType dtype) {
		int precision = switch (dtype) {
			case F64 -> 53;
			case F32 -> 24;
			case F16 -> 11;
			case BF16 -> 8;
			case FP8E4M3 -> 4;
			case FP8E5M2 -> 3;
			default -> throw new IllegalArgumentException(dtype.toString());
		};
		return 1 - Math.scalb(1.0, -precision);
	}
}
