package dev.forge.profiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.forge.types.DType;

/** {@link Rounding} on hand-picked ties, subnormals and overflows, and against independent f16/bf16 conversions. */
class RoundingTest {

	@ParameterizedTest(name = "{0} as {1} -> {2}")
	@CsvSource({
			// f16: 11 significand bits, spacing 2^-10 just above 1
			"0.1, F16, 0.0999755859375",
			"0x1.002p0, F16, 1.0", // 1 + 2^-11: a tie, to even (down)
			"0x1.006p0, F16, 0x1.008p0", // 1 + 3*2^-11: a tie, to even (up)
			"0x1.0020000001p0, F16, 0x1.004p0", // just above the tie: up (going through f32 would give 1)
			"65504, F16, 65504",
			"65519.99, F16, 65504",
			"65520, F16, Infinity", // the tie above the largest value overflows
			"-1e6, F16, -Infinity",
			"0x1p-24, F16, 0x1p-24", // smallest subnormal
			"0x1p-25, F16, 0.0", // half of it: a tie, to even (zero)
			"0x1.8p-25, F16, 0x1p-24",
			// bf16: 8 significand bits
			"0.1, BF16, 0.10009765625",
			"0x1.01p0, BF16, 1.0", // 1 + 2^-8: a tie, to even
			"0x1.03p0, BF16, 0x1.04p0",
			"0x1.0100000001p0, BF16, 0x1.02p0", // just above the tie (through f32: 1)
			"0x1.fep127, BF16, 0x1.fep127",
			"0x1.ffp127, BF16, Infinity",
			"0x1p-133, BF16, 0x1p-133",
			// f32, f64
			"0.1, F32, 0.10000000149011612",
			"0.1, F64, 0.1",
			// fp8
			"0.1, FP8E4M3, 0.1015625",
			"448, FP8E4M3, 448",
			"464, FP8E4M3, 448", // a tie, to even; 480 would be NaN
			"500, FP8E4M3, NaN", // no infinity in e4m3
			"0.1, FP8E5M2, 0.09375",
			"1e5, FP8E5M2, Infinity",
			// integers truncate toward zero; bool is 1 or 0
			"2.7, I32, 2",
			"-2.7, I8, -2",
			"0.25, BOOL, 1",
			"0, BOOL, 0" })
	void roundsToNearestEven(String x, DType dtype, String expected) {
		assertEquals(Double.parseDouble(expected), Rounding.round(Double.parseDouble(x), dtype));
	}

	@Test
	void keepsTheSignOfZeroAndNaN() {
		assertEquals(-0.0, Rounding.round(-0x1p-30, DType.F16)); // underflows to -0
		assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(Rounding.round(-0.0, DType.BF16)));
		assertTrue(Double.isNaN(Rounding.round(Double.NaN, DType.BF16)));
	}

	/** For doubles that are floats there is a single rounding, so Java's own f32 -> f16 conversion is an oracle. */
	@Test
	void agreesWithJavasF16ConversionOnRandomFloats() {
		SplittableRandom random = new SplittableRandom(7);
		for (int n = 0; n < 200_000; n++) {
			float f = Float.intBitsToFloat(random.nextInt());
			if (Float.isNaN(f)) {
				continue;
			}
			double want = Float.float16ToFloat(Float.floatToFloat16(f));
			assertEquals(want, Rounding.round(f, DType.F16), () -> "f16 of " + f);
		}
	}

	/** bf16 is the upper half of an f32: rounding the bits to nearest even is an oracle for floats. */
	@Test
	void agreesWithBitRoundingOfFloatsForBf16() {
		SplittableRandom random = new SplittableRandom(11);
		for (int n = 0; n < 200_000; n++) {
			int bits = random.nextInt();
			float f = Float.intBitsToFloat(bits);
			if (Float.isNaN(f)) {
				continue;
			}
			int rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
			double want = Float.intBitsToFloat(rounded);
			assertEquals(want, Rounding.round(f, DType.BF16), () -> "bf16 of " + f);
		}
	}

	@Test
	void tellsRepresentableValues() {
		assertTrue(Rounding.isRepresentable(0.5, DType.BF16));
		assertTrue(Rounding.isRepresentable(Double.NaN, DType.F16));
		assertFalse(Rounding.isRepresentable(0.1, DType.F32));
		assertFalse(Rounding.isRepresentable(Double.NaN, DType.I32));
		assertFalse(Rounding.isRepresentable(2.5, DType.I8));
		assertTrue(Rounding.isRepresentable(-3, DType.I8));
	}
}
