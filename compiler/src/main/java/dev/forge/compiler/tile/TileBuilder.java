package dev.forge.compiler.tile;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.compiler.graph.SourceRange;
import dev.forge.types.DType;
import dev.forge.types.Dim;

/**
 * Builds a {@link TileFunction}: buffers, then kernels statement by statement with fresh ids per
 * kernel and result types from the shape rules of {@link TileVerifier}. The builder does not check
 * operands (run the verifier on the result); {@link KernelBuilder#add} and
 * {@link KernelBuilder#fresh} build arbitrary statements, broken ones included.
 */
public final class TileBuilder {

	private final String name;
	private final List<Buffer> buffers = new ArrayList<>();
	private final List<KernelBuilder> kernels = new ArrayList<>();

	public TileBuilder(String name) {
		this.name = name;
	}

	public TileBuilder buffer(String bufferName, Buffer.Role role, DType dtype, Dim... shape) {
		buffers.add(new Buffer(bufferName, List.of(shape), dtype, role, null));
		return this;
	}

	public TileBuilder input(String bufferName, DType dtype, Dim... shape) {
		return buffer(bufferName, Buffer.Role.INPUT, dtype, shape);
	}

	public TileBuilder output(String bufferName, DType dtype, Dim... shape) {
		return buffer(bufferName, Buffer.Role.OUTPUT, dtype, shape);
	}

	public TileBuilder temp(String bufferName, DType dtype, Dim... shape) {
		return buffer(bufferName, Buffer.Role.TEMP, dtype, shape);
	}

	/** A scalar buffer holding the value of {@code dim}. */
	public TileBuilder dim(String bufferName, DType dtype, Dim dim) {
		buffers.add(new Buffer(bufferName, List.of(), dtype, Buffer.Role.DIM, dim));
		return this;
	}

	/** A new kernel, appended to the function's kernels in the order of these calls. */
	public KernelBuilder kernel(String kernelName, Index... grid) {
		KernelBuilder k = new KernelBuilder(kernelName, List.of(grid));
		kernels.add(k);
		return k;
	}

	public TileFunction build() {
		return new TileFunction(name, buffers, kernels.stream().map(KernelBuilder::build).toList());
	}

	private Buffer find(String bufferName) {
		for (Buffer b : buffers) {
			if (b.name().equals(bufferName)) {
				return b;
			}
		}
		throw new IllegalArgumentException("no buffer '" + bufferName + "'");
	}

	/** {@code arg.shape[axis]}. */
	public static Index extent(String arg, int axis) {
		return new Index.Extent(arg, axis);
	}

	/** {@code pid<axis>}. */
	public static Index pid(int axis) {
		return new Index.ProgramId(axis);
	}

	/** {@code pid<axis> * tile}: the origin of this program's tile along a grid axis. */
	public static Index blockStart(int axis, long tile) {
		return Index.mul(pid(axis), Index.of(tile));
	}

	/** An access where argument axis a is walked by tile axis a, from {@code origin[a]}. */
	public static Access walk(Index... origin) {
		List<Integer> axes = new ArrayList<>();
		for (int a = 0; a < origin.length; a++) {
			axes.add(a);
		}
		return new Access(List.of(origin), axes);
	}

	/** The body of a loop: given its variable and carried values, the values to yield. */
	@FunctionalInterface
	public interface LoopBody extends BiFunction<Index, List<TileValue>, List<TileValue>> {
	}

	/** One kernel's arguments and body. */
	public final class KernelBuilder {

		private final String kernelName;
		private final List<Index> grid;
		private final List<KernelArg> args = new ArrayList<>();
		private final Deque<List<Stmt>> bodies = new ArrayDeque<>();
		private String schedule = "";
		private SourceRange at = SourceRange.NONE;
		private int nextId;

		private KernelBuilder(String kernelName, List<Index> grid) {
			this.kernelName = kernelName;
			this.grid = grid;
			bodies.push(new ArrayList<>());
		}

		/** An argument viewing {@code buffer} as {@code shape}, with the buffer's dtype. */
		public KernelBuilder arg(String argName, String buffer, boolean output, Dim... shape) {
			args.add(new KernelArg(argName, buffer, List.of(shape), find(buffer).dtype(), output));
			return this;
		}

		/** A read argument named and shaped like its buffer. */
		public KernelBuilder reads(String buffer) {
			Buffer b = find(buffer);
			args.add(new KernelArg(buffer, buffer, b.shape(), b.dtype(), false));
			return this;
		}

		/** A written argument named and shaped like its buffer. */
		public KernelBuilder writes(String buffer) {
			Buffer b = find(buffer);
			args.add(new KernelArg(buffer, buffer, b.shape(), b.dtype(), true));
			return this;
		}

		public KernelBuilder schedule(String text) {
			schedule = text;
			return this;
		}

		/** The source range of the statements added from now on. */
		public KernelBuilder at(SourceRange range) {
			at = range;
			return this;
		}

		/** A value with a fresh id. */
		public TileValue fresh(TileType type) {
			return new TileValue(nextId++, type);
		}

		/** Appends a statement as it is, to the innermost open loop body. */
		public <S extends Stmt> S add(S stmt) {
			bodies.peek().add(stmt);
			return stmt;
		}

		private TileValue def(Stmt.Def d) {
			return add(d).result();
		}

		private DType argDType(String arg) {
			for (KernelArg a : args) {
				if (a.name().equals(arg)) {
					return a.dtype();
				}
			}
			throw new IllegalArgumentException("no argument '" + arg + "' (declare arguments first)");
		}

		public TileValue load(String arg, Access access, List<Integer> shape, double other) {
			return def(new Stmt.Load(fresh(new TileType(shape, argDType(arg))), arg, access, other, at));
		}

		public TileValue load(String arg, Access access, List<Integer> shape) {
			return load(arg, access, shape, 0);
		}

		public void store(String arg, Access access, TileValue value) {
			add(new Stmt.Store(arg, access, value, at));
		}

		public TileValue full(List<Integer> shape, DType dtype, double value) {
			return def(new Stmt.Full(fresh(new TileType(shape, dtype)), value, at));
		}

		public TileValue iota(List<Integer> shape, DType dtype, int axis, Index origin) {
			return def(new Stmt.Iota(fresh(new TileType(shape, dtype)), axis, origin, at));
		}

		public TileValue unary(UnaryKind kind, TileValue x) {
			return def(new Stmt.Unary(kind, fresh(x.type()), x, at));
		}

		public TileValue binary(BinaryKind kind, TileValue a, TileValue b) {
			TileType t = a.type().withShape(broadcast(a.type().shape(), b.type().shape()));
			return def(new Stmt.Binary(kind, fresh(kind.isComparison() ? t.withDType(DType.BOOL) : t), a, b, at));
		}

		public TileValue select(TileValue cond, TileValue a, TileValue b) {
			List<Integer> shape = broadcast(cond.type().shape(), broadcast(a.type().shape(), b.type().shape()));
			return def(new Stmt.Select(fresh(a.type().withShape(shape)), cond, a, b, at));
		}

		/** Reduces {@code axis} to size 1; {@code count} matters only for MEAN. */
		public TileValue reduce(ReduceKind kind, TileValue x, int axis, Index count) {
			List<Integer> shape = new ArrayList<>(x.type().shape());
			shape.set(axis, 1);
			return def(new Stmt.Reduce(kind, fresh(x.type().withShape(shape)), x, axis, count, at));
		}

		public TileValue reduce(ReduceKind kind, TileValue x, int axis) {
			return reduce(kind, x, axis, Index.of(x.type().shape().get(axis)));
		}

		public TileValue dot(TileValue a, TileValue b, TileValue acc) {
			return def(new Stmt.Dot(fresh(acc.type()), a, b, acc, at));
		}

		public TileValue cast(TileValue x, DType dtype) {
			return def(new Stmt.Cast(fresh(x.type().withDType(dtype)), x, at));
		}

		public TileValue reshape(TileValue x, List<Integer> shape) {
			return def(new Stmt.Reshape(fresh(x.type().withShape(shape)), x, at));
		}

		public TileValue transpose(TileValue x, List<Integer> perm) {
			List<Integer> shape = new ArrayList<>();
			for (int p : perm) {
				shape.add(x.type().shape().get(p));
			}
			return def(new Stmt.Transpose(fresh(x.type().withShape(shape)), x, perm, at));
		}

		public void barrier() {
			add(new Stmt.Barrier(at));
		}

		/**
		 * {@code for var in range(lo, hi, step)} carrying values that start as {@code inits}; returns
		 * the loop's results. {@code body} adds the loop's statements and returns what to yield.
		 */
		public List<TileValue> loop(String var, Index lo, Index hi, long step, List<TileValue> inits, LoopBody body) {
			SourceRange range = at;
			List<TileValue> carried = inits.stream().map(v -> fresh(v.type())).toList();
			bodies.push(new ArrayList<>());
			List<TileValue> yielded;
			List<Stmt> stmts;
			try {
				yielded = body.apply(new Index.LoopVar(var), carried);
			} finally {
				stmts = bodies.pop();
			}
			List<TileValue> results = carried.stream().map(v -> fresh(v.type())).toList();
			add(new Stmt.For(var, lo, hi, step, carried, inits, stmts, yielded, results, range));
			return results;
		}

		/** A loop that carries nothing (its body stores). */
		public void loop(String var, Index lo, Index hi, long step, Consumer<Index> body) {
			loop(var, lo, hi, step, List.of(), (v, c) -> {
				body.accept(v);
				return List.of();
			});
		}

		private Kernel build() {
			if (bodies.size() != 1) {
				throw new IllegalStateException("kernel @" + kernelName + " has an open loop");
			}
			return new Kernel(kernelName, args, grid, bodies.peek(), schedule, SourceRange.NONE);
		}
	}

	private static List<Integer> broadcast(List<Integer> a, List<Integer> b) {
		if (a.size() != b.size()) {
			return a; // the verifier reports the rank mismatch
		}
		Integer[] out = new Integer[a.size()];
		for (int i = 0; i < out.length; i++) {
			out[i] = a.get(i) == 1 ? b.get(i) : a.get(i);
		}
		return Arrays.asList(out);
	}
}
