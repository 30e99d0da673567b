package dev.forge.compiler.tile;

import java.util.Map;
import java.util.TreeMap;

/**
 * How one program of a kernel is spread over threads: {@code warps} warps of {@code lanes} lanes,
 * {@code vector} consecutive elements per thread along a register tile's last axis,
 * the swizzle of its shared tiles ("xor" or "none"), and the {@link Layout} of every tile value (by value id). A CPU program is one thread with no
 * layouts ({@link #ONE}). Until {@link LayoutAssignment} has run, {@code lanes} is 1 and
 * {@code warps} is what the schedule asked for.
 */
public record Threads(int warps, int lanes, int vector, String swizzle, Map<Integer, Layout> layouts) {

	public static final Threads ONE = new Threads(1, 1, 1, "none", Map.of());

	public Threads {
		layouts = java.util.Collections.unmodifiableMap(new TreeMap<>(layouts));
	}

	/**
	 * What a schedule asks for (warps, the elements a thread accesses at once, and "xor" or "none"
	 * for shared tiles), before layouts are assigned for a target.
	 */
	public static Threads requested(int warps, int vector, String swizzle) {
		return new Threads(Math.max(1, warps), 1, Math.max(1, vector), swizzle, Map.of());
	}

	public int count() {
		return warps * lanes;
	}

	public Layout of(TileValue v) {
		return layouts.get(v.id());
	}

	/** Whether the layouts are assigned: a program of more than one thread with a layout per value. */
	public boolean distributed() {
		return lanes > 1 || !layouts.isEmpty();
	}
}
