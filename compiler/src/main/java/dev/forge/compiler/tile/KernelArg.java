package dev.forge.compiler.tile;

import java.util.List;

import dev.forge.types.DType;
import dev.forge.types.Dim;

/**
 * A kernel's view of one buffer: the kernel reads it as a row-major tensor of {@code shape}, which
 * has the buffer's element count (a reshape view, free because buffers are contiguous).
 * {@code output} marks arguments the kernel writes.
 */
public record KernelArg(String name, String buffer, List<Dim> shape, DType dtype, boolean output) {

	public KernelArg {
		shape = List.copyOf(shape);
	}

	public int rank() {
		return shape.size();
	}
}
