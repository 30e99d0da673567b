package dev.forge.profiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.forge.compiler.interp.NdArray;
import dev.forge.types.DType;

/**
 * {@link Npy} against files written by NumPy ({@code src/test/resources/npy}, made by
 * {@code make_fixtures.py}, whose values are repeated here), round trips of every dtype, and the
 * error messages for files it refuses.
 */
class NpyTest {

	private static final double NAN = Double.NaN;
	private static final double INF = Double.POSITIVE_INFINITY;

	static Stream<Arguments> numpyFiles() {
		return Stream.of(
				Arguments.of("f8.npy", DType.F64, new double[] { 1.5, -2.25, 0.0, 0.1, INF, NAN }),
				Arguments.of("f4.npy", DType.F32, new double[] { 1.5, -2.25, 0.0, 0.10000000149011612, INF, NAN }),
				Arguments.of("f2.npy", DType.F16, new double[] { 1.5, -2.25, 0.0, 0.0999755859375, INF, NAN }),
				Arguments.of("bf16.npy", DType.BF16, new double[] { 1.5, -2.25, 0.0, 0.10009765625, INF, NAN }),
				Arguments.of("i1.npy", DType.I8, new double[] { -128, 127, 0, -1, 5, 6 }),
				Arguments.of("u1.npy", DType.U8, new double[] { 0, 255, 1, 2, 3, 128 }),
				Arguments.of("i2.npy", DType.I16, new double[] { -32768, 32767, 0, -1, 5, 6 }),
				Arguments.of("i4.npy", DType.I32, new double[] { -2147483648.0, 2147483647.0, 0, -1, 5, 6 }),
				Arguments.of("i8.npy", DType.I64, new double[] { -0x1p53, 0x1p53, 0, -1, 5, 6 }),
				Arguments.of("b1.npy", DType.BOOL, new double[] { 1, 0, 1, 1, 0, 0 }));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("numpyFiles")
	void readsWhatNumpyWrote(String file, DType dtype, double[] values) throws IOException {
		Npy.Data data = Npy.read(fixture(file), file, dtype);
		assertEquals(dtype, data.dtype());
		assertArrayEquals(new long[] { 2, 3 }, data.array().shape());
		assertArrayEquals(values, data.array().data(), 0.0); // exact; NaN equals NaN here
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "f8.npy", "f4.npy", "f2.npy", "bf16.npy", "i1.npy", "u1.npy", "i2.npy", "i4.npy", "i8.npy", "b1.npy", "scalar.npy", "empty.npy", "rank15.npy",
			"rank3.npy" })
	void writesTheBytesNumpyWrites(String file) throws IOException {
		byte[] numpy = fixture(file);
		Npy.Data data = Npy.read(numpy, file, DType.BF16);
		assertArrayEquals(numpy, Npy.toBytes(data.array(), data.dtype()), file);
	}

	@Test
	void readsCOrderScalarsEmptyArraysAndVersion2() throws IOException {
		NdArray rank3 = Npy.read(fixture("rank3.npy"), "rank3.npy", null).array();
		assertArrayEquals(new long[] { 2, 3, 4 }, rank3.shape());
		for (long i = 0; i < 2; i++) {
			for (long j = 0; j < 3; j++) {
				for (long k = 0; k < 4; k++) {
					assertEquals(12 * i + 4 * j + k, rank3.get(i, j, k));
				}
			}
		}
		Npy.Data scalar = Npy.read(fixture("scalar.npy"), "scalar.npy", null);
		assertEquals(0, scalar.array().rank());
		assertEquals(2.5, scalar.array().flat(0));

		Npy.Data empty = Npy.read(fixture("empty.npy"), "empty.npy", null);
		assertArrayEquals(new long[] { 0, 3 }, empty.array().shape());
		assertEquals(DType.F32, empty.dtype());

		Npy.Data v2 = Npy.read(fixture("v2.npy"), "v2.npy", null);
		assertEquals(2, fixture("v2.npy")[6]);
		assertArrayEquals(new double[] { 1, 2, 3 }, v2.array().data());
	}

	static Stream<Arguments> refusedFiles() {
		return Stream.of(
				Arguments.of("fortran.npy", null, "fortran.npy: Fortran-order arrays are not supported"),
				Arguments.of("big_endian.npy", null, "big_endian.npy: unsupported dtype '>f4' (big-endian"),
				Arguments.of("complex.npy", null, "complex.npy: unsupported dtype '<c8'"),
				Arguments.of("record.npy", null, "record.npy: unsupported dtype [['a', '<f4'], ['b', '<i4']] (structured arrays"),
				Arguments.of("bf16.npy", null, "bf16.npy: unsupported dtype '<u2' (uint16 is read only as raw bf16 bits"),
				Arguments.of("bf16.npy", DType.F32, "bf16.npy: unsupported dtype '<u2'"),
				Arguments.of("archive.npz", null, "archive.npz: not a .npy file (it is a zip archive"),
				Arguments.of("make_fixtures.py", null, "make_fixtures.py: not a .npy file"));
	}

	@ParameterizedTest(name = "{0} as {1}")
	@MethodSource("refusedFiles")
	void refusesWithAClearMessage(String file, DType expected, String message) throws IOException {
		byte[] bytes = fixture(file);
		NpyException e = assertThrows(NpyException.class, () -> Npy.read(bytes, file, expected));
		assertStartsWith(message, e.getMessage());
	}

	static Stream<Arguments> damagedFiles() throws IOException {
		byte[] f4 = fixture("f4.npy");
		byte[] version3 = f4.clone();
		version3[6] = 3;
		byte[] longer = Arrays.copyOf(f4, f4.length + 4);
		return Stream.of(
				Arguments.of("empty", new byte[0], "x.npy: not a .npy file"),
				Arguments.of("magic only", Arrays.copyOf(f4, 6), "x.npy: not a .npy file"),
				Arguments.of("version 3.0", version3, "x.npy: unsupported .npy format version 3.0"),
				Arguments.of("cut in the header length", Arrays.copyOf(f4, 9), "x.npy: truncated header"),
				Arguments.of("cut in the header", Arrays.copyOf(f4, 40), "x.npy: truncated header (118 bytes announced, 30 present)"),
				Arguments.of("cut in the data", Arrays.copyOf(f4, f4.length - 4), "x.npy: truncated data: shape (2, 3) of '<f4' needs 24 bytes, the file has 20"),
				Arguments.of("bytes after the data", longer, "x.npy: 4 bytes after the data"),
				Arguments.of("no fortran_order", npy("{'descr': '<f4', 'shape': (1,), }", new byte[4]), "x.npy: malformed header (no 'fortran_order')"),
				Arguments.of("missing comma", npy("{'descr': '<f4' 'fortran_order': False, 'shape': (1,), }", new byte[4]), "x.npy: malformed header (expected ','"),
				Arguments.of("not a dict", npy("('<f4', False, (1,))", new byte[4]), "x.npy: malformed header (not a dict)"),
				Arguments.of("unclosed", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,", new byte[4]), "x.npy: malformed header (unexpected end)"),
				Arguments.of("bad word", npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", new byte[4]), "x.npy: malformed header (unexpected 'Maybe'"),
				Arguments.of("negative dim", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", new byte[4]), "x.npy: malformed header (bad shape [-1])"),
				Arguments.of("shape not a tuple", npy("{'descr': '<f4', 'fortran_order': False, 'shape': 3, }", new byte[4]),
						"x.npy: malformed header ('shape' is not a tuple)"),
				Arguments.of("fortran_order a string", npy("{'descr': '<f4', 'fortran_order': 'no', 'shape': (1,), }", new byte[4]),
						"x.npy: malformed header ('fortran_order' is not True or False)"),
				// sizes in 64 bits: 8e10 bytes are counted, not wrapped; past 2^63 bytes is refused as such
				Arguments.of("data past 2^32 bytes", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", new byte[0]),
						"x.npy: truncated data: shape (100000, 100000) of '<f8' needs 80000000000 bytes, the file has 0"),
				Arguments.of("more than 2^63 bytes", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", new byte[0]),
						"x.npy: shape (4611686018427387904, 4) has too many elements (more than 2^63 bytes)"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("damagedFiles")
	void refusesDamagedFiles(String what, byte[] bytes, String message) {
		NpyException e = assertThrows(NpyException.class, () -> Npy.read(bytes, "x.npy", null));
		assertStartsWith(message, e.getMessage());
	}

	@Test
	void readsPython2LongsInTheShape() throws IOException {
		byte[] bytes = npy("{'descr': '<i2', 'fortran_order': False, 'shape': (2L,), }", new byte[] { 7, 0, -1, -1 });
		Npy.Data data = Npy.read(bytes, "old.npy", null);
		assertArrayEquals(new long[] { 2 }, data.array().shape());
		assertArrayEquals(new double[] { 7, -1 }, data.array().data());
	}

	/** Values every dtype holds exactly, with the extremes of the integer types. */
	private static double[] valuesOf(DType dtype) {
		return switch (dtype) {
			case F64 -> new double[] { 0.1, -1e300, 5e-324, -0.0, INF, NAN };
			case F32 -> new double[] { (float) 0.1, -3.4028234663852886e38, 1.4e-45f, -0.0, -INF, NAN };
			case F16 -> new double[] { 0.0999755859375, -65504, 0x1p-24, -0.0, INF, NAN };
			case BF16 -> new double[] { 0.10009765625, -0x1.fep127, 0x1p-133, -0.0, -INF, NAN };
			case I64 -> new double[] { -0x1p63, 0x1p62, 0, -1, 3, 1L << 53 };
			case I32 -> new double[] { Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1, 3, 4 };
			case I16 -> new double[] { Short.MIN_VALUE, Short.MAX_VALUE, 0, -1, 3, 4 };
			case I8 -> new double[] { -128, 127, 0, -1, 3, 4 };
			case U8 -> new double[] { 0, 255, 1, 2, 3, 4 };
			case BOOL -> new double[] { 1, 0, 0, 1, 1, 0 };
			case FP8E4M3, FP8E5M2 -> throw new IllegalArgumentException();
		};
	}

	@ParameterizedTest
	@EnumSource(value = DType.class, names = { "FP8E4M3", "FP8E5M2" }, mode = EnumSource.Mode.EXCLUDE)
	void roundTripsEveryDtype(DType dtype, @TempDir Path dir) throws IOException {
		NdArray array = new NdArray(new long[] { 3, 2 }, valuesOf(dtype));
		Path file = dir.resolve("a.npy");
		Npy.write(file, array, dtype);
		Npy.Data back = Npy.read(file, dtype);
		assertEquals(dtype, back.dtype());
		assertArrayEquals(array.shape(), back.array().shape());
		double[] want = array.data();
		double[] got = back.array().data();
		for (int i = 0; i < want.length; i++) {
			// Bit for bit, so that -0.0 stays -0.0.
			assertEquals(Double.doubleToLongBits(want[i]), Double.doubleToLongBits(got[i]), dtype + " element " + i + ": " + want[i] + " came back as " + got[i]);
		}
	}

	@Test
	void roundsToTheDtypeWhenWriting() throws IOException {
		NdArray tenth = new NdArray(new long[] { 1 }, new double[] { 0.1 });
		assertEquals(0.0999755859375, readBack(tenth, DType.F16));
		assertEquals(0.10009765625, readBack(tenth, DType.BF16));
		assertEquals((float) 0.1, readBack(tenth, DType.F32));
		assertEquals(-2, readBack(new NdArray(new long[] { 1 }, new double[] { -2.9 }), DType.I32)); // toward zero, as a cast
		assertEquals(1, readBack(new NdArray(new long[] { 1 }, new double[] { 0.25 }), DType.BOOL));
	}

	@Test
	void refusesWhatDoesNotFit(@TempDir Path dir) {
		NdArray big = new NdArray(new long[] { 2, 2 }, new double[] { 0, 1, 2, 256 });
		NpyException e = assertThrows(NpyException.class, () -> Npy.toBytes(big, DType.U8));
		assertEquals("value 256.0 at [1, 1] does not fit u8", e.getMessage());
		e = assertThrows(NpyException.class, () -> Npy.toBytes(new NdArray(new long[] { 1 }, new double[] { -129 }), DType.I8));
		assertEquals("value -129.0 at [0] does not fit i8", e.getMessage());
		e = assertThrows(NpyException.class, () -> Npy.toBytes(new NdArray(new long[] { 1 }, new double[] { 0x1p63 }), DType.I64));
		assertEquals("value 9.223372036854776E18 at [0] does not fit i64", e.getMessage());
		e = assertThrows(NpyException.class, () -> Npy.write(dir.resolve("n.npy"), NdArray.scalar(NAN), DType.I32));
		assertEquals(dir.resolve("n.npy") + ": value NaN at [] does not fit i32", e.getMessage());
		e = assertThrows(NpyException.class, () -> Npy.toBytes(NdArray.scalar(1), DType.FP8E4M3));
		assertEquals("no .npy dtype for fp8e4m3", e.getMessage());
	}

	@Test
	void switchesToVersion2WhenTheHeaderOutgrowsVersion1() throws IOException {
		long[] shape = new long[30_000]; // a header of about 90,000 characters
		Arrays.fill(shape, 1);
		NdArray one = new NdArray(shape, new double[] { 4.5 });
		byte[] bytes = Npy.toBytes(one, DType.F64);
		assertEquals(2, bytes[6]);
		Npy.Data back = Npy.read(bytes, "wide.npy", null);
		assertArrayEquals(shape, back.array().shape());
		assertEquals(4.5, back.array().flat(0));
		assertEquals(0, (bytes.length - 8) % 64); // data aligned to 64 bytes
	}

	@Test
	void mapsAFileOfMoreThanTwoToThe31ElementsInPlace(@TempDir Path dir) throws IOException {
		long n = (1L << 31) + 5;
		// A sparse file: the header, then 2 GiB of data of which only the last bytes are written.
		byte[] header = npy("{'descr': '|u1', 'fortran_order': False, 'shape': (" + n + ",), }", new byte[0]);
		Path file = dir.resolve("big.npy");
		try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
			out.write(ByteBuffer.wrap(header));
			out.write(ByteBuffer.wrap(new byte[] { 7, (byte) 200 }), header.length + n - 2);
		}
		HostTensor t = Npy.map(file, null);
		assertEquals(DType.U8, t.dtype());
		assertArrayEquals(new long[] { n }, t.shape());
		assertEquals(n, t.size());
		assertEquals(7, t.get(n - 2)); // offsets past 2^31, not wrapped
		assertEquals(200, t.get(n - 1));
		assertEquals(0, t.get(n - 2 - (1L << 31)));
		NpyException e = assertThrows(NpyException.class, () -> Npy.read(file, null));
		assertStartsWith(file + ": shape (2147483653,) has too many elements to load as f64 values", e.getMessage());
	}

	@ParameterizedTest
	@EnumSource(value = DType.class, names = { "FP8E4M3", "FP8E5M2" }, mode = EnumSource.Mode.EXCLUDE)
	void writesNativeTensorsAsTheArrayWriterDoes(DType dtype, @TempDir Path dir) throws IOException {
		NdArray array = new NdArray(new long[] { 3, 2 }, valuesOf(dtype));
		Path file = dir.resolve("t.npy");
		Npy.write(file, HostTensor.of(array, dtype));
		assertArrayEquals(Npy.toBytes(array, dtype), Files.readAllBytes(file));
		HostTensor back = Npy.map(file, dtype);
		assertEquals(dtype, back.dtype());
		assertArrayEquals(Npy.toBytes(array, dtype), Npy.toBytes(back.toNdArray(), dtype));
	}

	// ---------------------------------------------------------------- helpers

	private static double readBack(NdArray a, DType dtype) throws IOException {
		return Npy.read(Npy.toBytes(a, dtype), "t.npy", dtype).array().flat(0);
	}

	private static byte[] fixture(String name) throws IOException {
		try (InputStream in = NpyTest.class.getResourceAsStream("/npy/" + name)) {
			if (in == null) {
				throw new IOException("no fixture " + name);
			}
			return in.readAllBytes();
		}
	}

	/** A version 1.0 file with this header text (unpadded) and data. */
	private static byte[] npy(String header, byte[] data) {
		byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
		ByteBuffer b = ByteBuffer.allocate(10 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
		b.put(new byte[] { (byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 }).putShort((short) h.length).put(h).put(data);
		return b.array();
	}

	private static void assertStartsWith(String prefix, String actual) {
		assertTrue(actual.startsWith(prefix), () -> "expected a message starting with\n  " + prefix + "\nbut got\n  " + actual);
	}
}
