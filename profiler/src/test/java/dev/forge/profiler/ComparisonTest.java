package dev.forge.profiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.forge.compiler.interp.NdArray;
import dev.forge.types.DType;

/** {@link Tolerance} element by element and {@link Comparison} over arrays. */
class ComparisonTest {

	@ParameterizedTest(name = "{0}: {1} vs {2} -> {3}")
	@CsvSource({
			// dtype, actual, expected, accepted
			"F64,  1.0000000009, 1, true",
			"F64,  1.000000003,  1, false",
			"F32,  1.00019,   1, true", // rtol 2e-4 (+ atol 1e-5)
			"F32,  1.00022,   1, false",
			"F32,  9e-6,      0, true", // atol near zero
			"F32,  2e-5,      0, false",
			"F16,  100.2,   100, true", // rtol 2e-3
			"F16,  100.4,   100, false",
			"BF16, 101.9,   100, true", // rtol 2e-2
			"BF16, 102.2,   100, false",
			"BF16, 0.009,     0, true", // atol 1e-2
			"I32,  3,         3, true", // integers exact
			"I32,  4,         3, false",
			"BOOL, 1,         0, false",
			"F32,  NaN,     NaN, true", // NaN matches only NaN
			"F32,  NaN,       1, false",
			"F32,  1,       NaN, false",
			"F32,  Infinity, Infinity, true", // an infinity matches the same infinity
			"F32,  -Infinity, Infinity, false",
			"F32,  3.4e38, Infinity, false",
			"BF16, Infinity, 3.4e38, false" })
	void acceptsWithinTheDtypesTolerance(DType dtype, double actual, double expected, boolean accepted) {
		assertEquals(accepted, Tolerance.of(dtype).accepts(actual, expected));
	}

	@Test
	void relativeErrorIsFlooredNearZero() {
		Tolerance f32 = Tolerance.of(DType.F32);
		assertEquals(0.5, f32.relativeError(1.5, 1), 1e-15);
		assertEquals(0.5, f32.relativeError(-1.5, -1), 1e-15);
		assertEquals(1e-6 / (1e-5 / 2e-4), f32.relativeError(1e-6, 0), 1e-12); // |r| below atol/rtol: divided by atol/rtol
		assertEquals(2.0, Tolerance.EXACT.relativeError(2, 0)); // exact dtypes: floor 1
		assertEquals(0.0, f32.relativeError(Double.NaN, Double.NaN));
		assertEquals(Double.POSITIVE_INFINITY, f32.relativeError(Double.NaN, 1));
		assertEquals(Double.POSITIVE_INFINITY, f32.absoluteError(1, Double.NEGATIVE_INFINITY));
	}

	@Test
	void identicalArraysVerifyWithZeroError() {
		NdArray a = array(new long[] { 2, 2 }, 1, -2, Double.NaN, Double.POSITIVE_INFINITY);
		Comparison c = Comparison.compare(a, a, DType.F32);
		assertTrue(c.verified());
		assertNull(c.problem());
		assertEquals(0, c.maxRelError());
		assertEquals(0, c.maxAbsError());
		assertEquals(0, c.mismatchCount());
		assertEquals(4, c.elementCount());
		assertEquals(List.of(), c.mismatches());
	}

	@Test
	void findsTheWorstElementAndTheFirstMismatches() {
		long[] shape = { 2, 3, 4 };
		double[] ref = new double[24];
		double[] got = new double[24];
		for (int i = 0; i < 24; i++) {
			ref[i] = i + 1;
			got[i] = i + 1;
		}
		got[1 * 12 + 2 * 4 + 3] = 23 * 1.5 + 1.5; // [1, 2, 3]: rel error 0.5, the worst
		got[0 * 12 + 1 * 4 + 0] = 5.05; // [0, 1, 0]: rel error 0.01, abs 0.05
		got[0 * 12 + 0 * 4 + 1] = 2 + 1e-5; // [0, 0, 1]: within tolerance
		Comparison c = Comparison.compare(new NdArray(shape, got), new NdArray(shape, ref), DType.F32);
		assertFalse(c.verified());
		assertEquals(0.5, c.maxRelError(), 1e-12);
		assertEquals(12.0, c.maxAbsError(), 1e-12);
		assertEquals(List.of(1L, 2L, 3L), c.worstIndex());
		assertEquals(0, c.worstOutput());
		assertEquals(2, c.mismatchCount());
		assertEquals(List.of(new Comparison.Mismatch(0, List.of(0L, 1L, 0L), 5.05, 5), new Comparison.Mismatch(0, List.of(1L, 2L, 3L), 36, 24)),
				c.mismatches());
	}

	@Test
	void keepsOnlyTheFirstFewMismatches() {
		double[] zeros = new double[20];
		double[] ones = new double[20];
		java.util.Arrays.fill(ones, 1);
		Comparison c = Comparison.compare(new NdArray(new long[] { 20 }, ones), new NdArray(new long[] { 20 }, zeros), DType.I32);
		assertEquals(20, c.mismatchCount());
		assertEquals(Comparison.MAX_REPORTED, c.mismatches().size());
		assertEquals(List.of(4L), c.mismatches().get(4).index());
		assertEquals(List.of(0L), c.worstIndex()); // ties: the first
	}

	@Test
	void aShapeMismatchFailsWithAMessage() {
		Comparison c = Comparison.compare(array(new long[] { 2, 3 }, 1, 2, 3, 4, 5, 6), array(new long[] { 3, 2 }, 1, 2, 3, 4, 5, 6), DType.F32);
		assertFalse(c.verified());
		assertEquals("shape [2, 3] does not match the reference's [3, 2]", c.problem());
		assertTrue(Double.isNaN(c.maxRelError()));
	}

	@Test
	void comparesEveryResultWithItsOwnDtype() {
		NdArray f = array(new long[] { 2 }, 1, 2);
		NdArray fClose = array(new long[] { 2 }, 1.01, 2); // fine for bf16, not for f32
		NdArray k = array(new long[] { 2 }, 3, 4);
		NdArray kOff = array(new long[] { 2 }, 3, 5);
		assertTrue(Comparison.compareAll(List.of(fClose, k), List.of(f, k), List.of(DType.BF16, DType.I32)).verified());
		assertFalse(Comparison.compareAll(List.of(fClose, k), List.of(f, k), List.of(DType.F32, DType.I32)).verified());

		Comparison c = Comparison.compareAll(List.of(fClose, kOff), List.of(f, k), List.of(DType.BF16, DType.I32));
		assertFalse(c.verified());
		assertEquals(1, c.worstOutput());
		assertEquals(List.of(1L), c.worstIndex());
		assertEquals(List.of(new Comparison.Mismatch(1, List.of(1L), 5, 4)), c.mismatches());
		assertEquals(4, c.elementCount());

		Comparison count = Comparison.compareAll(List.of(f), List.of(f, k), List.of(DType.F32, DType.I32));
		assertEquals("1 results, the reference has 2", count.problem());
		Comparison shape = Comparison.compareAll(List.of(f, array(new long[] { 1 }, 3)), List.of(f, k), List.of(DType.F32, DType.I32));
		assertEquals("result 1: shape [1] does not match the reference's [2]", shape.problem());
	}

	@Test
	void emptyArraysVerify() {
		NdArray empty = new NdArray(new long[] { 0, 4 }, new double[0]);
		Comparison c = Comparison.compare(empty, empty, DType.F16);
		assertTrue(c.verified());
		assertEquals(List.of(), c.worstIndex());
		assertEquals(0, c.elementCount());
	}

	private static NdArray array(long[] shape, double... values) {
		return new NdArray(shape, values);
	}
}
