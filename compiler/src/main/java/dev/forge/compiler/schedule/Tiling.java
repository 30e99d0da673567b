package dev.forge.compiler.schedule;

import java.util.List;

/**
 * The schedule of one kernel: {@code block} is the tile of the output each program computes, one
 * size per output axis (leading axes 1); {@code inner} the step of the inner loop (K for a matmul,
 * the column block of a row reduction; 0 when there is none); {@code vector} the SIMD width in
 * elements; {@code threads} how many programs run at once; {@code origin} where it came from
 * ("default: host cost model", "user: 34:1").
 */
public record Tiling(List<Integer> block, int inner, int vector, int threads, String origin) {

	public Tiling {
		block = List.copyOf(block);
	}

	@Override
	public String toString() {
		return "block " + block + (inner > 0 ? ", inner " + inner : "") + ", vector " + vector + ", threads " + threads
				+ "  (" + origin + ")";
	}
}
