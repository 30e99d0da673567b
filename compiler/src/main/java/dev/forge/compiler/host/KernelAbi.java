package dev.forge.compiler.host;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.types.DType;

/**
 * The calling convention between {@link HostExecutable} and the kernels {@link HostCodegen} emits,
 * defined here and nowhere else.
 *
 * <p>Every kernel is {@code void @<function>__<kernel>(i64 pidBegin, i64 pidEnd, ptr args)}: it runs
 * the programs with linear ids {@code pidBegin <= pid < pidEnd}, delinearized over the grid with the
 * last grid axis fastest. {@code args} points to one record per kernel argument, in the order of
 * {@link Kernel#args()}, packed without gaps: {@code {ptr data; i64 extent[rank]}} (8-byte fields,
 * so a record is {@code 8 * (1 + rank)} bytes). {@code data} is the first element of the argument's
 * buffer; {@code extent} is the argument's view shape. The block is read-only for the kernel, so one
 * block serves every thread.
 *
 * <p>Buffers hold elements in {@link #storageBytes} bytes each, row-major and contiguous: f32, f64,
 * f16 (IEEE half) natively, bf16 as the upper 16 bits of the f32 pattern, bool and u8 as one byte,
 * integers in two's complement, little-endian.
 */
public final class KernelAbi {

	/** The FFM signature of every kernel. */
	public static final FunctionDescriptor SIGNATURE = FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG, ADDRESS);

	private KernelAbi() {
	}

	/** The symbol of a kernel in the module of its function. */
	public static String symbol(TileFunction f, Kernel k) {
		return sanitize(f.name()) + "__" + sanitize(k.name());
	}

	private static String sanitize(String s) {
		return s.replaceAll("[^A-Za-z0-9_]", "_");
	}

	/** Byte offset of argument {@code arg}'s record in the block. */
	public static long recordOffset(Kernel k, int arg) {
		long offset = 0;
		for (int i = 0; i < arg; i++) {
			offset += recordBytes(k.args().get(i).rank());
		}
		return offset;
	}

	public static long recordBytes(int rank) {
		return 8L * (1 + rank);
	}

	/** Bytes of the whole argument block of k. */
	public static long blockBytes(Kernel k) {
		return recordOffset(k, k.args().size());
	}

	/** Fills argument {@code arg}'s record. */
	public static void write(MemorySegment block, Kernel k, int arg, MemorySegment data, long[] extents) {
		long offset = recordOffset(k, arg);
		block.set(ADDRESS, offset, data);
		for (int a = 0; a < extents.length; a++) {
			block.set(JAVA_LONG, offset + 8 + 8L * a, extents[a]);
		}
	}

	/** Bytes per element of a buffer of this dtype; throws for dtypes the host backend does not store. */
	public static int storageBytes(DType dtype) {
		return switch (dtype) {
			case BOOL, I8, U8 -> 1;
			case I16, F16, BF16 -> 2;
			case I32, F32 -> 4;
			case I64, F64 -> 8;
			case FP8E4M3, FP8E5M2 -> throw new UnsupportedOperationException("the host backend has no " + dtype.sourceName());
		};
	}
}
