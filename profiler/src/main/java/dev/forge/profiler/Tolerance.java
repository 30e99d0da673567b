package dev.forge.profiler;

import dev.forge.types.DType;

/**
 * How far a computed value may be from the f64 reference: {@code |actual - expected| <= atol + rtol
 * * |expected|}, NumPy's {@code allclose} rule. NaN matches only NaN, an infinity only the same
 * infinity.
 *
 * <p>The per-dtype values allow a few roundings in the dtype's precision plus accumulation in a wider
 * type (f32 accumulators for bf16 and f16), not a kernel that computes something else: bf16 keeps 8
 * significand bits (2^-8 = 3.9e-3 per rounding), f16 11 bits, f32 24 bits. Integer and bool results
 * must be exact.
 */
public record Tolerance(double rtol, double atol) {

	public static final Tolerance EXACT = new Tolerance(0, 0);

	public Tolerance {
		if (!(rtol >= 0) || !(atol >= 0)) {
			throw new IllegalArgumentException("tolerances must be >= 0: rtol " + rtol + ", atol " + atol);
		}
	}

	/** The tolerance for results of {@code dtype}. */
	public static Tolerance of(DType dtype) {
		return switch (dtype) {
			case F64 -> new Tolerance(1e-9, 1e-9);
			case F32 -> new Tolerance(2e-4, 1e-5);
			case F16 -> new Tolerance(2e-3, 1e-3);
			case BF16 -> new Tolerance(2e-2, 1e-2);
			// fp8 keeps 4 (e4m3) or 3 (e5m2) significand bits: one rounding is up to 2^-4 or 2^-3.
			case FP8E4M3 -> new Tolerance(1.25e-1, 6.25e-2);
			case FP8E5M2 -> new Tolerance(2.5e-1, 1.25e-1);
			case BOOL, I8, I16, I32, I64, U8 -> EXACT;
		};
	}

	/** Whether {@code actual} is close enough to {@code expected}. */
	public boolean accepts(double actual, double expected) {
		if (Double.isNaN(actual) || Double.isNaN(expected)) {
			return Double.isNaN(actual) && Double.isNaN(expected);
		}
		if (Double.isInfinite(actual) || Double.isInfinite(expected)) {
			return actual == expected;
		}
		return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
	}

	/**
	 * The relative error {@code |actual - expected| / max(|expected|, floor)}, the floor being
	 * atol/rtol, the magnitude below which atol governs {@link #accepts} (1 for exact dtypes, whose
	 * non-zero values are at least 1), so that values near zero do not blow it up. 0 where {@link #accepts} matches NaN or infinities, infinite where one side is NaN or
	 * infinite and the other not.
	 */
	public double relativeError(double actual, double expected) {
		double abs = absoluteError(actual, expected);
		if (abs == 0 || Double.isInfinite(abs)) {
			return abs;
		}
		// Below atol/rtol the absolute tolerance governs: dividing by a tinier |expected| would report
		// a huge relative error for an element that passes.
		return abs / Math.max(Math.abs(expected), atol > 0 && rtol > 0 ? atol / rtol : atol > 0 ? atol : 1);
	}

	/** {@code |actual - expected|}, with the NaN and infinity rules of {@link #relativeError}. */
	public double absoluteError(double actual, double expected) {
		if (Double.isNaN(actual) || Double.isNaN(expected) || Double.isInfinite(actual) || Double.isInfinite(expected)) {
			return accepts(actual, expected) ? 0 : Double.POSITIVE_INFINITY;
		}
		return Math.abs(actual - expected);
	}
}
