package dev.forge.compiler.tile;

import static dev.forge.compiler.tile.TileBuilder.blockStart;
import static dev.forge.compiler.tile.TileBuilder.extent;
import static dev.forge.compiler.tile.TileBuilder.walk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.host.KernelAbi;
import dev.forge.types.DType;
import dev.forge.types.Dim;

/** The launch arithmetic both backends share: sizes, DIM scalars, extents and program counts, 64-bit and exact. */
class LaunchPlanTest {

	private static final Dim M = Dim.symbol("M");
	private static final Dim N = Dim.symbol("N");
	private static final Dim HEADS = Dim.symbol("heads");

	/**
	 * {@code y = x + 1} over [M, N] in 64x128 tiles, with a temporary, a DIM scalar N//heads, and a
	 * second kernel viewing y as a flat vector.
	 */
	private static TileFunction function(DType dtype) {
		TileBuilder f = new TileBuilder("f").input("x", dtype, M, N).output("y", dtype, M, N).temp("t", DType.F32, M)
				.dim("d", DType.I64, N.floorDiv(HEADS));
		TileBuilder.KernelBuilder k = f.kernel("tiles", Index.cdiv(extent("x", 0), 64), Index.cdiv(extent("x", 1), 128)).reads("x").writes("y");
		Access at = walk(blockStart(0, 64), blockStart(1, 128));
		k.store("y", at, k.binary(BinaryKind.ADD, k.load("x", at, List.of(64, 128)), k.full(List.of(64, 128), dtype, 1)));
		f.kernel("flat", Index.cdiv(extent("v", 0), 1024)).arg("v", "y", false, M.times(N));
		return f.build();
	}

	static Stream<Arguments> sizes() {
		return Stream.of(
				// M, N, dtype, bytes of x, programs of "tiles", programs of "flat"
				Arguments.of(1L, 1L, DType.F32, 4L, 1L, 1L),
				Arguments.of(65L, 129L, DType.BF16, 65L * 129 * 2, 2L * 2, 9L),
				Arguments.of(4096L, 4096L, DType.F32, 64L << 20, 64L * 32, 16384L),
				// 2^32 elements: sizes and counts past 2^31, computed without allocating anything
				Arguments.of(65536L, 65536L, DType.F32, 1L << 34, 1024L * 512, 1L << 22),
				Arguments.of(1L << 20, 1L << 20, DType.BF16, 1L << 41, (1L << 14) * (1L << 13), 1L << 30),
				// an empty tensor launches nothing
				Arguments.of(0L, 128L, DType.F32, 0L, 0L, 0L));
	}

	@ParameterizedTest
	@MethodSource("sizes")
	void sizesAndProgramCounts(long m, long n, DType dtype, long xBytes, long tilePrograms, long flatPrograms) {
		LaunchPlan plan = LaunchPlan.of(function(dtype), Map.of("M", m, "N", n, "heads", 1L), KernelAbi::storageBytes);
		assertEquals(xBytes, plan.buffer("x").bytes());
		assertEquals(xBytes, plan.buffer("y").bytes());
		assertEquals(m * n, plan.buffer("x").elements());
		assertEquals(4 * m, plan.buffer("t").bytes());
		assertEquals(tilePrograms, plan.kernels().get(0).programs());
		assertEquals(flatPrograms, plan.kernels().get(1).programs());
		assertArrayEquals(new long[] { m, n }, plan.kernels().get(0).extents().get(0));
		assertArrayEquals(new long[] { m * n }, plan.kernels().get(1).extentsByArg().get("v"));
		assertEquals(xBytes, plan.bytes(Buffer.Role.INPUT));
	}

	@Test
	void dimScalarsHoldTheirValueInTheirDtype() {
		LaunchPlan plan = LaunchPlan.of(function(DType.F32), Map.of("M", 2L, "N", 96L, "heads", 4L), KernelAbi::storageBytes);
		LaunchPlan.BufferSize d = plan.buffer("d");
		assertEquals(24, d.dimValue());
		assertEquals(LaunchPlan.SCALAR_BYTES, d.bytes());
		ByteBuffer le = ByteBuffer.wrap(LaunchPlan.scalarBytes(DType.I64, 24)).order(ByteOrder.LITTLE_ENDIAN);
		assertEquals(24, le.getLong(0));
		assertEquals(24f, ByteBuffer.wrap(LaunchPlan.scalarBytes(DType.F32, 24)).order(ByteOrder.LITTLE_ENDIAN).getFloat(0));
		assertEquals(1e6, ByteBuffer.wrap(LaunchPlan.scalarBytes(DType.F64, 1_000_000)).order(ByteOrder.LITTLE_ENDIAN).getDouble(0));
		// bf16 keeps the upper 16 bits of the f32, rounded to nearest even: 257 -> 256, 259 -> 260
		assertEquals((short) (Float.floatToRawIntBits(256f) >>> 16),
				ByteBuffer.wrap(LaunchPlan.scalarBytes(DType.BF16, 257)).order(ByteOrder.LITTLE_ENDIAN).getShort(0));
		assertEquals((short) (Float.floatToRawIntBits(260f) >>> 16),
				ByteBuffer.wrap(LaunchPlan.scalarBytes(DType.BF16, 259)).order(ByteOrder.LITTLE_ENDIAN).getShort(0));
		assertEquals(Float.floatToFloat16(24f), ByteBuffer.wrap(LaunchPlan.scalarBytes(DType.F16, 24)).order(ByteOrder.LITTLE_ENDIAN).getShort(0));
		assertEquals((byte) 0x34, LaunchPlan.scalarBytes(DType.I32, 0x1234)[0]);
	}

	@Test
	void overflowThrowsInsteadOfWrapping() {
		TileFunction f = function(DType.F64);
		ArithmeticException e = assertThrows(ArithmeticException.class,
				() -> LaunchPlan.of(f, Map.of("M", 1L << 31, "N", 1L << 31, "heads", 1L), KernelAbi::storageBytes));
		assertTrue(e.getMessage().contains("overflow"), e.getMessage());
	}

	@Test
	void anUnboundDimNamesWhereItIsNeeded() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> LaunchPlan.of(function(DType.F32), Map.of("M", 4L, "N", 4L), KernelAbi::storageBytes));
		assertEquals("d: dim N//heads is not bound (bind [N, heads])", e.getMessage());
	}
}
