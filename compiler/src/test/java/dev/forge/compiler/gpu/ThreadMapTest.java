package dev.forge.compiler.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forge.compiler.tile.Layout;
import dev.forge.compiler.tile.LayoutAssignment;
import dev.forge.compiler.tile.LayoutMap;
import dev.forge.compiler.tile.TileType;
import dev.forge.types.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The GPU backend's slots hold exactly the elements {@link LayoutMap} says a thread holds (the
 * layouts the race and bank lints read), for the layouts the GPU schedules give: wide and narrow
 * rows, tiles smaller than the threads (wrapping), columns, and scalars.
 */
class ThreadMapTest {

	static Stream<Arguments> layouts() {
		List<Arguments> out = new ArrayList<>();
		List<List<Integer>> shapes = List.of(List.of(1, 4096), List.of(128, 64), List.of(64, 16), List.of(16, 64), List.of(1),
				List.of(128), List.of(4, 1), List.of(128, 1), List.of(1, 1, 512), List.of(2, 3, 8), List.of(3));
		for (List<Integer> shape : shapes) {
			for (int warps : new int[] { 4, 8 }) {
				for (int vector : new int[] { 1, 4, 8 }) {
					out.add(Arguments.of(shape, warps, vector));
				}
			}
		}
		return out.stream();
	}

	@ParameterizedTest(name = "{0} over {1} warps, vector {2}")
	@MethodSource("layouts")
	void slotsHoldTheElementsTheLayoutGivesEachThread(List<Integer> shape, int warps, int vector) {
		Layout layout = LayoutAssignment.layout(new TileType(shape, DType.F32), warps, 32, vector, "none", 128);
		ThreadMap map = ThreadMap.of(layout, shape);
		for (int w = 0; w < warps; w++) {
			for (int l = 0; l < 32; l++) {
				Set<String> slots = new TreeSet<>();
				for (int[] at : map.coords(w, l)) {
					if (at != null) {
						slots.add(Arrays.toString(at));
					}
				}
				Set<String> expected = new TreeSet<>();
				if (layout instanceof Layout.Blocked b) {
					for (int[] at : LayoutMap.elements(b, shape, w, l)) {
						expected.add(Arrays.toString(at));
					}
				} else {
					expected.addAll(slots); // a scalar: every thread holds its one element
				}
				assertEquals(expected, slots, "thread " + l + " of warp " + w + " in " + layout);
				assertEquals(map.slots(), map.coords(w, l).length, "every thread has the same number of slots");
			}
		}
	}

	static Stream<Arguments> tensorCoreShapes() {
		return Stream.of(Arguments.of(128, 128, 32, 4, 2), Arguments.of(128, 64, 64, 2, 2), Arguments.of(64, 64, 16, 1, 4),
				Arguments.of(16, 8, 16, 1, 1), Arguments.of(128, 256, 64, 2, 4));
	}

	/**
	 * The tensor-core maps hold, slot by slot, the elements of the PTX ISA's mma.m16n8k16 fragments
	 * (g = lane / 4, t = lane % 4): accumulator c_i at (g + 8 (i / 2), 2t + i % 2), A's a_i at
	 * (g + 8 ((i / 2) % 2), 2t + i % 2 + 8 (i / 4)), B's b_i at (2t + i % 2 + 8 (i / 2), g), block by
	 * block, the warps taking turns by 16 rows along m and holding adjacent blocks along n; and every
	 * element has exactly one owner.
	 */
	@ParameterizedTest(name = "{0}x{1}, k {2}, warps [{3}, {4}]")
	@MethodSource("tensorCoreShapes")
	void tensorCoreMapsHoldTheMmaFragments(int m, int n, int k, int wm, int wn) {
		Layout.Mma mma = new Layout.Mma(List.of(wm, wn));
		ThreadMap acc = ThreadMap.of(mma, List.of(m, n));
		ThreadMap a = ThreadMap.of(new Layout.DotOperand(0, mma), List.of(m, k));
		ThreadMap b = ThreadMap.of(new Layout.DotOperand(1, mma), List.of(k, n));
		int rm = m / (16 * wm), rn = n / (8 * wn), rk = k / 16;
		for (int w = 0; w < wm * wn; w++) {
			int rowBase = (w / wn) * 16, colBase = (w % wn) * 8 * rn;
			for (int l = 0; l < 32; l++) {
				int g = l / 4, t = l % 4;
				int[][] c = acc.coords(w, l), x = a.coords(w, l), y = b.coords(w, l);
				for (int mi = 0; mi < rm; mi++) {
					for (int ni = 0; ni < rn; ni++) {
						for (int i = 0; i < 4; i++) {
							int[] want = { rowBase + 16 * wm * mi + g + 8 * (i / 2), colBase + 8 * ni + 2 * t + i % 2 };
							assertArrayEquals(want, c[4 * (ni + rn * mi) + i], "c" + i + " of block " + mi + "," + ni + ", lane " + l);
						}
					}
					for (int ki = 0; ki < rk; ki++) {
						for (int i = 0; i < 8; i++) {
							int[] want = { rowBase + 16 * wm * mi + g + 8 * ((i / 2) % 2), 16 * ki + 2 * t + i % 2 + 8 * (i / 4) };
							assertArrayEquals(want, x[8 * (ki + rk * mi) + i], "a" + i + " of block " + mi + "," + ki + ", lane " + l);
						}
					}
				}
				for (int ki = 0; ki < rk; ki++) {
					for (int ni = 0; ni < rn; ni++) {
						for (int i = 0; i < 4; i++) {
							int[] want = { 16 * ki + 2 * t + i % 2 + 8 * (i / 2), colBase + 8 * ni + g };
							assertArrayEquals(want, y[4 * (ni + rn * ki) + i], "b" + i + " of block " + ki + "," + ni + ", lane " + l);
						}
					}
				}
			}
		}
		for (ThreadMap map : List.of(acc, a, b)) {
			Map<String, Integer> owners = new HashMap<>();
			for (int w = 0; w < wm * wn; w++) {
				for (int l = 0; l < 32; l++) {
					int[][] at = map.coords(w, l);
					for (int s = 0; s < at.length; s++) {
						if (map.owns(w, l, s)) {
							owners.merge(Arrays.toString(at[s]), 1, Integer::sum);
						}
					}
				}
			}
			assertEquals(map.shape().get(0) * map.shape().get(1), owners.size(), "every element has an owner");
			assertTrue(owners.values().stream().allMatch(o -> o == 1), "no element has two owners");
		}
	}
}
