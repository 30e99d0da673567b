package dev.forge.profiler;

import dev.forge.compiler.interp.Elementwise;
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

	/** {@code x} as the nearest value of {@code dtype}: the interpreters' rounding ({@link Elementwise#round}). */
	public static double round(double x, DType dtype) {
		return Elementwise.round(x, dtype);
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
}
