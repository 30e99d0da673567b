package dev.forge.compiler.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forge.compiler.tile.Layout;
import dev.forge.compiler.tile.LayoutAssignment;
import dev.forge.compiler.tile.LayoutMap;
import dev.forge.compiler.tile.TileType;
import dev.forge.types.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
}
