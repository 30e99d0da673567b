package dev.forge.profiler;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.forge.compiler.interp.NdArray;
import dev.forge.types.DType;

/**
 * Moves tensors between the f64 {@link NdArray}s of the interpreters and the native buffers of
 * compiled code, in the storage the host backend uses: bf16 as its upper 16 bits of an f32
 * (round to nearest even), f16 as IEEE half, bool as one byte.
 */
public final class HostMemory {

	private HostMemory() {
	}

	public static MemorySegment allocate(Arena arena, long elements, DType dtype) {
		return arena.allocate(Math.max(1, elements * bytes(dtype)), 64);
	}

	public static MemorySegment write(Arena arena, NdArray array, DType dtype) {
		MemorySegment s = allocate(arena, array.size(), dtype);
		double[] d = array.data();
		for (int i = 0; i < d.length; i++) {
			set(s, i, dtype, d[i]);
		}
		return s;
	}

	public static NdArray read(MemorySegment s, long[] shape, DType dtype) {
		double[] d = new double[NdArray.length(shape)];
		for (int i = 0; i < d.length; i++) {
			d[i] = get(s, i, dtype);
		}
		return new NdArray(shape, d);
	}

	static int bytes(DType dtype) {
		return switch (dtype) {
			case BOOL, I8, U8 -> 1;
			case I16, F16, BF16 -> 2;
			case I32, F32 -> 4;
			case I64, F64 -> 8;
			case FP8E4M3, FP8E5M2 -> throw new IllegalArgumentException("the host has no " + dtype.sourceName() + " storage yet");
		};
	}

	private static void set(MemorySegment s, long i, DType dtype, double v) {
		switch (dtype) {
			case F64 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
			case F32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
			case F16 -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16((float) Rounding.round(v, DType.F16)));
			case BF16 -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits((float) Rounding.round(v, DType.BF16)) >>> 16));
			case I64 -> s.setAtIndex(ValueLayout.JAVA_LONG, i, (long) v);
			case I32 -> s.setAtIndex(ValueLayout.JAVA_INT, i, (int) v);
			case I16 -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) v);
			case I8, U8 -> s.setAtIndex(ValueLayout.JAVA_BYTE, i, (byte) v);
			case BOOL -> s.setAtIndex(ValueLayout.JAVA_BYTE, i, (byte) (v != 0 ? 1 : 0));
			case FP8E4M3, FP8E5M2 -> throw new IllegalArgumentException("the host has no " + dtype.sourceName() + " storage yet");
		}
	}

	private static double get(MemorySegment s, long i, DType dtype) {
		return switch (dtype) {
			case F64 -> s.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
			case F32 -> s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
			case F16 -> Float.float16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
			case BF16 -> Float.intBitsToFloat((s.getAtIndex(ValueLayout.JAVA_SHORT, i) & 0xffff) << 16);
			case I64 -> s.getAtIndex(ValueLayout.JAVA_LONG, i);
			case I32 -> s.getAtIndex(ValueLayout.JAVA_INT, i);
			case I16 -> s.getAtIndex(ValueLayout.JAVA_SHORT, i);
			case I8 -> s.getAtIndex(ValueLayout.JAVA_BYTE, i);
			case U8 -> s.getAtIndex(ValueLayout.JAVA_BYTE, i) & 0xff;
			case BOOL -> s.getAtIndex(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
			case FP8E4M3, FP8E5M2 -> throw new IllegalArgumentException("the host has no " + dtype.sourceName() + " storage yet");
		};
	}
}
