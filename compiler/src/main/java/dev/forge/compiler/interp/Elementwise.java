package dev.forge.compiler.interp;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.types.DType;

/**
 * The scalar formulas the reference interpreters share: the Graph IR {@link Interpreter} and the
 * Tile IR's {@code TileInterpreter}. Everything is computed in f64; {@link #round} models the
 * storage of a dtype where an interpreter wants it.
 */
public final class Elementwise {

	private Elementwise() {
	}

	/**
	 * {@code kind(x)} in f64. {@code gelu} is exact (with {@link #erf}), {@code gelu_tanh} the tanh
	 * approximation, {@code rsqrt} is 1/sqrt(x).
	 */
	public static double unary(UnaryKind kind, double x) {
		return switch (kind) {
			case NEG -> -x;
			case EXP -> Math.exp(x);
			case LOG -> Math.log(x);
			case SQRT -> Math.sqrt(x);
			case RSQRT -> 1.0 / Math.sqrt(x);
			case TANH -> Math.tanh(x);
			case SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
			case RELU -> x > 0 ? x : 0.0;
			case GELU -> 0.5 * x * (1.0 + erf(x / Math.sqrt(2.0)));
			case ERF -> erf(x);
			case GELU_TANH -> 0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));
			case SILU -> x / (1.0 + Math.exp(-x));
			case ABS -> Math.abs(x);
		};
	}

	/** {@code a kind b} in f64; comparisons give 1 or 0. */
	public static double binary(BinaryKind kind, double a, double b) {
		return switch (kind) {
			case ADD -> a + b;
			case SUB -> a - b;
			case MUL -> a * b;
			case DIV -> a / b;
			case MAX -> Math.max(a, b);
			case MIN -> Math.min(a, b);
			case POW -> Math.pow(a, b);
			case BIT_AND -> (long) a & (long) b;
			case BIT_OR -> (long) a | (long) b;
			case BIT_XOR -> (long) a ^ (long) b;
			case SHL -> (long) a << (long) b;
			case SHR -> (long) a >> (long) b;
			case EQ -> a == b ? 1 : 0;
			case NE -> a != b ? 1 : 0;
			case LT -> a < b ? 1 : 0;
			case LE -> a <= b ? 1 : 0;
			case GT -> a > b ? 1 : 0;
			case GE -> a >= b ? 1 : 0;
		};
	}

	/**
	 * The error function: its Taylor series below 2.5 (terms alternate; at most about 3 digits of
	 * cancellation), the continued fraction of erfc above. Absolute error below about 1e-13.
	 */
	public static double erf(double x) {
		if (Double.isNaN(x)) {
			return x;
		}
		double ax = Math.abs(x);
		double r;
		if (ax < 2.5) {
			double x2 = ax * ax;
			double term = ax;
			double sum = ax;
			for (int n = 1; n < 200; n++) {
				term *= -x2 / n;
				double add = term / (2 * n + 1);
				sum += add;
				if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
					break;
				}
			}
			r = 2.0 / Math.sqrt(Math.PI) * sum;
		} else if (ax > 6.0) {
			r = 1.0;
		} else {
			double f = ax;
			for (int k = 200; k >= 1; k--) {
				f = ax + (k / 2.0) / f;
			}
			r = 1.0 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
		}
		return x < 0 ? -r : r;
	}

	/**
	 * {@code x} as a value of {@code dtype}, the way compiled code stores it. Floats round once,
	 * straight from the double, to nearest with ties to even, with the format's subnormals and
	 * overflow to infinity ({@code fp8e4m3}, which has none, to NaN); f32 is Java's {@code (float)}
	 * narrowing. Integers truncate toward zero and wrap to their width (two's complement; {@code u8}
	 * modulo 256), as integer arithmetic of compiled code does; NaN becomes 0. {@code bool} is 1 when
	 * {@code x != 0} (NaN included), else 0.
	 */
	public static double round(double x, DType dtype) {
		return switch (dtype) {
			case F64 -> x;
			case F32 -> (float) x;
			case F16 -> toFormat(x, 11, -14, 65504.0, Double.POSITIVE_INFINITY);
			case BF16 -> toFormat(x, 8, -126, 0x1.fep127, Double.POSITIVE_INFINITY);
			case FP8E4M3 -> toFormat(x, 4, -6, 448.0, Double.NaN);
			case FP8E5M2 -> toFormat(x, 3, -14, 57344.0, Double.POSITIVE_INFINITY);
			case BOOL -> x != 0 ? 1 : 0;
			case I8 -> (byte) (long) x;
			case I16 -> (short) (long) x;
			case I32 -> (int) (long) x;
			case I64 -> (long) x;
			case U8 -> (long) x & 0xFF;
		};
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
