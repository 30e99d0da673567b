package dev.forge.compiler.tile;

import java.util.List;

/**
 * Which elements of a kernel argument a load or store touches. For each axis {@code a} of the
 * argument: {@code origin[a]} is the first index, and {@code tileAxis[a]} the tile axis that walks
 * it (index {@code origin[a] + i} at tile position i), or -1 when the argument axis stays at
 * {@code origin[a]}. Tile axes no argument axis walks are broadcast. A transposed read is a
 * permutation in {@code tileAxis}. Elements outside the argument read as the load's
 * {@code other} and are not written by stores: that is the mask at ragged edges.
 */
public record Access(List<Index> origin, List<Integer> tileAxis) {

	public Access {
		origin = List.copyOf(origin);
		tileAxis = List.copyOf(tileAxis);
		if (origin.size() != tileAxis.size()) {
			throw new IllegalArgumentException("origin and tileAxis differ in length");
		}
	}

	public int rank() {
		return origin.size();
	}
}
