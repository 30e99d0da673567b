package dev.forge.profiler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.Op;
import dev.forge.compiler.graph.SourceRange;
import dev.forge.compiler.graph.Value;
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.KernelArg;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.types.Dim;

/**
 * Whether concrete dims make a valid instance of a program, checked before anything runs: every
 * free dim bound, every size a 64-bit count, every view (a reshape such as {@code D//heads}) the
 * size of what it views. Errors are one line; where the Graph IR is known they name the source line
 * of the op the dims break. Zero is a valid dim: it makes empty tensors, as in NumPy.
 */
final class DimCheck {

	private DimCheck() {
	}

	/** @throws IllegalArgumentException saying which dims to pass or what they break */
	static void check(TileFunction f, GraphFunction graph, Map<String, Long> dims) {
		List<String> missing = new ArrayList<>();
		for (String s : Runner.freeDims(f)) {
			if (!dims.containsKey(s)) {
				missing.add(s);
			}
		}
		if (!missing.isEmpty()) {
			throw new IllegalArgumentException("missing dims: " + String.join(", ", missing) + " (pass --dims "
					+ String.join(",", missing.stream().map(s -> s + "=...").toList()) + ")");
		}
		if (graph != null) {
			checkGraph(graph, dims);
		}
		for (Buffer b : f.buffers()) {
			if (b.role() != Buffer.Role.DIM) {
				size(b.shape(), dims, "'" + b.name() + "'", dims);
			}
		}
		if (!consistent(f, dims)) {
			throw new IllegalArgumentException("the dims " + Dims.format(dims)
					+ " do not fit the function's reshapes (e.g. a dim split into D//heads must divide evenly)");
		}
	}

	/** Every kernel argument's view has its buffer's element count. */
	static boolean consistent(TileFunction f, Map<String, Long> dims) {
		for (Kernel k : f.kernels()) {
			for (KernelArg a : k.args()) {
				Buffer b = f.buffer(a.buffer());
				long view = TileWork.elements(a.shape(), dims);
				if (view < 0 || view != TileWork.elements(b.shape(), dims)) {
					return false;
				}
			}
		}
		return true;
	}

	/** Each op's result shape evaluates at the dims, and a reshape keeps the element count: else an error at its line. */
	private static void checkGraph(GraphFunction g, Map<String, Long> dims) {
		for (GraphFunction.Param p : g.params()) {
			size(p.value().type().dims(), dims, "parameter '" + p.name() + "'", dims);
		}
		for (Op op : g.body()) {
			String where = located(op.range()) + op.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
			long n = size(op.result().type().dims(), dims, where, dims);
			if (op instanceof Op.Reshape r) {
				long from = size(r.x().type().dims(), dims, where, dims);
				if (from != n) {
					throw new IllegalArgumentException(where + " of " + shapeText(r.x(), dims) + " (" + from + " elements) to " + shapeText(r.result(), dims)
							+ " (" + n + " elements) does not hold at " + Dims.format(dims) + ": pick dims that divide evenly");
				}
			}
		}
	}

	/** The element count of {@code shape}, or a one-line error naming {@code what} when a dim is negative, undefined or the count overflows. */
	private static long size(List<Dim> shape, Map<String, Long> values, String what, Map<String, Long> dims) {
		long[] s = new long[shape.size()];
		for (int i = 0; i < s.length; i++) {
			Dim d = shape.get(i);
			OptionalLong v;
			try {
				v = d.evaluate(values);
			} catch (ArithmeticException e) {
				throw new IllegalArgumentException(what + ": dim " + d + " is undefined at " + Dims.format(dims) + " (" + e.getMessage() + ")");
			}
			if (v.isEmpty()) {
				throw new IllegalArgumentException(what + ": dim " + d + " is not bound (bind " + d.symbols() + ")");
			}
			if (v.getAsLong() < 0) {
				throw new IllegalArgumentException(what + ": dim " + d + " is " + v.getAsLong() + " at " + Dims.format(dims));
			}
			s[i] = v.getAsLong();
		}
		try {
			return NdArray.size(s);
		} catch (ArithmeticException e) {
			throw new IllegalArgumentException(what + " of shape " + Arrays.toString(s) + " has more elements than 64-bit sizes hold");
		}
	}

	private static String shapeText(Value v, Map<String, Long> dims) {
		return Arrays.toString(Runner.shape(v.type().dims(), dims));
	}

	private static String located(SourceRange r) {
		return r.isKnown() ? "line " + r.line() + ":" + r.column() + ": " : "";
	}
}
