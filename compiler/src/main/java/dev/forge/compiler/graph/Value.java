package dev.forge.compiler.graph;

import dev.forge.types.Type;

/**
 * An SSA value of the Graph IR: a tensor, identified by its id within one {@link GraphFunction}.
 * A scalar is a tensor of rank 0. The type is the type checker's {@link Type.Tensor} with known dims
 * (symbolic {@link dev.forge.types.Dim}s) and a dtype; never variadic, never a dtype variable.
 */
public record Value(int id, Type.Tensor type) {

	public int rank() {
		return type.dims().size();
	}

	@Override
	public String toString() {
		return "%" + id;
	}
}
