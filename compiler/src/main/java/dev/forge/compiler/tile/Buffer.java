package dev.forge.compiler.tile;

import java.util.List;

import dev.forge.types.DType;
import dev.forge.types.Dim;

/**
 * A tensor in memory, contiguous and row-major. INPUT and OUTPUT buffers are the function's
 * parameters and results; TEMP buffers carry values between kernels; a DIM buffer is a scalar the
 * runner fills with the value of {@code dim} (e.g. {@code D//heads}) before the first kernel.
 */
public record Buffer(String name, List<Dim> shape, DType dtype, Role role, Dim dim) {

	public enum Role {
		INPUT, OUTPUT, TEMP, DIM
	}

	public Buffer {
		shape = List.copyOf(shape);
	}
}
