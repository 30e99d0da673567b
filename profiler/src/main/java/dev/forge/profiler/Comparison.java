package dev.forge.profiler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongToDoubleFunction;

import dev.forge.compiler.interp.NdArray;
import dev.forge.types.DType;

/**
 * The verdict of comparing computed results with the f64 reference on the same inputs: whether
 * every element is within the {@link Tolerance} of its dtype, the largest errors and where the worst
 * one is, and the first few mismatches for the report.
 *
 * @param verified      every result has the reference's shape and every element is accepted
 * @param problem       why the comparison could not be made element by element (a shape or count
 *                      mismatch), or null
 * @param maxRelError   the largest {@link Tolerance#relativeError}; NaN when not compared
 * @param maxAbsError   the largest {@link Tolerance#absoluteError}; NaN when not compared
 * @param worstOutput   the result (0-based, for functions returning several) holding the element with
 *                      the largest relative error
 * @param worstIndex    that element's n-d index (empty for a scalar or when nothing was compared)
 * @param mismatchCount how many elements are not accepted
 * @param elementCount  how many elements were compared
 * @param mismatches    the first {@value #MAX_REPORTED} mismatches, in order
 */
public record Comparison(boolean verified, String problem, double maxRelError, double maxAbsError, int worstOutput, List<Long> worstIndex,
		long mismatchCount, long elementCount, List<Mismatch> mismatches) {

	/** How many mismatches are kept for the report. */
	public static final int MAX_REPORTED = 5;

	/** One element outside the tolerance. */
	public record Mismatch(int output, List<Long> index, double actual, double expected) {
		public Mismatch {
			index = List.copyOf(index);
		}
	}

	public Comparison {
		worstIndex = List.copyOf(worstIndex);
		mismatches = List.copyOf(mismatches);
	}

	/** Compares one result with the tolerance of its dtype. */
	public static Comparison compare(NdArray actual, NdArray expected, DType dtype) {
		return compare(actual, expected, Tolerance.of(dtype));
	}

	/** Compares one result with an explicit tolerance. */
	public static Comparison compare(NdArray actual, NdArray expected, Tolerance tolerance) {
		return compareValues(List.of(Values.of(actual)), List.of(Values.of(expected)), List.of(tolerance));
	}

	/** Compares every result of a function, each with the tolerance of its dtype. */
	public static Comparison compareAll(List<NdArray> actual, List<NdArray> expected, List<DType> dtypes) {
		return compareValues(actual.stream().map(Values::of).toList(), expected.stream().map(Values::of).toList(),
				dtypes.stream().map(Tolerance::of).toList());
	}

	/**
	 * Compares a device's results, read where they lie in native memory (any size, 64-bit indices, no
	 * f64 copy), with the reference's, each with the tolerance of its dtype.
	 */
	public static Comparison compareNative(List<HostTensor> actual, List<NdArray> expected, List<DType> dtypes) {
		return compareValues(actual.stream().map(Values::of).toList(), expected.stream().map(Values::of).toList(),
				dtypes.stream().map(Tolerance::of).toList());
	}

	/** A result seen element by element with 64-bit row-major indices, wherever it lies. */
	private record Values(long[] shape, long size, LongToDoubleFunction at) {
		static Values of(NdArray a) {
			return new Values(a.shape(), a.size(), i -> a.flat(Math.toIntExact(i)));
		}

		static Values of(HostTensor t) {
			return new Values(t.shape(), t.size(), t::get);
		}

		double flat(long i) {
			return at.applyAsDouble(i);
		}
	}

	private static Comparison compareValues(List<Values> actual, List<Values> expected, List<Tolerance> tolerances) {
		if (actual.size() != expected.size() || tolerances.size() != expected.size()) {
			return failed(actual.size() + " results, the reference has " + expected.size()
					+ (tolerances.size() != expected.size() ? " and " + tolerances.size() + " dtypes are given" : ""));
		}
		for (int k = 0; k < expected.size(); k++) {
			if (!Arrays.equals(actual.get(k).shape(), expected.get(k).shape())) {
				String which = expected.size() > 1 ? "result " + k + ": " : "";
				return failed(which + "shape " + Arrays.toString(actual.get(k).shape()) + " does not match the reference's " + Arrays.toString(expected.get(k).shape()));
			}
		}
		double maxRel = 0;
		double maxAbs = 0;
		int worstOutput = 0;
		long worstFlat = -1;
		long mismatchCount = 0;
		long elementCount = 0;
		List<Mismatch> mismatches = new ArrayList<>();
		for (int k = 0; k < expected.size(); k++) {
			Values a = actual.get(k);
			Values r = expected.get(k);
			Tolerance t = tolerances.get(k);
			for (long i = 0; i < r.size(); i++) {
				double x = a.flat(i), y = r.flat(i);
				double rel = t.relativeError(x, y);
				maxAbs = Math.max(maxAbs, t.absoluteError(x, y));
				if (rel > maxRel || worstFlat < 0) {
					maxRel = Math.max(maxRel, rel);
					worstOutput = k;
					worstFlat = i;
				}
				if (!t.accepts(x, y)) {
					mismatchCount++;
					if (mismatches.size() < MAX_REPORTED) {
						mismatches.add(new Mismatch(k, index(i, r.shape()), x, y));
					}
				}
			}
			elementCount += r.size();
		}
		List<Long> worstIndex = worstFlat < 0 ? List.of() : index(worstFlat, expected.get(worstOutput).shape());
		return new Comparison(mismatchCount == 0, null, maxRel, maxAbs, worstOutput, worstIndex, mismatchCount, elementCount, mismatches);
	}

	private static Comparison failed(String problem) {
		return new Comparison(false, problem, Double.NaN, Double.NaN, 0, List.of(), 0, 0, List.of());
	}

	/** The n-d index of a row-major flat index. */
	static List<Long> index(long flat, long[] shape) {
		Long[] index = new Long[shape.length];
		for (int i = shape.length - 1; i >= 0; i--) {
			index[i] = flat % shape[i];
			flat /= shape[i];
		}
		return List.of(index);
	}
}
