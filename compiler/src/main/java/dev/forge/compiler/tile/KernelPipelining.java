package dev.forge.compiler.tile;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tile IR -> Tile IR, for a {@code @kernel} on a GPU: the loops of a kernel that feed a dot straight
 * from global loads (a hand-written GEMM's k-loop) get the {@code stages}-deep copy pipeline the
 * schedule asks for, as the modeling layer's matmuls do ({@link SoftwarePipeline}): their operand
 * tiles then come through shared memory, where the tensor cores' ldmatrix reads them. A loop that
 * already manages shared memory or barriers itself keeps exactly the synchronisation its author
 * wrote.
 */
public final class KernelPipelining {

	private KernelPipelining() {
	}

	public static TileFunction apply(TileFunction f, int stages) {
		if (stages <= 1) {
			return f;
		}
		AtomicInteger nextId = new AtomicInteger(maxId(f) + 1);
		List<Kernel> kernels = new ArrayList<>();
		for (Kernel k : f.kernels()) {
			if (Stmt.flatten(k.body()).stream().anyMatch(KernelPipelining::synchronises)) {
				kernels.add(k);
				continue;
			}
			List<Stmt> body = new ArrayList<>();
			for (Stmt s : k.body()) {
				if (s instanceof Stmt.For loop && loop.body().stream().anyMatch(t -> t instanceof Stmt.Dot)) {
					body.addAll(SoftwarePipeline.apply(loop, stages, nextId::getAndIncrement));
				} else {
					body.add(s);
				}
			}
			kernels.add(new Kernel(k.name(), k.args(), k.grid(), body, k.schedule(), k.range(), k.threads()));
		}
		return new TileFunction(f.name(), f.buffers(), kernels);
	}

	/** A statement through which the author orders threads or shares data: a barrier or a shared tile. */
	private static boolean synchronises(Stmt s) {
		return s instanceof Stmt.Barrier || s instanceof Stmt.AsyncWait
				|| Stmt.defined(s).stream().anyMatch(v -> v.type().space() == TileType.Space.SHARED);
	}

	private static int maxId(TileFunction f) {
		int max = -1;
		for (Kernel k : f.kernels()) {
			for (Stmt s : Stmt.flatten(k.body())) {
				for (TileValue v : Stmt.defined(s)) {
					max = Math.max(max, v.id());
				}
			}
		}
		return max;
	}
}
