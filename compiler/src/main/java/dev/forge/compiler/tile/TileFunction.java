package dev.forge.compiler.tile;

import java.util.List;

/**
 * A compiled function in the Tile IR: its buffers (parameters in order, then results, temporaries
 * and dim scalars) and the kernels that run one after another. A Graph IR function becomes one
 * per fused group of ops; a {@code @kernel} of the source becomes exactly one.
 */
public record TileFunction(String name, List<Buffer> buffers, List<Kernel> kernels) {

	public TileFunction {
		buffers = List.copyOf(buffers);
		kernels = List.copyOf(kernels);
	}

	public Buffer buffer(String bufferName) {
		for (Buffer b : buffers) {
			if (b.name().equals(bufferName)) {
				return b;
			}
		}
		return null;
	}

	/** The output buffers some kernel updates atomically ({@link Stmt.Atomic}): they start at zero, not undefined. */
	public java.util.Set<String> atomicallyUpdated() {
		java.util.Set<String> out = new java.util.TreeSet<>();
		for (Kernel k : kernels) {
			for (Stmt s : Stmt.flatten(k.body())) {
				if (s instanceof Stmt.Atomic a) {
					out.add(k.arg(a.arg()).buffer());
				}
			}
		}
		return out;
	}

	public List<Buffer> buffers(Buffer.Role role) {
		return buffers.stream().filter(b -> b.role() == role).toList();
	}
}
