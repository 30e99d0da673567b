package dev.forge.profiler;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.forge.compiler.interp.NdArray;
import dev.forge.types.DType;

/**
 * Moves tensors between the f64 {@link NdArray}s of the interpreters and the native buffers of
 * compiled code, in the storage the host backend uses: bf16 as its upper 16 bits of an f32
 * (round to nearest even), f16 as IEEE half, bool as one byte, little-endian: also the data of a
 * {@code .npy} file of that dtype. Element indices are 64-bit, and accesses need no alignment, so
 * that the data of a mapped {@code .npy} file (aligned to 16 bytes in old files) is read in place.
 */
public final class HostMemory {

	private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
	private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
	private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
	private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
	private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
	private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

	private HostMemory() {
	}

	public static MemorySegment allocate(Arena arena, long elements, DType dtype) {
		return arena.allocate(Math.max(1, Math.multiplyExact(elements, bytes(dtype))), 64);
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

	/** Bytes per element of {@code dtype}'s storage. */
	public static int bytes(DType dtype) {
		return switch (dtype) {
			case BOOL, I8, U8 -> 1;
			case I16, F16, BF16 -> 2;
			case I32, F32 -> 4;
			case I64, F64 -> 8;
			case FP8E4M3, FP8E5M2 -> throw new IllegalArgumentException("the host has no " + dtype.sourceName() + " storage yet");
		};
	}

	static void set(MemorySegment s, long i, DType dtype, double v) {
		switch (dtype) {
			case F64 -> s.setAtIndex(F64, i, v);
			case F32 -> s.setAtIndex(F32, i, (float) v);
			case F16 -> s.setAtIndex(I16, i, Float.floatToFloat16((float) Rounding.round(v, DType.F16)));
			case BF16 -> s.setAtIndex(I16, i, (short) (Float.floatToRawIntBits((float) Rounding.round(v, DType.BF16)) >>> 16));
			case I64 -> s.setAtIndex(I64, i, (long) v);
			case I32 -> s.setAtIndex(I32, i, (int) v);
			case I16 -> s.setAtIndex(I16, i, (short) v);
			case I8, U8 -> s.setAtIndex(I8, i, (byte) v);
			case BOOL -> s.setAtIndex(I8, i, (byte) (v != 0 ? 1 : 0));
			case FP8E4M3, FP8E5M2 -> throw new IllegalArgumentException("the host has no " + dtype.sourceName() + " storage yet");
		}
	}

	static double get(MemorySegment s, long i, DType dtype) {
		return switch (dtype) {
			case F64 -> s.getAtIndex(F64, i);
			case F32 -> s.getAtIndex(F32, i);
			case F16 -> Float.float16ToFloat(s.getAtIndex(I16, i));
			case BF16 -> Float.intBitsToFloat((s.getAtIndex(I16, i) & 0xffff) << 16);
			case I64 -> s.getAtIndex(I64, i);
			case I32 -> s.getAtIndex(I32, i);
			case I16 -> s.getAtIndex(I16, i);
			case I8 -> s.getAtIndex(I8, i);
			case U8 -> s.getAtIndex(I8, i) & 0xff;
			case BOOL -> s.getAtIndex(I8, i) != 0 ? 1 : 0;
			case FP8E4M3, FP8E5M2 -> throw new IllegalArgumentException("the host has no " + dtype.sourceName() + " storage yet");
		};
	}
}
