package dev.forge.profiler;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.forge.compiler.interp.NdArray;
import dev.forge.types.DType;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0 and 2.0), the way inputs are
 * handed to {@code forge run} and outputs taken back to Python.
 *
 * <p>Only little-endian, C-order arrays of these dtypes: {@code '<f8' '<f4' '<f2' '<i8' '<i4' '<i2'
 * '|i1' '|u1' '|b1'}. NumPy has no bf16 dtype, so bf16 travels as its raw bits in {@code '<u2'}
 * (what {@code ml_dtypes}' bfloat16 arrays give with {@code .view(np.uint16)}): a {@code '<u2'} file is
 * read only when the caller expects bf16, and bf16 is written as {@code '<u2'}. f16 is {@code '<f2'}.
 * The fp8 dtypes have no agreed {@code .npy} form and are refused.
 *
 * <p>Values come and go as f64 ({@link NdArray}): every dtype here converts to f64 exactly, except
 * i64 beyond 2^53. Writing rounds each value to the dtype ({@link Rounding}); an integer value out of
 * the dtype's range, or NaN for an integer dtype, is an error rather than a silent wrap. Arrays of any
 * size (more than 2^31 elements, 64-bit offsets) come and go as {@link HostTensor}s instead:
 * {@link #map} reads a file in place, {@link #write(Path, HostTensor)} streams native memory out.
 */
public final class Npy {

	/** The array read and the dtype it was stored as. */
	public record Data(NdArray array, DType dtype) {
	}

	private static final byte[] MAGIC = { (byte) 0x93, 'N', 'U', 'M', 'P', 'Y' };
	private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
	private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
	/** NumPy aligns the data to 64 bytes, padding the header with spaces. */
	private static final int ALIGN = 64;
	/** NumPy leaves room for the first dim to grow to this many digits; copied so our files match. */
	private static final int GROWTH_DIGITS = 21;
	/** Native data goes to the file in slices of this many bytes (a ByteBuffer holds at most 2^31). */
	private static final long WRITE_CHUNK = 1L << 30;

	private Npy() {
	}

	/** Reads {@code file}; a {@code '<u2'} file is refused (see {@link #read(Path, DType)}). */
	public static Data read(Path file) throws IOException {
		return read(file, null);
	}

	/**
	 * Reads {@code file} into f64 values. {@code expected} is the dtype the caller will use the array
	 * as, or null; it is consulted only to read {@code '<u2'} as raw bf16 bits. The returned dtype is
	 * the file's: comparing it (and the shape) with what the caller needs is the caller's job. An array
	 * of more than 2^31 elements has no f64 form: {@link #map} reads it.
	 */
	public static Data read(Path file, DType expected) throws IOException {
		HostTensor t = map(file, expected);
		return new Data(values(t, file.toString()), t.dtype());
	}

	/** Reads the bytes of a {@code .npy} file; {@code name} starts every error message. */
	public static Data read(byte[] bytes, String name, DType expected) throws NpyException {
		HostTensor t = tensor(MemorySegment.ofArray(bytes), name, expected);
		return new Data(values(t, name), t.dtype());
	}

	/**
	 * The array of {@code file} in its own dtype, of any size: the file mapped read-only, its data
	 * used in place (a {@code .npy} file's data is the native storage of its dtype, {@link HostMemory}),
	 * for as long as the tensor is reachable. {@code expected} is as for {@link #read(Path, DType)}.
	 */
	public static HostTensor map(Path file, DType expected) throws IOException {
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
			MemorySegment whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), Arena.ofAuto());
			return tensor(whole, file.toString(), expected);
		}
	}

	private static NdArray values(HostTensor t, String name) throws NpyException {
		if (t.size() > NdArray.MAX_ELEMENTS) {
			throw new NpyException(name + ": shape " + showShape(t.shape()) + " has too many elements to load as f64 values (at most "
					+ NdArray.MAX_ELEMENTS + "): map it as a native tensor");
		}
		return t.toNdArray();
	}

	/** The array a whole {@code .npy} file's bytes hold, checked from its header to its last byte, its data in place. */
	private static HostTensor tensor(MemorySegment bytes, String name, DType expected) throws NpyException {
		long length = bytes.byteSize();
		if (length < MAGIC.length + 2 || MemorySegment.mismatch(bytes, 0, MAGIC.length, MemorySegment.ofArray(MAGIC), 0, MAGIC.length) >= 0) {
			boolean zip = length >= 2 && bytes.get(ValueLayout.JAVA_BYTE, 0) == 'P' && bytes.get(ValueLayout.JAVA_BYTE, 1) == 'K';
			throw new NpyException(name + ": not a .npy file" + (zip ? " (it is a zip archive, perhaps an .npz: save each array with numpy.save)" : ""));
		}
		int major = bytes.get(ValueLayout.JAVA_BYTE, 6) & 0xff;
		int minor = bytes.get(ValueLayout.JAVA_BYTE, 7) & 0xff;
		if ((major != 1 && major != 2) || minor != 0) {
			throw new NpyException(name + ": unsupported .npy format version " + major + "." + minor + " (1.0 and 2.0 are read)");
		}
		int lengthField = major == 1 ? 2 : 4;
		if (length < 8 + lengthField) {
			throw new NpyException(name + ": truncated header");
		}
		long headerLength = major == 1 ? Short.toUnsignedInt(bytes.get(LE_SHORT, 8)) : Integer.toUnsignedLong(bytes.get(LE_INT, 8));
		long dataStart = 8 + lengthField + headerLength;
		if (dataStart > length) {
			throw new NpyException(name + ": truncated header (" + headerLength + " bytes announced, " + (length - 8 - lengthField) + " present)");
		}
		if (headerLength > Integer.MAX_VALUE - 16) {
			throw new NpyException(name + ": a header of " + headerLength + " bytes is not a .npy header");
		}
		byte[] headerBytes = bytes.asSlice(8 + lengthField, headerLength).toArray(ValueLayout.JAVA_BYTE);
		NpyHeader h = NpyHeader.parse(new String(headerBytes, StandardCharsets.ISO_8859_1), name);

		DType dtype = dtypeOf(h.descr(), expected, name);
		long want;
		try {
			want = Math.multiplyExact(NdArray.size(h.shape()), (long) dtype.bits() / 8);
		} catch (ArithmeticException e) {
			throw new NpyException(name + ": shape " + showShape(h.shape()) + " has too many elements (more than 2^63 bytes)");
		}
		long have = length - dataStart;
		if (have < want) {
			throw new NpyException(name + ": truncated data: shape " + showShape(h.shape()) + " of '" + h.descr() + "' needs " + want + " bytes, the file has " + have);
		}
		if (have > want) {
			throw new NpyException(name + ": " + (have - want) + " bytes after the data of shape " + showShape(h.shape()) + " '" + h.descr() + "' (a damaged file?)");
		}
		return new HostTensor(h.shape(), dtype, bytes.asSlice(dataStart, want));
	}

	/** Writes {@code array} as {@code dtype} to {@code file} (bf16 as raw bits in {@code '<u2'}). */
	public static void write(Path file, NdArray array, DType dtype) throws IOException {
		Files.write(file, encode(array, dtype, file + ": "));
	}

	/**
	 * Writes {@code tensor} to {@code file} as its dtype, of any size: the header, then its native
	 * memory as it is (the storage of its dtype is the {@code .npy} data), streamed without a copy.
	 */
	public static void write(Path file, HostTensor tensor) throws IOException {
		String descr;
		try {
			descr = descr(tensor.dtype());
		} catch (NpyException e) {
			throw new NpyException(file + ": " + e.getMessage());
		}
		long bytes = Math.multiplyExact(tensor.size(), (long) HostMemory.bytes(tensor.dtype()));
		try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
			writeFully(out, ByteBuffer.wrap(header(descr, tensor.shape())));
			for (long at = 0; at < bytes; at += WRITE_CHUNK) {
				writeFully(out, tensor.data().asSlice(at, Math.min(WRITE_CHUNK, bytes - at)).asByteBuffer());
			}
		}
	}

	private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
		while (b.hasRemaining()) {
			out.write(b);
		}
	}

	/** The bytes of a {@code .npy} file holding {@code array} as {@code dtype}. */
	public static byte[] toBytes(NdArray array, DType dtype) throws NpyException {
		return encode(array, dtype, "");
	}

	/** The {@code .npy} descr of a dtype ({@code '<u2'} for bf16); an error for the fp8 dtypes. */
	public static String descr(DType dtype) throws NpyException {
		return switch (dtype) {
			case F64 -> "<f8";
			case F32 -> "<f4";
			case F16 -> "<f2";
			case BF16 -> "<u2";
			case I64 -> "<i8";
			case I32 -> "<i4";
			case I16 -> "<i2";
			case I8 -> "|i1";
			case U8 -> "|u1";
			case BOOL -> "|b1";
			case FP8E4M3, FP8E5M2 -> throw new NpyException("no .npy dtype for " + dtype.sourceName());
		};
	}

	// ---------------------------------------------------------------- reading

	private static DType dtypeOf(Object descr, DType expected, String name) throws NpyException {
		if (!(descr instanceof String d)) {
			throw new NpyException(name + ": unsupported dtype " + NpyHeader.show(descr) + " (structured arrays are not supported)");
		}
		return switch (d) {
			case "<f8" -> DType.F64;
			case "<f4" -> DType.F32;
			case "<f2" -> DType.F16;
			case "<i8" -> DType.I64;
			case "<i4" -> DType.I32;
			case "<i2" -> DType.I16;
			case "|i1" -> DType.I8;
			case "|u1" -> DType.U8;
			case "|b1" -> DType.BOOL;
			case "<u2" -> {
				if (expected != DType.BF16) {
					throw new NpyException(name + ": unsupported dtype '<u2' (uint16 is read only as raw bf16 bits, where a bf16 input is expected)");
				}
				yield DType.BF16;
			}
			default -> {
				String hint = d.startsWith(">") ? " (big-endian: convert with a.astype(a.dtype.newbyteorder('<')))" : "";
				throw new NpyException(name + ": unsupported dtype '" + d + "'" + hint
						+ "; supported: '<f8' '<f4' '<f2' '<i8' '<i4' '<i2' '|i1' '|u1' '|b1', and '<u2' as raw bf16 bits");
			}
		};
	}

	// ---------------------------------------------------------------- writing

	private static byte[] encode(NdArray array, DType dtype, String where) throws NpyException {
		String descr;
		try {
			descr = descr(dtype);
		} catch (NpyException e) {
			throw new NpyException(where + e.getMessage());
		}
		long[] shape = array.shape();
		byte[] header = header(descr, shape);
		ByteBuffer out = ByteBuffer.allocate(Math.addExact(header.length, Math.multiplyExact(array.size(), dtype.bits() / 8)))
				.order(ByteOrder.LITTLE_ENDIAN);
		out.put(header);
		for (int i = 0; i < array.size(); i++) {
			encode(out, array.flat(i), dtype, where, i, shape);
		}
		return out.array();
	}

	/** Magic, version, header length and the header dict padded so that the data starts at a multiple of 64 bytes. */
	private static byte[] header(String descr, long[] shape) {
		String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + showShape(shape) + ", }";
		if (shape.length > 0) {
			dict += " ".repeat(Math.max(0, GROWTH_DIGITS - Long.toString(shape[0]).length()));
		}
		// Version 1.0 unless the header outgrows its 2-byte length, as NumPy does.
		int version = 1;
		int prefix = MAGIC.length + 2 + 2;
		int padding = ALIGN - (prefix + dict.length() + 1) % ALIGN;
		if (dict.length() + padding + 1 > 0xffff) {
			version = 2;
			prefix = MAGIC.length + 2 + 4;
			padding = ALIGN - (prefix + dict.length() + 1) % ALIGN;
		}
		int headerLength = dict.length() + padding + 1;
		ByteBuffer out = ByteBuffer.allocate(prefix + headerLength).order(ByteOrder.LITTLE_ENDIAN);
		out.put(MAGIC).put((byte) version).put((byte) 0);
		if (version == 1) {
			out.putShort((short) headerLength);
		} else {
			out.putInt(headerLength);
		}
		out.put((dict + " ".repeat(padding) + "\n").getBytes(StandardCharsets.ISO_8859_1));
		return out.array();
	}

	private static void encode(ByteBuffer out, double value, DType dtype, String where, int flat, long[] shape) throws NpyException {
		double v = Rounding.round(value, dtype);
		switch (dtype) {
			case F64 -> out.putDouble(v);
			case F32 -> out.putFloat((float) v);
			case F16 -> out.putShort(Float.floatToFloat16((float) v)); // exact: v is already an f16 value
			case BF16 -> out.putShort((short) (Float.floatToRawIntBits((float) v) >>> 16));
			case BOOL -> out.put((byte) v);
			case I8, I16, I32, I64, U8 -> {
				long n = checkedInteger(value, dtype, where, flat, shape);
				switch (dtype) {
					case I64 -> out.putLong(n);
					case I32 -> out.putInt((int) n);
					case I16 -> out.putShort((short) n);
					default -> out.put((byte) n);
				}
			}
			case FP8E4M3, FP8E5M2 -> throw new IllegalStateException(dtype.toString());
		}
	}

	/** The value truncated toward zero; an error instead of wrapping around when it does not fit. */
	private static long checkedInteger(double value, DType dtype, String where, int flat, long[] shape) throws NpyException {
		double truncated = value < 0 ? Math.ceil(value) : Math.floor(value);
		double min = dtype == DType.U8 ? 0 : -Math.scalb(1.0, dtype.bits() - 1); // powers of two: exact
		double limit = dtype == DType.U8 ? 256 : Math.scalb(1.0, dtype.bits() - 1); // exclusive
		if (Double.isNaN(value) || truncated < min || truncated >= limit) {
			throw new NpyException(where + "value " + value + " at " + Comparison.index(flat, shape) + " does not fit " + dtype.sourceName());
		}
		return (long) truncated;
	}

	// ---------------------------------------------------------------- text

	/** A shape as Python prints a tuple: {@code ()}, {@code (3,)}, {@code (3, 4)}. */
	static String showShape(long[] shape) {
		if (shape.length == 1) {
			return "(" + shape[0] + ",)";
		}
		StringBuilder s = new StringBuilder("(");
		for (int i = 0; i < shape.length; i++) {
			s.append(i == 0 ? "" : ", ").append(shape[i]);
		}
		return s.append(')').toString();
	}
}
