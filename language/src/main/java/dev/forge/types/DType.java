package dev.forge.types;

import java.util.Optional;

/** The element types of tensors and tiles, as written in source ({@code bf16}, {@code fp8e4m3}). */
public enum DType {
	BOOL("bool", 8), I8("i8", 8), I16("i16", 16), I32("i32", 32), I64("i64", 64), U8("u8", 8),
	F16("f16", 16), BF16("bf16", 16), F32("f32", 32), F64("f64", 64), FP8E4M3("fp8e4m3", 8), FP8E5M2("fp8e5m2", 8);

	private final String sourceName;
	private final int bits;

	DType(String sourceName, int bits) {
		this.sourceName = sourceName;
		this.bits = bits;
	}

	public String sourceName() {
		return sourceName;
	}

	public int bits() {
		return bits;
	}

	public boolean isFloat() {
		return this == F16 || this == BF16 || this == F32 || this == F64 || this == FP8E4M3 || this == FP8E5M2;
	}

	public boolean isInteger() {
		return this == I8 || this == I16 || this == I32 || this == I64 || this == U8;
	}

	public static Optional<DType> bySourceName(String name) {
		for (DType t : values()) {
			if (t.sourceName.equals(name)) {
				return Optional.of(t);
			}
		}
		return Optional.empty();
	}

	/**
	 * The type two operands promote to, as in JAX: bool gives way to anything, integers widen (u8 with
	 * a signed type needs one more bit), integers give way to floats, floats widen; f16 with bf16 and
	 * the two fp8 formats with each other meet at the next wider float that holds both.
	 */
	public static DType promote(DType a, DType b) {
		if (a == b) {
			return a;
		}
		if (a == BOOL) {
			return b;
		}
		if (b == BOOL) {
			return a;
		}
		if (a.isInteger() && b.isInteger()) {
			if (a == U8 || b == U8) {
				DType signed = a == U8 ? b : a;
				return signed.bits > 8 ? signed : I16;
			}
			return a.bits >= b.bits ? a : b;
		}
		if (a.isInteger()) {
			return b;
		}
		if (b.isInteger()) {
			return a;
		}
		if ((a == F16 && b == BF16) || (a == BF16 && b == F16)) {
			return F32;
		}
		if ((a == FP8E4M3 && b == FP8E5M2) || (a == FP8E5M2 && b == FP8E4M3)) {
			return F16;
		}
		return a.bits >= b.bits ? a : b;
	}
}
