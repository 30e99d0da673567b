package dev.forge.compiler.tile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.forge.types.DType;
import dev.forge.types.Dim;

/**
 * Checks that a Tile IR function is well formed and returns the problems (empty when it is); never
 * throws. Single assignment, definition before use (a loop body's values are not visible after
 * it), every result type equal to its statement's shape rule, accesses that fit their arguments,
 * indices over names that exist, and every output written. A kernel spread over threads gives
 * every value a layout that fits it: a blocked layout of the value's rank whose lanes and warps
 * multiply to the kernel's, on a register tile; a swizzle that stays within the row, on a shared one.
 */
public final class TileVerifier {

	private final List<String> problems = new ArrayList<>();
	private Kernel kernel;

	private TileVerifier() {
	}

	public static List<String> verify(TileFunction function) {
		TileVerifier v = new TileVerifier();
		v.function(function);
		return v.problems;
	}

	private void function(TileFunction f) {
		Set<String> names = new HashSet<>();
		for (Buffer b : f.buffers()) {
			if (!names.add(b.name())) {
				problems.add("buffer '" + b.name() + "' declared twice");
			}
			if (b.role() == Buffer.Role.DIM && (b.dim() == null || !b.shape().isEmpty())) {
				problems.add("dim buffer '" + b.name() + "' must be a scalar with a dim");
			}
		}
		Set<String> written = new HashSet<>();
		for (Kernel k : f.kernels()) {
			kernel = k;
			kernel(f, k, written);
		}
		for (Buffer b : f.buffers(Buffer.Role.OUTPUT)) {
			if (!written.contains(b.name())) {
				problems.add("output '" + b.name() + "' is never written");
			}
		}
	}

	private void kernel(TileFunction f, Kernel k, Set<String> written) {
		Set<String> argNames = new HashSet<>();
		for (KernelArg a : k.args()) {
			if (!argNames.add(a.name())) {
				problem("argument '" + a.name() + "' declared twice");
			}
			Buffer b = f.buffer(a.buffer());
			if (b == null) {
				problem("argument '" + a.name() + "' views unknown buffer '" + a.buffer() + "'");
				continue;
			}
			if (b.dtype() != a.dtype()) {
				problem("argument '" + a.name() + "' is " + a.dtype().sourceName() + " but buffer '" + b.name() + "' is "
						+ b.dtype().sourceName());
			}
			Dim viewCount = product(a.shape());
			Dim bufferCount = product(b.shape());
			// A view splitting D//heads cannot be proven equal symbolically; the runner checks it.
			if (!viewCount.hasFloorDiv() && !bufferCount.hasFloorDiv() && !viewCount.equals(bufferCount)) {
				problem("argument '" + a.name() + "' has " + viewCount + " elements but buffer '" + b.name() + "' has "
						+ bufferCount);
			}
			if (a.output()) {
				written.add(a.buffer());
				if (b.role() == Buffer.Role.INPUT || b.role() == Buffer.Role.DIM) {
					problem("argument '" + a.name() + "' writes read-only buffer '" + b.name() + "'");
				}
			}
		}
		for (Index g : k.grid()) {
			index(g, Set.of());
		}
		Map<Integer, TileType> types = new HashMap<>();
		body(k.body(), types, new HashSet<>());
		layouts(k);
	}

	private void layouts(Kernel k) {
		Threads t = k.threads();
		if (t.warps() < 1 || t.lanes() < 1) {
			problem("threads " + t.warps() + " x " + t.lanes() + " must be at least 1 x 1");
		}
		if (t.lanes() == 1 && t.layouts().isEmpty()) {
			return;
		}
		for (Stmt s : Stmt.flatten(k.body())) {
			for (TileValue v : Stmt.defined(s)) {
				layout(v, t);
			}
		}
	}

	private void layout(TileValue v, Threads t) {
		Layout l = t.of(v);
		TileType type = v.type();
		String where = v + " " + type + ": ";
		switch (l) {
			case null -> problem(where + "has no layout in a kernel of " + t.warps() + " x " + t.lanes() + " threads");
			case Layout.Replicated r -> {
				if (type.rank() != 0) {
					problem(where + "only a scalar is replicated in every thread");
				}
			}
			case Layout.Blocked b -> {
				if (type.space() != TileType.Space.REGISTERS) {
					problem(where + "a blocked layout is for register tiles");
				}
				if (b.rank() != type.rank() || b.lanes().size() != type.rank() || b.warps().size() != type.rank()
						|| !isPermutation(b.order(), type.rank())) {
					problem(where + "layout " + b + " does not fit rank " + type.rank());
				} else if (LayoutMap.product(b.lanes()) != t.lanes() || LayoutMap.product(b.warps()) != t.warps()) {
					problem(where + "layout " + b + " spreads over " + LayoutMap.product(b.warps()) + " x " + LayoutMap.product(b.lanes())
							+ " threads, the kernel has " + t.warps() + " x " + t.lanes());
				} else if (b.perThread().stream().anyMatch(x -> x < 1)) {
					problem(where + "layout " + b + " gives a thread no elements");
				}
			}
			case Layout.Mma m -> tensorCore(where, type, m, t, 16 * m.warps().get(0), 8 * m.warps().get(1));
			// A: [m, k] split along m; B: [k, n] split along n (every warp of the other axis holds a copy).
			case Layout.DotOperand o when o.operand() == 0 -> tensorCore(where, type, o.parent(), t, 16 * o.parent().warps().get(0), 16);
			case Layout.DotOperand o -> tensorCore(where, type, o.parent(), t, 16, 8 * o.parent().warps().get(1));
			case Layout.Swizzled sw -> {
				if (type.space() != TileType.Space.SHARED) {
					problem(where + "a swizzled layout is for shared tiles");
				}
				if (!isPermutation(sw.order(), type.rank())) {
					problem(where + "layout " + sw + " does not fit rank " + type.rank());
				} else if (sw.maxPhase() > 1 && (type.rank() < 2 || Integer.bitCount(sw.maxPhase()) != 1
						|| Integer.bitCount(sw.vector()) != 1 || sw.perPhase() < 1
						|| type.shape().get(sw.order().get(0)) % (sw.vector() * sw.maxPhase()) != 0)) {
					problem(where + "swizzle " + sw + " does not stay within a row of " + type.shape().get(sw.order().get(0)));
				}
			}
		}
	}

	/** A register tile in a tensor-core layout: 2-D, its extents multiples of what the warps' instruction tiles cover. */
	private void tensorCore(String where, TileType type, Layout.Mma m, Threads t, int unit0, int unit1) {
		List<Integer> sh = type.shape();
		if (type.space() != TileType.Space.REGISTERS || sh.size() != 2 || m.warps().size() != 2) {
			problem(where + "a tensor-core layout is for 2-D register tiles");
		} else if (m.warps().get(0) * m.warps().get(1) != t.warps()) {
			problem(where + "layout " + m + " does not spread over the kernel's " + t.warps() + " warps");
		} else if (sh.get(0) % unit0 != 0 || sh.get(1) % unit1 != 0) {
			problem(where + "layout " + m + " needs extents that are multiples of " + unit0 + " x " + unit1);
		}
	}

	private static boolean isPermutation(List<Integer> order, int rank) {
		return order.size() == rank && new HashSet<>(order).equals(new HashSet<>(range(rank)));
	}

	private void body(List<Stmt> stmts, Map<Integer, TileType> scope, Set<String> loopVars) {
		for (Stmt s : stmts) {
			switch (s) {
				case Stmt.For f -> {
					index(f.lo(), loopVars);
					index(f.hi(), loopVars);
					if (f.step() <= 0) {
						problem("for " + f.var() + ": step must be positive");
					}
					if (f.carried().size() != f.inits().size() || f.carried().size() != f.yielded().size()
							|| f.carried().size() != f.results().size()) {
						problem("for " + f.var() + ": carried, inits, yielded and results differ in number");
						continue;
					}
					Map<Integer, TileType> inner = new HashMap<>(scope);
					for (int i = 0; i < f.carried().size(); i++) {
						TileType init = use(f.inits().get(i), scope);
						if (init != null && !init.equals(f.carried().get(i).type())) {
							problem("for " + f.var() + ": " + f.carried().get(i) + " is " + f.carried().get(i).type()
									+ " but starts as " + init);
						}
						define(f.carried().get(i), inner);
					}
					Set<String> innerVars = new HashSet<>(loopVars);
					if (!innerVars.add(f.var())) {
						problem("loop variable '" + f.var() + "' shadows an enclosing one");
					}
					body(f.body(), inner, innerVars);
					for (int i = 0; i < f.yielded().size(); i++) {
						TileType y = use(f.yielded().get(i), inner);
						if (y != null && !y.equals(f.carried().get(i).type())) {
							problem("for " + f.var() + ": yields " + y + " for " + f.carried().get(i) + " of "
									+ f.carried().get(i).type());
						}
					}
					// Ids are unique across the kernel, so the body's values stay reserved.
					for (Map.Entry<Integer, TileType> e : inner.entrySet()) {
						scope.putIfAbsent(e.getKey(), null);
					}
					for (int i = 0; i < f.results().size(); i++) {
						expect(f.results().get(i), f.carried().get(i).type(), s);
						define(f.results().get(i), scope);
					}
				}
				case Stmt.Store st -> {
					TileType v = use(st.value(), scope);
					KernelArg a = kernel.arg(st.arg());
					if (a != null && !a.output()) {
						problem("store to '" + st.arg() + "', which is not an output argument");
					}
					if (v != null) {
						access(st.arg(), st.access(), v, loopVars);
						if (a != null && a.dtype() != v.dtype()) {
							problem("store of " + v + " to " + a.dtype().sourceName() + " argument '" + a.name() + "'");
						}
					}
					if (st.mask() != null) {
						TileType m = use(st.mask(), scope);
						if (m != null && v != null && (m.dtype() != DType.BOOL || !m.shape().equals(v.shape()) || m.space() != TileType.Space.REGISTERS)) {
							problem("store mask " + st.mask() + " " + m + " must be a bool register tile of the value's shape " + v);
						}
					}
				}
				case Stmt.Atomic at -> {
					TileType v = use(at.value(), scope);
					KernelArg a = kernel.arg(at.arg());
					if (a != null && !a.output()) {
						problem(Stmt.mnemonic(at) + " on '" + at.arg() + "', which is not an output argument");
					}
					if (v != null) {
						access(at.arg(), at.access(), v, loopVars);
						if (a != null && a.dtype() != v.dtype()) {
							problem(Stmt.mnemonic(at) + " of " + v + " on " + a.dtype().sourceName() + " argument '" + a.name() + "'");
						}
						if (!java.util.Set.of(DType.F32, DType.F64, DType.I32, DType.I64).contains(v.dtype())) {
							problem(Stmt.mnemonic(at) + " of " + v + ": atomics take f32, f64, i32 or i64");
						}
					}
					if (at.mask() != null) {
						TileType m = use(at.mask(), scope);
						if (m != null && v != null && (m.dtype() != DType.BOOL || !m.shape().equals(v.shape()))) {
							problem(Stmt.mnemonic(at) + " mask " + at.mask() + " " + m + " must be a bool tile of the value's shape " + v);
						}
					}
				}
				case Stmt.Barrier b -> {
				}
				case Stmt.AsyncWait w -> {
					if (w.pending() < 0) {
						problem("async_wait " + w.pending() + ": a negative number of copies in flight");
					}
				}
				case Stmt.Def d -> {
					List<TileType> operands = new ArrayList<>();
					for (TileValue o : d.operands()) {
						operands.add(use(o, scope));
					}
					if (!operands.contains(null)) {
						TileType expected = rule(d, operands, loopVars);
						if (expected != null) {
							expect(d.result(), expected, d);
						}
					}
					define(d.result(), scope);
				}
			}
		}
	}

	/** The result type the statement's rule gives, or null (with a problem) when the operands do not fit. */
	private TileType rule(Stmt.Def d, List<TileType> in, Set<String> loopVars) {
		return switch (d) {
			case Stmt.AsyncCopy a -> {
				access(a.arg(), a.access(), a.result().type(), loopVars);
				KernelArg arg = kernel.arg(a.arg());
				if (a.result().type().space() != TileType.Space.SHARED) {
					problem(d.result() + ": an asynchronous copy writes a shared tile");
				}
				yield arg == null ? null : a.result().type().withDType(arg.dtype());
			}
			case Stmt.Load l -> {
				access(l.arg(), l.access(), l.result().type(), loopVars);
				KernelArg a = kernel.arg(l.arg());
				yield a == null ? null : l.result().type().withDType(a.dtype());
			}
			case Stmt.Full f -> f.result().type();
			case Stmt.Iota i -> {
				index(i.origin(), loopVars);
				if (i.axis() < 0 || i.axis() >= i.result().type().rank() || !i.result().type().dtype().isInteger()) {
					problem(d.result() + ": iota needs an axis of its integer tile");
				}
				yield i.result().type();
			}
			case Stmt.Random r -> {
				DType out = r.result().type().dtype();
				if (!in.get(0).dtype().isInteger() || !in.get(1).dtype().isInteger() || (out != DType.F32 && out != DType.I64)
						|| in.get(0).shape().stream().anyMatch(n -> n != 1) || in.get(0).rank() != in.get(1).rank()) {
					problem(d.result() + ": random numbers need an integer seed of size-1 axes and integer offsets of its rank, into f32 or i64");
				}
				yield in.get(1).withDType(out);
			}
			case Stmt.Scan sc -> {
				if (sc.axis() < 0 || sc.axis() >= in.get(0).rank() || in.get(0).dtype() == DType.BOOL) {
					problem(d.result() + ": cumsum needs an axis of its numeric tile " + in.get(0));
				}
				yield in.get(0);
			}
			case Stmt.Unary u -> in.get(0);
			case Stmt.Binary b -> {
				if (in.get(0).dtype() != in.get(1).dtype()) {
					problem(d.result() + ": operands are " + in.get(0) + " and " + in.get(1));
					yield null;
				}
				if (b.kind().isBitwise() && !in.get(0).dtype().isInteger()) {
					problem(d.result() + ": " + b.kind().mnemonic() + " needs integer operands, not " + in.get(0));
				}
				TileType t = broadcast(d, in.get(0), in.get(1));
				yield t == null ? null : b.kind().isComparison() ? t.withDType(DType.BOOL) : t;
			}
			case Stmt.Select s -> {
				if (in.get(0).dtype() != DType.BOOL || in.get(1).dtype() != in.get(2).dtype()) {
					problem(d.result() + ": select needs a bool condition and operands of one dtype");
					yield null;
				}
				TileType ab = broadcast(d, in.get(1), in.get(2));
				TileType all = ab == null ? null : broadcast(d, in.get(0).withDType(ab.dtype()), ab);
				yield all;
			}
			case Stmt.Reduce r -> {
				if (r.axis() < 0 || r.axis() >= in.get(0).rank()) {
					problem(d.result() + ": axis " + r.axis() + " out of range for " + in.get(0));
					yield null;
				}
				index(r.count(), loopVars);
				List<Integer> shape = new ArrayList<>(in.get(0).shape());
				shape.set(r.axis(), 1);
				yield in.get(0).withShape(shape);
			}
			case Stmt.Dot dot -> {
				TileType a = in.get(0);
				TileType b = in.get(1);
				TileType acc = in.get(2);
				if (a.rank() != 2 || b.rank() != 2 || acc.rank() != 2 || !a.shape().get(1).equals(b.shape().get(0))
						|| !acc.shape().equals(List.of(a.shape().get(0), b.shape().get(1))) || a.dtype() != b.dtype()) {
					problem(d.result() + ": dot of " + a + " and " + b + " into " + acc);
					yield null;
				}
				yield acc;
			}
			case Stmt.Cast c -> in.get(0).withDType(c.result().type().dtype());
			case Stmt.Reshape r -> {
				if (in.get(0).elements() != r.result().type().elements()) {
					problem(d.result() + ": reshape of " + in.get(0) + " to " + r.result().type());
					yield null;
				}
				yield in.get(0).withShape(r.result().type().shape());
			}
			case Stmt.Copy c -> new TileType(in.get(0).shape(), in.get(0).dtype(), c.result().type().space());
			case Stmt.Transpose t -> {
				List<Integer> sorted = new ArrayList<>(t.perm());
				sorted.sort(null);
				if (t.perm().size() != in.get(0).rank() || !sorted.equals(range(in.get(0).rank()))) {
					problem(d.result() + ": " + t.perm() + " is not a permutation of the axes of " + in.get(0));
					yield null;
				}
				List<Integer> shape = new ArrayList<>();
				for (int p : t.perm()) {
					shape.add(in.get(0).shape().get(p));
				}
				yield in.get(0).withShape(shape);
			}
		};
	}

	private TileType broadcast(Stmt.Def d, TileType a, TileType b) {
		if (a.rank() != b.rank()) {
			problem(d.result() + ": operands " + a + " and " + b + " differ in rank");
			return null;
		}
		List<Integer> shape = new ArrayList<>();
		for (int i = 0; i < a.rank(); i++) {
			int x = a.shape().get(i);
			int y = b.shape().get(i);
			if (x != y && x != 1 && y != 1) {
				problem(d.result() + ": operands " + a + " and " + b + " do not broadcast");
				return null;
			}
			shape.add(Math.max(x, y));
		}
		return a.withShape(shape);
	}

	private void access(String arg, Access access, TileType tile, Set<String> loopVars) {
		KernelArg a = kernel.arg(arg);
		if (a == null) {
			problem("unknown argument '" + arg + "'");
			return;
		}
		if (access.rank() != a.rank()) {
			problem("access to '" + arg + "' has " + access.rank() + " indices for a rank-" + a.rank() + " argument");
			return;
		}
		Set<Integer> walked = new HashSet<>();
		for (int i = 0; i < access.rank(); i++) {
			index(access.origin().get(i), loopVars);
			int t = access.tileAxis().get(i);
			if (t < -1 || t >= tile.rank() || (t >= 0 && !walked.add(t))) {
				problem("access to '" + arg + "': axis " + i + " maps to tile axis " + t + " of " + tile);
			}
		}
	}

	private void index(Index index, Set<String> loopVars) {
		switch (index) {
			case Index.Const c -> {
			}
			case Index.Extent e -> {
				KernelArg a = kernel.arg(e.arg());
				if (a == null || e.axis() < 0 || e.axis() >= a.rank()) {
					problem("no extent " + Index.print(e));
				}
			}
			case Index.ProgramId p -> {
				if (p.axis() < 0 || p.axis() >= kernel.grid().size()) {
					problem("no grid axis for " + Index.print(p));
				}
			}
			case Index.LoopVar v -> {
				if (!loopVars.contains(v.name())) {
					problem("loop variable '" + v.name() + "' used outside its loop");
				}
			}
			case Index.Binary b -> {
				index(b.lhs(), loopVars);
				index(b.rhs(), loopVars);
			}
		}
	}

	private TileType use(TileValue v, Map<Integer, TileType> scope) {
		if (!scope.containsKey(v.id()) || scope.get(v.id()) == null) {
			problem(v + " used before its definition (or outside its loop)");
			return null;
		}
		TileType t = scope.get(v.id());
		if (!t.equals(v.type())) {
			problem(v + " used as " + v.type() + " but defined as " + t);
		}
		return t;
	}

	private void define(TileValue v, Map<Integer, TileType> scope) {
		if (scope.containsKey(v.id())) {
			problem(v + " defined twice");
		}
		scope.put(v.id(), v.type());
	}

	private void expect(TileValue result, TileType expected, Stmt s) {
		if (!result.type().equals(expected)) {
			problem(result + " = " + Stmt.mnemonic(s) + ": declared " + result.type() + " but the rule gives " + expected);
		}
	}

	private void problem(String message) {
		problems.add("kernel @" + kernel.name() + ": " + message);
	}

	private static Dim product(List<Dim> dims) {
		Dim p = Dim.ONE;
		for (Dim d : dims) {
			p = p.times(d);
		}
		return p;
	}

	private static List<Integer> range(int n) {
		List<Integer> r = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			r.add(i);
		}
		return r;
	}
}
