package dev.forge.profiler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
		return withTolerances(List.of(actual), List.of(expected), List.of(tolerance));
	}

	/** Compares every result of a function, each with the tolerance of its dtype. */
	public static Comparison compareAll(List<NdArray> actual, List<NdArray> expected, List<DType> dtypes) {
		return withTolerances(actual, expected, dtypes.stream().map(Tolerance::of).toList());
	}

	private static Comparison withTolerances(List<NdArray> actual, List<NdArray> expected, List<Tolerance> tolerances) {
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
		int worstFlat = -1;
		long mismatchCount = 0;
		long elementCount = 0;
		List<Mismatch> mismatches = new ArrayList<>();
		for (int k = 0; k < expected.size(); k++) {
			NdArray a = actual.get(k);
			NdArray r = expected.get(k);
			Tolerance t = tolerances.get(k);
			for (int i = 0; i < r.size(); i++) {
				double rel = t.relativeError(a.flat(i), r.flat(i));
				maxAbs = Math.max(maxAbs, t.absoluteError(a.flat(i), r.flat(i)));
				if (rel > maxRel || worstFlat < 0) {
					maxRel = Math.max(maxRel, rel);
					worstOutput = k;
					worstFlat = i;
				}
				if (!t.accepts(a.flat(i), r.flat(i))) {
					mismatchCount++;
					if (mismatches.size() < MAX_REPORTED) {
						mismatches.add(new Mismatch(k, index(i, r.shape()), a.flat(i), r.flat(i)));
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
