package dev.forge.profiler;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.Index;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.KernelArg;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.interp.NdArray;
import dev.forge.types.Dim;

/**
 * FLOPs of a Tile IR function counted from its tiles, for kernels written at the tile level (which
 * have no Graph IR to count from): a dot of [M,K] x [K,N] tiles counts 2MNK, other arithmetic one
 * per element, loops by their trip count (evaluated for program 0), kernels by their grid. Tiles
 * that overhang the tensor's edge count in full, so this slightly overstates ragged shapes.
 */
public final class TileWork {

	private TileWork() {
	}

	public static long flops(TileFunction f, Map<String, Long> dims) {
		long total = 0;
		for (Kernel k : f.kernels()) {
			Map<String, long[]> extents = extents(f, k, dims);
			long programs = 1;
			for (Index g : k.grid()) {
				programs = Math.multiplyExact(programs, Math.max(0, g.evaluate(extents)));
			}
			total = Math.addExact(total, Math.multiplyExact(programs, body(k.body(), extents, new HashMap<>())));
		}
		return total;
	}

	/** The bytes of the function's inputs and outputs: the least memory traffic it can have. */
	public static long bytes(TileFunction f, Map<String, Long> dims) {
		long total = 0;
		for (Buffer b : f.buffers()) {
			if (b.role() == Buffer.Role.INPUT || b.role() == Buffer.Role.OUTPUT) {
				total += elements(b.shape(), dims) * HostMemory.bytes(b.dtype());
			}
		}
		return total;
	}

	private static long body(List<Stmt> stmts, Map<String, long[]> extents, Map<String, Long> vars) {
		long n = 0;
		for (Stmt s : stmts) {
			n += switch (s) {
				case Stmt.Dot d -> 2L * d.a().type().shape().get(0) * d.a().type().shape().get(1) * d.b().type().shape().get(1);
				case Stmt.Unary u -> u.result().type().elements();
				case Stmt.Binary b -> b.result().type().elements();
				case Stmt.Select x -> x.result().type().elements();
				case Stmt.Reduce r -> r.x().type().elements();
				case Stmt.For loop -> {
					java.util.function.ToLongFunction<Index> leaf = i -> switch (i) {
						case Index.Extent e -> extents.get(e.arg())[e.axis()];
						case Index.LoopVar v -> vars.getOrDefault(v.name(), 0L);
						default -> 0L;
					};
					long lo = loop.lo().evaluate(leaf);
					long hi = loop.hi().evaluate(leaf);
					long trips = Math.max(0, Math.ceilDiv(hi - lo, loop.step()));
					Map<String, Long> inner = new HashMap<>(vars);
					inner.put(loop.var(), lo);
					yield trips * body(loop.body(), extents, inner);
				}
				default -> 0L;
			};
		}
		return n;
	}

	static Map<String, long[]> extents(TileFunction f, Kernel k, Map<String, Long> dims) {
		Map<String, long[]> extents = new HashMap<>();
		for (KernelArg a : k.args()) {
			long[] e = new long[a.rank()];
			for (int i = 0; i < e.length; i++) {
				e[i] = value(a.shape().get(i), dims);
			}
			extents.put(a.name(), e);
		}
		return extents;
	}

	/** 64-bit element count; {@link ArithmeticException} rather than a wrapped count when it overflows. */
	static long elements(List<Dim> shape, Map<String, Long> dims) {
		return NdArray.size(Runner.shape(shape, dims));
	}

	static long value(Dim d, Map<String, Long> dims) {
		return d.evaluate(dims).orElseThrow(() -> new IllegalArgumentException("dim " + d + " is not bound (bind " + d.symbols() + ")"));
	}
}
