package dev.forge.compiler.tile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.forge.types.DType;

/**
 * Layouts mean what {@link LayoutMap} computes: the layouts {@link LayoutAssignment} gives cover
 * every element of a tile (exactly once where the tile is a multiple of what the layout covers),
 * and bank wavefronts come out as the hardware's rules say for textbook access patterns.
 */
class LayoutTest {

	private static final int LANES = 32;

	@Test
	void assignedLayoutsCoverEveryElementOfRandomTiles() {
		Random random = new Random(20261122);
		int[] sizes = { 1, 2, 3, 4, 7, 8, 16, 17, 32, 48, 64, 100, 128, 256 };
		for (int trial = 0; trial < 300; trial++) {
			int rank = 1 + random.nextInt(3);
			List<Integer> shape = new ArrayList<>();
			for (int d = 0; d < rank; d++) {
				shape.add(sizes[random.nextInt(rank == 3 ? 8 : sizes.length)]);
			}
			int warps = 1 << random.nextInt(4);
			DType dtype = random.nextBoolean() ? DType.F16 : DType.F32;
			Layout.Blocked l = (Layout.Blocked) LayoutAssignment.layout(new TileType(shape, dtype), warps, LANES, dtype == DType.F16 ? 8 : 4, "none", 128);
			String what = shape + " " + dtype + " over " + warps + " warps: " + l;
			assertEquals(LANES, LayoutMap.product(l.lanes()), what);
			assertEquals(warps, LayoutMap.product(l.warps()), what);
			Map<List<Integer>, Integer> holders = new HashMap<>();
			for (int w = 0; w < warps; w++) {
				for (int t = 0; t < LANES; t++) {
					List<int[]> held = LayoutMap.elements(l, shape, w, t);
					assertEquals(held.size(), held.stream().map(java.util.Arrays::toString).distinct().count(), what + ": a thread holds an element twice");
					for (int[] e : held) {
						holders.merge(toList(e), 1, Integer::sum);
					}
				}
			}
			long elements = shape.stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b);
			assertEquals(elements, holders.size(), what + ": elements held by no thread");
			boolean exact = true;
			for (int d = 0; d < rank; d++) {
				exact &= shape.get(d) % (l.perThread().get(d) * l.lanes().get(d) * l.warps().get(d)) == 0;
			}
			if (exact) {
				assertTrue(holders.values().stream().allMatch(n -> n == 1), what + ": an element held twice though the tile is a multiple of the layout");
			}
		}
	}

	@Test
	void holdersAreTheThreadsWhoseElementsIncludeIt() {
		Layout.Blocked l = new Layout.Blocked(List.of(1, 4), List.of(4, 8), List.of(2, 1), List.of(1, 0));
		List<Integer> shape = List.of(8, 32);
		// Row 5, column 13: lane row 5 % 4 = 1, lane column 13 / 4 = 3 -> lane 1 * 8 + 3 = 11; warp 5 / 4 = 1.
		assertEquals(List.of(32 + 11), LayoutMap.holders(l, shape, new int[] { 5, 13 }));
		// A [4x32] tile under a layout covering [8x32] wraps: warp 1 holds warp 0's rows again.
		assertEquals(List.of(11, 32 + 11), LayoutMap.holders(l, List.of(4, 32), new int[] { 1, 13 }));
	}

	@Test
	void aColumnOfAnUnswizzledTileHitsOneBankAndTheXorSwizzleSpreadsIt() {
		List<Integer> shape = List.of(32, 32);
		// Lane t holds row t: at each access all 32 lanes read one column.
		Layout.Blocked columnWise = new Layout.Blocked(List.of(1, 1), List.of(32, 1), List.of(1, 1), List.of(0, 1));
		Layout.Blocked rowWise = new Layout.Blocked(List.of(1, 1), List.of(1, 32), List.of(1, 1), List.of(1, 0));
		Layout.Swizzled plain = new Layout.Swizzled(1, 1, 1, List.of(1, 0));
		Layout.Swizzled xor = new Layout.Swizzled(1, 1, 32, List.of(1, 0));
		assertEquals(32, LayoutMap.wavefronts(columnWise, plain, shape, 4, 32, 4));
		assertEquals(1, LayoutMap.wavefronts(columnWise, xor, shape, 4, 32, 4));
		assertEquals(1, LayoutMap.wavefronts(rowWise, plain, shape, 4, 32, 4));
		assertEquals(1, LayoutMap.wavefronts(rowWise, xor, shape, 4, 32, 4));
		// f64 rows of 32 elements: two lanes' words share a bank only across the phases of 16 lanes.
		assertEquals(1, LayoutMap.wavefronts(rowWise, plain, shape, 8, 32, 4));
	}

	@Test
	void sixteenByteVectorsDownAColumnConflictUnlessSwizzled() {
		// f16 [64x64]: each lane holds 8 consecutive halves (16 bytes) of its own row; 8 lanes per phase.
		List<Integer> shape = List.of(64, 64);
		Layout.Blocked rowsPerLane = new Layout.Blocked(List.of(1, 8), List.of(32, 1), List.of(1, 1), List.of(1, 0));
		Layout.Swizzled plain = new Layout.Swizzled(1, 1, 1, List.of(1, 0));
		Layout.Swizzled xor = (Layout.Swizzled) LayoutAssignment.layout(new TileType(shape, DType.F16, TileType.Space.SHARED), 4, LANES, 8,
				"xor", 128);
		assertEquals(new Layout.Swizzled(8, 1, 8, List.of(1, 0)), xor);
		assertEquals(8, LayoutMap.wavefronts(rowsPerLane, plain, shape, 2, 32, 4));
		assertEquals(1, LayoutMap.wavefronts(rowsPerLane, xor, shape, 2, 32, 4));
	}

	/**
	 * wgmma's operand layouts are CuTe's Swizzle<b,4,3> on byte offsets (the 16-byte chunk index
	 * XOR the 128-byte line index mod 2^b) within panels of at most 128-byte rows, and every element
	 * gets its own place in the tile.
	 */
	@Test
	void wgmmaOperandLayoutsAreTheHardwareSwizzleInPanels() {
		for (int[] shape : new int[][] { { 128, 16 }, { 128, 32 }, { 64, 64 }, { 32, 128 }, { 64, 256 }, { 16, 192 } }) {
			TileType t = new TileType(List.of(shape[0], shape[1]), DType.BF16, TileType.Space.SHARED);
			Layout.Swizzled l = LayoutAssignment.wgmmaShared(t);
			int rowBytes = Math.min(128, shape[1] * 2), rowElements = rowBytes / 2;
			int bits = Integer.numberOfTrailingZeros(rowBytes / 16);
			boolean[] taken = new boolean[shape[0] * shape[1]];
			for (int r = 0; r < shape[0]; r++) {
				for (int c = 0; c < shape[1]; c++) {
					long panelStart = (long) (c / rowElements) * shape[0] * rowBytes;
					long o = (long) r * rowBytes + (c % rowElements) * 2;
					long swizzled = o ^ (((o >> 7) & ((1 << bits) - 1)) << 4);
					long offset = LayoutMap.offset(l, t.shape(), new int[] { r, c });
					assertEquals((panelStart + swizzled) / 2, offset, t + " " + l + " at " + r + "," + c);
					assertFalse(taken[(int) offset], "two elements at offset " + offset);
					taken[(int) offset] = true;
				}
			}
		}
	}

	@Test
	void swizzleIsAPermutationOfEachRow() {
		Layout.Swizzled xor = new Layout.Swizzled(8, 1, 8, List.of(1, 0));
		List<Integer> shape = List.of(16, 64);
		for (int r = 0; r < 16; r++) {
			boolean[] seen = new boolean[64];
			for (int c = 0; c < 64; c++) {
				long offset = LayoutMap.offset(xor, shape, new int[] { r, c });
				assertEquals(r, offset / 64, "stays in its row");
				assertFalse(seen[(int) (offset % 64)], "two elements at one address");
				seen[(int) (offset % 64)] = true;
			}
		}
	}

	@Test
	void verifierRejectsLayoutsThatDoNotFit() throws Exception {
		dev.forge.compiler.graph.Forge.Checked checked = dev.forge.compiler.graph.Forge.check("v.forge", """
				@jit
				def mm(x: Tensor["M", "K", bf16], w: Tensor["K", "N", bf16]) -> Tensor["M", "N", bf16]:
				    return x @ w
				""");
		TileFunction f = dev.forge.compiler.Pipeline.compile(checked.lower("mm"), dev.forge.targets.Targets.builtin().get("h100")).tile();
		assertEquals(List.of(), TileVerifier.verify(f));
		Kernel k = f.kernels().get(0);
		Threads t = k.threads();
		assertEquals(8, t.warps());
		assertEquals(32, t.lanes());
		int registerValue = -1, sharedValue = -1;
		for (Stmt s : Stmt.flatten(k.body())) {
			if (s instanceof Stmt.Def d && d.result().type().rank() == 2) {
				if (d.result().type().space() == TileType.Space.SHARED) {
					sharedValue = d.result().id();
				} else {
					registerValue = d.result().id();
				}
			}
		}
		Map<Integer, Layout> missing = new HashMap<>(t.layouts());
		missing.remove(registerValue);
		assertVerifierSays(f, k, new Threads(8, 32, t.vector(), t.swizzle(), missing), "has no layout");
		Map<Integer, Layout> halfWarp = new HashMap<>(t.layouts());
		halfWarp.put(registerValue, new Layout.Blocked(List.of(1, 8), List.of(4, 4), List.of(8, 1), List.of(1, 0)));
		assertVerifierSays(f, k, new Threads(8, 32, t.vector(), t.swizzle(), halfWarp), "spreads over 8 x 16 threads, the kernel has 8 x 32");
		Map<Integer, Layout> blockedShared = new HashMap<>(t.layouts());
		blockedShared.put(sharedValue, t.layouts().get(registerValue));
		assertVerifierSays(f, k, new Threads(8, 32, t.vector(), t.swizzle(), blockedShared), "a blocked layout is for register tiles");
		Map<Integer, Layout> wideSwizzle = new HashMap<>(t.layouts());
		wideSwizzle.put(sharedValue, new Layout.Swizzled(8, 1, 64, List.of(1, 0)));
		assertVerifierSays(f, k, new Threads(8, 32, t.vector(), t.swizzle(), wideSwizzle), "does not stay within a row");
	}

	private static void assertVerifierSays(TileFunction f, Kernel k, Threads broken, String expected) {
		TileFunction g = new TileFunction(f.name(), f.buffers(), List.of(k.withThreads(broken)));
		List<String> problems = TileVerifier.verify(g);
		assertEquals(1, problems.size(), problems::toString);
		assertTrue(problems.get(0).contains(expected), problems.get(0));
	}

	private static List<Integer> toList(int[] a) {
		List<Integer> l = new ArrayList<>();
		for (int x : a) {
			l.add(x);
		}
		return l;
	}
}
