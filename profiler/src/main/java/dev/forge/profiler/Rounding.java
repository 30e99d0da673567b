package dev.forge.profiler;

import dev.forge.compiler.interp.NdArray;
import dev.forge.types.DType;

/**
 * Rounds f64 values to the values a dtype can hold, so that compiled code (which stores the dtype)
 * and the f64 reference interpreter (which does not round) start from the same numbers.
 *
 * <p>Floats round to nearest, ties to even, with the dtype's subnormals and overflow to infinity
 * (to NaN for {@code fp8e4m3}, which has no infinity). Rounding is done once, straight from the
 * double: going through {@code float} first would round twice and can differ in the last bit.
 * Integer dtypes truncate toward zero and {@code bool} is 1 or 0, as in the interpreter.
 */
public final class Rounding {

	private Rounding() {
	}

	/** {@code x} as the nearest value of {@code dtype}. */
	public static double round(double x, DType dtype) {
		return switch (dtype) {
			case F64 -> x;
			case F32 -> (float) x; // Java's narrowing is IEEE round to nearest even
			case F16 -> toFormat(x, 11, -14, 65504.0, Double.POSITIVE_INFINITY);
			case BF16 -> toFormat(x, 8, -126, 0x1.fep127, Double.POSITIVE_INFINITY);
			case FP8E4M3 -> toFormat(x, 4, -6, 448.0, Double.NaN);
			case FP8E5M2 -> toFormat(x, 3, -14, 57344.0, Double.POSITIVE_INFINITY);
			case BOOL -> x != 0 ? 1 : 0;
			case I8, I16, I32, I64, U8 -> (double) (long) x;
		};
	}

	/** Every element of {@code a} rounded to {@code dtype}. */
	public static NdArray round(NdArray a, DType dtype) {
		double[] d = a.data();
		for (int i = 0; i < d.length; i++) {
			d[i] = round(d[i], dtype);
		}
		return new NdArray(a.shape(), d);
	}

	/** Whether {@code x} is a value of {@code dtype} (NaN counts for the float dtypes). */
	public static boolean isRepresentable(double x, DType dtype) {
		double r = round(x, dtype);
		return Double.compare(r, x) == 0 || (Double.isNaN(x) && Double.isNaN(r) && dtype.isFloat());
	}

	/**
	 * Rounds to a binary format with {@code precision} significand bits (the hidden bit included),
	 * smallest normal exponent {@code minExponent} and largest finite value {@code max}. Scaling by
	 * powers of two is exact, so {@code rint} (ties to even) at the right scale is the whole job.
	 */
	private static double toFormat(double x, int precision, int minExponent, double max, double overflow) {
		if (x == 0 || !Double.isFinite(x)) {
			return x;
		}
		// Below the smallest normal the spacing stays that of the smallest normal: subnormals.
		int scale = Math.max(Math.getExponent(x), minExponent) - (precision - 1);
		double r = Math.scalb(Math.rint(Math.scalb(x, -scale)), scale);
		if (Math.abs(r) > max) {
			return Math.copySign(overflow, x);
		}
		return r;
	}
}
