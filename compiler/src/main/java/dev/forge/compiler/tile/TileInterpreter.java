package dev.forge.compiler.tile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;

import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.SourceRange;
import dev.forge.compiler.interp.Elementwise;
import dev.forge.compiler.interp.NdArray;
import dev.forge.types.DType;
import dev.forge.types.Dim;

/**
 * The reference semantics of the Tile IR: runs a {@link TileFunction} on {@link NdArray}s in f64,
 * the oracle the backends are tested against. Written for clarity, not speed.
 *
 * <p>Memory: every buffer is allocated for the given dims. INPUT buffers come from the inputs
 * (rounded to the buffer's dtype, as storing them would), OUTPUT and TEMP buffers start as NaN so
 * that an element no kernel writes shows, a DIM buffer holds its dim's value. Kernels run in order;
 * the programs of a grid run one after another (row-major over the grid, the last axis fastest).
 * A kernel argument views its buffer's elements in row-major order with its own shape.
 *
 * <p>Values: a tile is a row-major array of doubles. The result of every statement is rounded to
 * its dtype ({@link Elementwise#round}: f32, bf16, f16 and the fp8 formats to nearest even,
 * integers truncated and wrapped to their width, bool 0 or 1), so the interpreter has the precision
 * of compiled code that keeps every value in its dtype. NaN stays NaN in every dtype, so an
 * unwritten element poisons what is computed from it. Statement by statement:
 * <ul>
 * <li>{@code load}: the element at {@code origin[a] + i[tileAxis[a]]} for each argument axis a
 * ({@code origin[a]} alone where tileAxis is -1; tile axes no argument axis walks are broadcast),
 * {@code other} where that is outside the argument.
 * <li>{@code store}: writes each element whose index is inside the argument and skips the others; a
 * tile axis of size above 1 that walks no argument axis is an error (it would write one element
 * several times).
 * <li>{@code full}, {@code iota} (element {@code origin + i} along its axis).
 * <li>Unary and binary ops with {@link Elementwise}'s formulas; binary ops and {@code select}
 * broadcast size-1 axes of operands of one rank; comparisons give bool.
 * <li>{@code reduce_*}: along one axis, kept with size 1; sum and mean start at 0, max at -inf,
 * min at +inf; mean divides the sum by its {@code count} (NaN for a count of 0).
 * <li>{@code dot}: {@code acc + a @ b} summed in f64, then rounded once to the accumulator's dtype.
 * <li>{@code cast} rounds to the new dtype; {@code reshape} keeps the row-major elements;
 * {@code transpose}: result axis i is axis perm[i].
 * <li>{@code for}: {@code carried} start as {@code inits}, each iteration sees the previous one's
 * yields, the results are the last yields (the inits after zero iterations). The body's values are
 * not visible after the loop.
 * <li>{@code barrier}: nothing.
 * </ul>
 *
 * <p>Checks: input shapes, view element counts, grid extents, and per statement its operands'
 * types, its result shape, accesses and indices. Programs may not communicate within a kernel, so
 * an element of a buffer the kernel writes that two programs write, or that one program reads and
 * another writes, is an error. Every problem is a {@link TileInterpreterException} naming the
 * buffer, or the kernel, program, loop variables and the statement.
 */
public final class TileInterpreter {

	/** The largest tile or buffer the interpreter allocates, in elements. */
	private static final long MAX_ELEMENTS = 1L << 28;

	private TileInterpreter() {
	}

	/**
	 * Runs {@code f}: {@code inputs} gives every INPUT buffer by name, {@code dims} binds the dim
	 * symbols of the buffer shapes. Returns the OUTPUT buffers by name, in declaration order.
	 */
	public static Map<String, NdArray> run(TileFunction f, Map<String, NdArray> inputs, Map<String, Long> dims) {
		Map<String, Memory> memory = new LinkedHashMap<>();
		for (Buffer b : f.buffers()) {
			if (memory.containsKey(b.name())) {
				throw new TileInterpreterException("@" + f.name() + ": buffer '" + b.name() + "' declared twice");
			}
			String what = "buffer '" + b.name() + "' of @" + f.name();
			long[] shape = shape(b.shape(), dims, what);
			int size = elements(shape, what);
			double[] data = new double[size];
			switch (b.role()) {
				case INPUT -> {
					NdArray in = inputs.get(b.name());
					if (in == null) {
						throw new TileInterpreterException("no input for " + what);
					}
					if (!Arrays.equals(shape, in.shape())) {
						throw new TileInterpreterException("input '" + b.name() + "' of @" + f.name() + " must have shape "
								+ Arrays.toString(shape) + " (" + dimsText(b.shape()) + "), got " + Arrays.toString(in.shape()));
					}
					for (int i = 0; i < size; i++) {
						data[i] = round(in.flat(i), b.dtype());
					}
				}
				// An output that atomics update starts at zero; the others start as NaN, so an unwritten element shows.
				case OUTPUT, TEMP -> Arrays.fill(data, f.atomicallyUpdated().contains(b.name()) ? 0 : Double.NaN);
				case DIM -> {
					if (b.dim() == null || size != 1) {
						throw new TileInterpreterException(what + " must be a scalar with a dim");
					}
					data[0] = round(dim(b.dim(), dims, what), b.dtype());
				}
			}
			memory.put(b.name(), new Memory(b, shape, data));
		}
		for (String name : inputs.keySet()) {
			Buffer b = f.buffer(name);
			if (b == null || b.role() != Buffer.Role.INPUT) {
				throw new TileInterpreterException("input '" + name + "' is not an input buffer of @" + f.name());
			}
		}
		for (Kernel k : f.kernels()) {
			new KernelRun(k, memory, dims).run();
		}
		Map<String, NdArray> out = new LinkedHashMap<>();
		for (Buffer b : f.buffers(Buffer.Role.OUTPUT)) {
			Memory m = memory.get(b.name());
			out.put(b.name(), new NdArray(m.shape, m.data));
		}
		return out;
	}

	// ------------------------------------------------------------------ memory

	/** A buffer's elements; {@code writer} and {@code reader} track programs while a kernel writes it. */
	private static final class Memory {
		final Buffer buffer;
		final long[] shape;
		final double[] data;
		int[] writer;
		int[] reader;

		Memory(Buffer buffer, long[] shape, double[] data) {
			this.buffer = buffer;
			this.shape = shape;
			this.data = data;
		}
	}

	/** A kernel argument: its buffer seen with the view's shape. */
	private record View(KernelArg arg, Memory memory, long[] shape, long[] strides) {
	}

	/** A tile value: its type (as defined) and its elements, row-major. */
	private record Tile(TileType type, double[] data) {
	}

	/** Values visible at a point of a kernel body: a loop body's scope sees the enclosing ones. */
	private static final class Scope {
		final Scope parent;
		final Map<Integer, Tile> values = new HashMap<>();

		Scope(Scope parent) {
			this.parent = parent;
		}

		Tile get(int id) {
			for (Scope s = this; s != null; s = s.parent) {
				Tile t = s.values.get(id);
				if (t != null) {
					return t;
				}
			}
			return null;
		}
	}

	/** A problem of one statement; {@link KernelRun#exec} adds where it happened. */
	private static final class Problem extends RuntimeException {
		private static final long serialVersionUID = 1L;

		Problem(String message) {
			super(message, null, false, false);
		}
	}

	// ------------------------------------------------------------------ kernels

	private static final class KernelRun {
		private final Kernel kernel;
		private final Map<String, View> views = new LinkedHashMap<>();
		private final long[] grid;
		private long[] pid;
		private int program;

		KernelRun(Kernel kernel, Map<String, Memory> memory, Map<String, Long> dims) {
			this.kernel = kernel;
			for (KernelArg a : kernel.args()) {
				String what = "kernel @" + kernel.name() + ": argument '" + a.name() + "'";
				Memory m = memory.get(a.buffer());
				if (m == null) {
					throw new TileInterpreterException(what + " views unknown buffer '" + a.buffer() + "'");
				}
				if (views.containsKey(a.name())) {
					throw new TileInterpreterException(what + " declared twice");
				}
				if (a.dtype() != m.buffer.dtype()) {
					throw new TileInterpreterException(what + " is " + a.dtype().sourceName() + " but buffer '" + a.buffer()
							+ "' is " + m.buffer.dtype().sourceName());
				}
				long[] shape = shape(a.shape(), dims, what);
				if (elements(shape, what) != m.data.length) {
					throw new TileInterpreterException(what + " views buffer '" + a.buffer() + "' of shape "
							+ Arrays.toString(m.shape) + " as " + Arrays.toString(shape) + " (" + dimsText(a.shape())
							+ "): the element counts differ");
				}
				views.put(a.name(), new View(a, m, shape, strides(shape)));
			}
			grid = new long[kernel.grid().size()];
			for (int g = 0; g < grid.length; g++) {
				Index extent = kernel.grid().get(g);
				try {
					grid[g] = extent.evaluate(leaf -> switch (leaf) {
						case Index.Extent e -> extent(e);
						default -> throw new Problem(Index.print(leaf) + " is not defined in a grid");
					});
				} catch (RuntimeException e) {
					throw new TileInterpreterException("kernel @" + kernel.name() + ": grid axis " + g + " ("
							+ Index.print(extent) + "): " + message(e), e);
				}
				if (grid[g] < 0) {
					throw new TileInterpreterException("kernel @" + kernel.name() + ": grid axis " + g + " ("
							+ Index.print(extent) + ") is " + grid[g]);
				}
			}
		}

		void run() {
			long programs = 1;
			for (long g : grid) {
				programs = Math.multiplyExact(programs, g);
			}
			if (programs > Integer.MAX_VALUE) {
				throw new TileInterpreterException("kernel @" + kernel.name() + ": grid " + Arrays.toString(grid) + " is too large");
			}
			for (View v : views.values()) {
				if (v.arg().output() && v.memory().writer == null) {
					v.memory().writer = new int[v.memory().data.length];
					v.memory().reader = new int[v.memory().data.length];
					Arrays.fill(v.memory().writer, -1);
					Arrays.fill(v.memory().reader, -1);
				}
			}
			try {
				for (program = 0; program < programs; program++) {
					pid = unravel(program, grid);
					inFlight.clear();
					exec(kernel.body(), new Scope(null), new LinkedHashMap<>());
				}
			} finally {
				for (View v : views.values()) {
					v.memory().writer = null;
					v.memory().reader = null;
				}
			}
		}

		/**
		 * The shared tiles of this program's asynchronous copies that no async_wait has completed yet,
		 * oldest first (the tiles themselves: a loop carries a copy's tile under other value ids).
		 */
		private final java.util.ArrayDeque<Tile> inFlight = new java.util.ArrayDeque<>();

		private void exec(List<Stmt> body, Scope scope, Map<String, Long> vars) {
			for (Stmt s : body) {
				try {
					step(s, scope, vars);
				} catch (TileInterpreterException e) {
					throw e;
				} catch (RuntimeException e) {
					String at = vars.isEmpty() ? ""
							: vars.entrySet().stream().map(v -> v.getKey() + " = " + v.getValue())
									.collect(Collectors.joining(", ", " (", ")"));
					throw new TileInterpreterException("kernel @" + kernel.name() + ", program " + Arrays.toString(pid) + at
							+ ": " + text(s) + ": " + message(e), e);
				}
			}
		}

		private void step(Stmt s, Scope scope, Map<String, Long> vars) {
			switch (s) {
				case Stmt.Load l -> define(scope, l.result(), load(l, vars));
				case Stmt.AsyncCopy a -> {
					define(scope, a.result(), load(new Stmt.Load(a.result(), a.arg(), a.access(), a.other(), a.range()), vars));
					inFlight.addLast(use(scope, a.result()));
				}
				case Stmt.AsyncWait w -> {
					while (inFlight.size() > w.pending()) {
						inFlight.removeFirst();
					}
				}
				case Stmt.Store st -> store(st, use(scope, st.value()), st.mask() == null ? null : use(scope, st.mask()), vars);
				case Stmt.Atomic at -> atomic(at, use(scope, at.value()), at.mask() == null ? null : use(scope, at.mask()), vars);
				case Stmt.Full f -> {
					double[] d = new double[size(f.result().type())];
					Arrays.fill(d, f.value());
					define(scope, f.result(), d);
				}
				case Stmt.Iota i -> {
					int[] shape = dims(i.result().type());
					if (i.axis() < 0 || i.axis() >= shape.length) {
						throw new Problem("axis " + i.axis() + " out of range for " + i.result().type());
					}
					long origin = index(i.origin(), vars);
					double[] d = new double[size(i.result().type())];
					forEachIndex(shape, (flat, idx) -> d[flat] = origin + idx[i.axis()]);
					define(scope, i.result(), d);
				}
				case Stmt.Scan sc -> {
					Tile x = use(scope, sc.x());
					int[] shape = dims(x.type());
					double[] d = x.data().clone();
					long stride = 1;
					for (int a = sc.axis() + 1; a < shape.length; a++) {
						stride *= shape[a];
					}
					long along = stride, n = shape[sc.axis()];
					DType dt = sc.result().type().dtype();
					forEachIndex(shape, (flat, idx) -> {
						if (idx[sc.axis()] > 0) {
							d[flat] = Elementwise.round(d[(int) (flat - along)] + d[flat], dt);
						}
					});
					define(scope, sc.result(), shape, d);
				}
				case Stmt.Random r -> {
					long seed = (long) use(scope, r.seed()).data()[0];
					double[] d = use(scope, r.offsets()).data().clone();
					boolean uniform = r.result().type().dtype() == DType.F32;
					for (int n = 0; n < d.length; n++) {
						long bits = dev.forge.compiler.interp.Philox.bits(seed, (long) d[n]);
						d[n] = uniform ? dev.forge.compiler.interp.Philox.uniform(bits) : bits;
					}
					define(scope, r.result(), dims(r.offsets().type()), d);
				}
				case Stmt.Unary u -> {
					double[] d = use(scope, u.x()).data().clone();
					for (int n = 0; n < d.length; n++) {
						d[n] = Elementwise.unary(u.kind(), d[n]);
					}
					define(scope, u.result(), dims(u.x().type()), d);
				}
				case Stmt.Binary b -> {
					Tile x = use(scope, b.lhs());
					Tile y = use(scope, b.rhs());
					int[] shape = broadcast(dims(x.type()), dims(y.type()));
					double[] p = expand(x, shape);
					double[] q = expand(y, shape);
					for (int n = 0; n < p.length; n++) {
						p[n] = Elementwise.binary(b.kind(), p[n], q[n]);
					}
					define(scope, b.result(), shape, p);
				}
				case Stmt.Select sel -> {
					Tile c = use(scope, sel.cond());
					Tile x = use(scope, sel.a());
					Tile y = use(scope, sel.b());
					int[] shape = broadcast(dims(c.type()), broadcast(dims(x.type()), dims(y.type())));
					double[] cond = expand(c, shape);
					double[] p = expand(x, shape);
					double[] q = expand(y, shape);
					for (int n = 0; n < p.length; n++) {
						p[n] = Double.isNaN(cond[n]) ? Double.NaN : cond[n] != 0 ? p[n] : q[n];
					}
					define(scope, sel.result(), shape, p);
				}
				case Stmt.Reduce r -> define(scope, r.result(), reduceShape(use(scope, r.x()), r.axis()),
						reduce(r, use(scope, r.x()), vars));
				case Stmt.Dot d -> dot(d, scope);
				case Stmt.Cast c -> define(scope, c.result(), dims(c.x().type()), use(scope, c.x()).data().clone());
				case Stmt.Reshape r -> {
					Tile x = use(scope, r.x());
					if (x.data().length != size(r.result().type())) {
						throw new Problem("reshape of " + x.type() + " to " + r.result().type() + " changes the element count");
					}
					define(scope, r.result(), x.data().clone());
				}
				case Stmt.Copy c -> {
					Tile source = use(scope, c.x());
					if (inFlight.stream().anyMatch(t -> t == source)) {
						throw new Problem("reads " + c.x() + " before its asynchronous copy completes (no async_wait since)");
					}
					define(scope, c.result(), use(scope, c.x()).data().clone());
				}
				case Stmt.Transpose t -> transpose(t, scope);
				case Stmt.For f -> loop(f, scope, vars);
				case Stmt.Barrier b -> {
				}
			}
		}

		// -------------------------------------------------------------- values

		private Tile use(Scope scope, TileValue v) {
			Tile t = scope.get(v.id());
			if (t == null) {
				throw new Problem(v + " is not defined here (used before its definition, or outside its loop)");
			}
			if (!t.type().equals(v.type())) {
				throw new Problem(v + " is used as " + v.type() + " but was defined as " + t.type());
			}
			return t;
		}

		/** Defines {@code v} as {@code data} computed with shape {@code shape}, rounded to v's dtype. */
		private void define(Scope scope, TileValue v, int[] shape, double[] data) {
			if (!Arrays.equals(shape, dims(v.type()))) {
				throw new Problem(v + " is declared " + v.type() + " but the statement gives shape " + Arrays.toString(shape));
			}
			define(scope, v, data);
		}

		private void define(Scope scope, TileValue v, double[] data) {
			if (scope.get(v.id()) != null) {
				throw new Problem(v + " is defined twice");
			}
			DType dtype = v.type().dtype();
			for (int n = 0; n < data.length; n++) {
				data[n] = round(data[n], dtype);
			}
			scope.values.put(v.id(), new Tile(v.type(), data));
		}

		// -------------------------------------------------------------- memory access

		private View view(String arg) {
			View v = views.get(arg);
			if (v == null) {
				throw new Problem("unknown argument '" + arg + "'");
			}
			return v;
		}

		/** The origin of each argument axis, after checking that the access fits the argument and tile. */
		private long[] origin(View v, Access access, int tileRank, Map<String, Long> vars) {
			if (access.rank() != v.shape().length) {
				throw new Problem("access to '" + v.arg().name() + "' has " + access.rank() + " indices for a rank-"
						+ v.shape().length + " argument");
			}
			boolean[] walked = new boolean[tileRank];
			long[] origin = new long[access.rank()];
			for (int a = 0; a < access.rank(); a++) {
				int t = access.tileAxis().get(a);
				if (t < -1 || t >= tileRank || (t >= 0 && walked[t])) {
					throw new Problem("access to '" + v.arg().name() + "': axis " + a + " maps to tile axis " + t
							+ " of a rank-" + tileRank + " tile");
				}
				if (t >= 0) {
					walked[t] = true;
				}
				origin[a] = index(access.origin().get(a), vars);
			}
			return origin;
		}

		/**
		 * The flat offset in the buffer of the element that tile position {@code idx} touches, or -1
		 * when it is outside the argument.
		 */
		private static long offset(View v, Access access, long[] origin, int[] idx) {
			long offset = 0;
			for (int a = 0; a < origin.length; a++) {
				int t = access.tileAxis().get(a);
				long i = origin[a] + (t >= 0 ? idx[t] : 0);
				if (i < 0 || i >= v.shape()[a]) {
					return -1;
				}
				offset += i * v.strides()[a];
			}
			return offset;
		}

		private double[] load(Stmt.Load l, Map<String, Long> vars) {
			View v = view(l.arg());
			int[] shape = dims(l.result().type());
			long[] origin = origin(v, l.access(), shape.length, vars);
			double[] d = new double[size(l.result().type())];
			forEachIndex(shape, (flat, idx) -> {
				long offset = offset(v, l.access(), origin, idx);
				d[flat] = offset < 0 ? l.other() : read(v.memory(), (int) offset);
			});
			return d;
		}

		private void store(Stmt.Store st, Tile value, Tile mask, Map<String, Long> vars) {
			View v = view(st.arg());
			if (!v.arg().output()) {
				throw new Problem("'" + st.arg() + "' is not an output argument");
			}
			int[] shape = dims(value.type());
			long[] origin = origin(v, st.access(), shape.length, vars);
			for (int t = 0; t < shape.length; t++) {
				if (shape[t] > 1 && !st.access().tileAxis().contains(t)) {
					throw new Problem("tile axis " + t + " of " + value.type() + " walks no axis of '" + st.arg()
							+ "': the store would write each element " + shape[t] + " times");
				}
			}
			DType dtype = v.arg().dtype();
			forEachIndex(shape, (flat, idx) -> {
				long offset = offset(v, st.access(), origin, idx);
				if (offset >= 0 && (mask == null || mask.data()[flat] != 0)) {
					write(v.memory(), (int) offset, round(value.data()[flat], dtype));
				}
			});
		}

		/** An atomic update: programs run one at a time here, so it is a read-modify-write that any program may do. */
		private void atomic(Stmt.Atomic at, Tile value, Tile mask, Map<String, Long> vars) {
			View v = view(at.arg());
			int[] shape = dims(value.type());
			long[] origin = origin(v, at.access(), shape.length, vars);
			DType dtype = v.arg().dtype();
			forEachIndex(shape, (flat, idx) -> {
				long offset = offset(v, at.access(), origin, idx);
				if (offset >= 0 && (mask == null || mask.data()[flat] != 0)) {
					double old = v.memory().data[(int) offset];
					double x = value.data()[flat];
					double next = switch (at.kind()) {
						case ADD -> old + x;
						case MAX -> Math.max(old, x);
						case MIN -> Math.min(old, x);
					};
					v.memory().data[(int) offset] = round(next, dtype);
				}
			});
		}

		private double read(Memory m, int offset) {
			if (m.writer != null) {
				int w = m.writer[offset];
				if (w >= 0 && w != program) {
					throw new Problem("reads element " + element(m, offset) + " of buffer '" + m.buffer.name()
							+ "', which program " + Arrays.toString(unravel(w, grid)) + " writes in this kernel");
				}
				int r = m.reader[offset];
				m.reader[offset] = r == -1 || r == program ? program : -2;
			}
			return m.data[offset];
		}

		private void write(Memory m, int offset, double value) {
			int w = m.writer[offset];
			if (w >= 0 && w != program) {
				throw new Problem("element " + element(m, offset) + " of buffer '" + m.buffer.name()
						+ "' is written by programs " + Arrays.toString(unravel(w, grid)) + " and " + Arrays.toString(pid));
			}
			int r = m.reader[offset];
			if (r != -1 && r != program) {
				throw new Problem("element " + element(m, offset) + " of buffer '" + m.buffer.name() + "' is read by "
						+ (r == -2 ? "several programs" : "program " + Arrays.toString(unravel(r, grid))) + " and written by "
						+ Arrays.toString(pid));
			}
			m.writer[offset] = program;
			m.data[offset] = value;
		}

		// -------------------------------------------------------------- computations

		private int[] reduceShape(Tile x, int axis) {
			int[] shape = dims(x.type());
			if (axis < 0 || axis >= shape.length) {
				throw new Problem("axis " + axis + " out of range for " + x.type());
			}
			shape[axis] = 1;
			return shape;
		}

		private double[] reduce(Stmt.Reduce r, Tile x, Map<String, Long> vars) {
			int[] shape = dims(x.type());
			int axis = r.axis();
			int outer = product(shape, 0, axis);
			int length = shape[axis];
			int inner = product(shape, axis + 1, shape.length);
			double init = switch (r.kind()) {
				case SUM, MEAN -> 0.0;
				case MAX -> Double.NEGATIVE_INFINITY;
				case MIN -> Double.POSITIVE_INFINITY;
			};
			long count = r.kind() == ReduceKind.MEAN ? index(r.count(), vars) : 1;
			if (count < 0) {
				throw new Problem("count " + Index.print(r.count()) + " is " + count);
			}
			double[] d = new double[outer * inner];
			for (int o = 0; o < outer; o++) {
				for (int i = 0; i < inner; i++) {
					double acc = init;
					for (int j = 0; j < length; j++) {
						double e = x.data()[(o * length + j) * inner + i];
						acc = switch (r.kind()) {
							case SUM, MEAN -> acc + e;
							case MAX -> Math.max(acc, e);
							case MIN -> Math.min(acc, e);
						};
					}
					if (r.kind() == ReduceKind.MEAN) {
						acc = count == 0 ? Double.NaN : acc / count;
					}
					d[o * inner + i] = acc;
				}
			}
			return d;
		}

		private void dot(Stmt.Dot dot, Scope scope) {
			Tile a = use(scope, dot.a());
			Tile b = use(scope, dot.b());
			Tile acc = use(scope, dot.acc());
			int[] sa = dims(a.type());
			int[] sb = dims(b.type());
			int[] sc = dims(acc.type());
			if (sa.length != 2 || sb.length != 2 || sc.length != 2 || sa[1] != sb[0] || sc[0] != sa[0] || sc[1] != sb[1]) {
				throw new Problem("dot of " + a.type() + " and " + b.type() + " into " + acc.type());
			}
			int m = sa[0];
			int k = sa[1];
			int n = sb[1];
			double[] d = new double[m * n];
			for (int i = 0; i < m; i++) {
				for (int j = 0; j < n; j++) {
					double s = acc.data()[i * n + j];
					for (int q = 0; q < k; q++) {
						s += a.data()[i * k + q] * b.data()[q * n + j];
					}
					d[i * n + j] = s;
				}
			}
			define(scope, dot.result(), sc, d);
		}

		private void transpose(Stmt.Transpose t, Scope scope) {
			Tile x = use(scope, t.x());
			int[] in = dims(x.type());
			List<Integer> perm = t.perm();
			List<Integer> sorted = new ArrayList<>(perm);
			sorted.sort(null);
			for (int i = 0; i < sorted.size(); i++) {
				if (sorted.get(i) != i) {
					sorted = null;
					break;
				}
			}
			if (sorted == null || perm.size() != in.length) {
				throw new Problem(perm + " is not a permutation of the axes of " + x.type());
			}
			int[] inStrides = rowMajor(in);
			int[] out = new int[in.length];
			int[] strides = new int[in.length];
			for (int i = 0; i < in.length; i++) {
				out[i] = in[perm.get(i)];
				strides[i] = inStrides[perm.get(i)];
			}
			define(scope, t.result(), out, gather(x.data(), out, strides));
		}

		private void loop(Stmt.For f, Scope scope, Map<String, Long> vars) {
			int n = f.carried().size();
			if (f.inits().size() != n || f.yielded().size() != n || f.results().size() != n) {
				throw new Problem("carried, inits, yielded and results differ in number");
			}
			if (f.step() <= 0) {
				throw new Problem("step must be positive, is " + f.step());
			}
			if (vars.containsKey(f.var())) {
				throw new Problem("loop variable '" + f.var() + "' shadows an enclosing one");
			}
			long lo = index(f.lo(), vars);
			long hi = index(f.hi(), vars);
			List<Tile> current = new ArrayList<>();
			for (int i = 0; i < n; i++) {
				Tile init = use(scope, f.inits().get(i));
				if (!init.type().equals(f.carried().get(i).type())) {
					throw new Problem(f.carried().get(i) + " is " + f.carried().get(i).type() + " but starts as " + init.type());
				}
				current.add(init);
			}
			for (long v = lo; v < hi; v = Math.addExact(v, f.step())) {
				Scope inner = new Scope(scope);
				for (int i = 0; i < n; i++) {
					inner.values.put(f.carried().get(i).id(), current.get(i));
				}
				Map<String, Long> innerVars = new LinkedHashMap<>(vars);
				innerVars.put(f.var(), v);
				exec(f.body(), inner, innerVars);
				List<Tile> next = new ArrayList<>();
				for (int i = 0; i < n; i++) {
					Tile y = use(inner, f.yielded().get(i));
					if (!y.type().equals(f.carried().get(i).type())) {
						throw new Problem("yields " + y.type() + " for " + f.carried().get(i) + " of " + f.carried().get(i).type());
					}
					next.add(y);
				}
				current = next;
			}
			for (int i = 0; i < n; i++) {
				TileValue r = f.results().get(i);
				if (!r.type().equals(f.carried().get(i).type())) {
					throw new Problem(r + " is declared " + r.type() + " but carries " + f.carried().get(i).type());
				}
				define(scope, r, current.get(i).data().clone());
			}
		}

		// -------------------------------------------------------------- indices and text

		private long index(Index index, Map<String, Long> vars) {
			try {
				return index.evaluate(leaf -> switch (leaf) {
					case Index.Extent e -> extent(e);
					case Index.ProgramId p -> {
						if (pid == null || p.axis() < 0 || p.axis() >= pid.length) {
							throw new Problem("no grid axis for " + Index.print(p));
						}
						yield pid[p.axis()];
					}
					case Index.LoopVar v -> {
						Long value = vars.get(v.name());
						if (value == null) {
							throw new Problem("loop variable '" + v.name() + "' is not defined here");
						}
						yield value;
					}
					default -> throw new IllegalStateException("not a leaf: " + leaf);
				});
			} catch (ArithmeticException e) {
				throw new Problem("index " + Index.print(index) + ": " + e.getMessage());
			}
		}

		private long extent(Index.Extent e) {
			View v = views.get(e.arg());
			if (v == null || e.axis() < 0 || e.axis() >= v.shape().length) {
				throw new Problem("no extent " + Index.print(e));
			}
			return v.shape()[e.axis()];
		}

		/** The statement's line of the text form (a {@code for} without its body). */
		private String text(Stmt s) {
			try {
				Kernel alone = new Kernel(kernel.name(), kernel.args(), List.of(), List.of(s), "", SourceRange.NONE);
				return TilePrinter.print(alone).lines().skip(1).map(String::strip).filter(l -> !l.startsWith("//")).findFirst()
						.orElseThrow();
			} catch (RuntimeException e) {
				return Stmt.mnemonic(s);
			}
		}
	}

	// ------------------------------------------------------------------ helpers

	private static double round(double x, DType dtype) {
		return Double.isNaN(x) ? x : Elementwise.round(x, dtype);
	}

	private static String message(RuntimeException e) {
		return e instanceof Problem ? e.getMessage() : e.toString();
	}

	private static long[] shape(List<Dim> dims, Map<String, Long> values, String what) {
		long[] out = new long[dims.size()];
		for (int i = 0; i < out.length; i++) {
			out[i] = dim(dims.get(i), values, what);
			if (out[i] < 0) {
				throw new TileInterpreterException(what + ": dim " + dims.get(i) + " is negative: " + out[i]);
			}
		}
		return out;
	}

	private static long dim(Dim d, Map<String, Long> values, String what) {
		OptionalLong v;
		try {
			v = d.evaluate(values);
		} catch (ArithmeticException e) {
			throw new TileInterpreterException(what + ": dim " + d + ": " + e.getMessage());
		}
		if (v.isEmpty()) {
			throw new TileInterpreterException(what + ": dim " + d + " is not bound (bind " + d.symbols() + ")");
		}
		return v.getAsLong();
	}

	private static int elements(long[] shape, String what) {
		long n = 1;
		for (long s : shape) {
			n *= s;
			if (n > MAX_ELEMENTS) {
				throw new TileInterpreterException(what + ": " + Arrays.toString(shape) + " is too large for the interpreter");
			}
		}
		return (int) n;
	}

	private static String dimsText(List<Dim> dims) {
		return dims.stream().map(Dim::toString).collect(Collectors.joining(",", "[", "]"));
	}

	private static int size(TileType t) {
		long n = t.elements();
		if (n < 0 || n > MAX_ELEMENTS) {
			throw new Problem("tile " + t + " is too large for the interpreter");
		}
		return (int) n;
	}

	private static int[] dims(TileType t) {
		int[] d = new int[t.rank()];
		for (int i = 0; i < d.length; i++) {
			d[i] = t.shape().get(i);
			if (d[i] < 0) {
				throw new Problem("tile " + t + " has a negative size");
			}
		}
		return d;
	}

	private static long[] strides(long[] shape) {
		long[] s = new long[shape.length];
		long acc = 1;
		for (int i = shape.length - 1; i >= 0; i--) {
			s[i] = acc;
			acc *= shape[i];
		}
		return s;
	}

	private static int[] rowMajor(int[] shape) {
		int[] s = new int[shape.length];
		int acc = 1;
		for (int i = shape.length - 1; i >= 0; i--) {
			s[i] = acc;
			acc *= shape[i];
		}
		return s;
	}

	private static int product(int[] shape, int from, int to) {
		int p = 1;
		for (int i = from; i < to; i++) {
			p *= shape[i];
		}
		return p;
	}

	/** The multi-index of flat position {@code flat} in row-major order of {@code shape}. */
	private static long[] unravel(long flat, long[] shape) {
		long[] idx = new long[shape.length];
		for (int i = shape.length - 1; i >= 0; i--) {
			idx[i] = flat % shape[i];
			flat /= shape[i];
		}
		return idx;
	}

	private static String element(Memory m, int offset) {
		return Arrays.toString(unravel(offset, m.shape));
	}

	/** The shape two tiles of one rank broadcast to (size-1 axes stretch). */
	private static int[] broadcast(int[] a, int[] b) {
		if (a.length != b.length) {
			throw new Problem("operands of shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " differ in rank");
		}
		int[] out = new int[a.length];
		for (int i = 0; i < a.length; i++) {
			if (a[i] != b[i] && a[i] != 1 && b[i] != 1) {
				throw new Problem("operands of shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
			}
			out[i] = a[i] == 1 ? b[i] : a[i];
		}
		return out;
	}

	/** The elements of {@code t} broadcast to {@code shape} (same rank), row-major. */
	private static double[] expand(Tile t, int[] shape) {
		int[] in = dims(t.type());
		int[] strides = rowMajor(in);
		for (int i = 0; i < in.length; i++) {
			if (in[i] != shape[i]) {
				strides[i] = 0;
			}
		}
		return gather(t.data(), shape, strides);
	}

	/** Reads the elements of {@code shape} in row-major order from {@code src}, stepping by {@code strides}. */
	private static double[] gather(double[] src, int[] shape, int[] strides) {
		double[] d = new double[product(shape, 0, shape.length)];
		forEachIndex(shape, (flat, idx) -> {
			int offset = 0;
			for (int i = 0; i < idx.length; i++) {
				offset += idx[i] * strides[i];
			}
			d[flat] = src[offset];
		});
		return d;
	}

	@FunctionalInterface
	private interface IndexConsumer {
		void accept(int flat, int[] idx);
	}

	/** Calls {@code body} for every position of {@code shape} in row-major order. */
	private static void forEachIndex(int[] shape, IndexConsumer body) {
		int n = product(shape, 0, shape.length);
		int[] idx = new int[shape.length];
		for (int flat = 0; flat < n; flat++) {
			body.accept(flat, idx);
			for (int i = shape.length - 1; i >= 0; i--) {
				if (++idx[i] < shape[i]) {
					break;
				}
				idx[i] = 0;
			}
		}
	}
}
