package dev.forge.compiler.tile;

import java.util.List;
import java.util.stream.Collectors;

import dev.forge.types.DType;

/**
 * The type of a tile value: a compile-time shape (rank 0 is a scalar), a dtype, and where the
 * tile lives. On the host every tile is a local array of its program; the GPU backend will
 * distribute {@code REGISTERS} tiles over threads and place {@code SHARED} tiles in shared memory.
 */
public record TileType(List<Integer> shape, DType dtype, Space space) {

	public enum Space {
		REGISTERS, SHARED
	}

	public TileType {
		shape = List.copyOf(shape);
	}

	public TileType(List<Integer> shape, DType dtype) {
		this(shape, dtype, Space.REGISTERS);
	}

	public int rank() {
		return shape.size();
	}

	public long elements() {
		long n = 1;
		for (int d : shape) {
			n *= d;
		}
		return n;
	}

	public TileType withDType(DType other) {
		return new TileType(shape, other, space);
	}

	public TileType withShape(List<Integer> other) {
		return new TileType(other, dtype, space);
	}

	/** {@code [4x64] f32}, with {@code shared} appended for shared tiles. */
	@Override
	public String toString() {
		String dims = shape.stream().map(String::valueOf).collect(Collectors.joining("x"));
		return "[" + dims + "] " + dtype.sourceName() + (space == Space.SHARED ? " shared" : "");
	}
}
