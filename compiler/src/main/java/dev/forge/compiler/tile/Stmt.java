package dev.forge.compiler.tile;

import java.util.ArrayList;
import java.util.List;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.compiler.graph.SourceRange;

/**
 * One statement of a kernel body. Most define one tile value ({@link Def}); {@link Store},
 * {@link For} and {@link Barrier} are the others. Immutable. The shape rules are in
 * {@link TileVerifier}; the numeric meaning in {@link TileInterpreter}.
 */
public sealed interface Stmt {

	SourceRange range();

	/** A statement that defines exactly one tile value from its operands. */
	sealed interface Def extends Stmt {
		TileValue result();

		List<TileValue> operands();
	}

	/** Reads a tile of the result's shape from argument {@code arg}; out-of-bounds elements read {@code other}. */
	record Load(TileValue result, String arg, Access access, double other, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of();
		}
	}

	/**
	 * Writes {@code value} to argument {@code arg}; out-of-bounds elements are skipped, and so are the
	 * elements where {@code mask} (a bool tile of the value's shape, or null: none) is false.
	 */
	record Store(String arg, Access access, TileValue value, TileValue mask, SourceRange range) implements Stmt {
		/** A store of every element (inside the argument's bounds). */
		public Store(String arg, Access access, TileValue value, SourceRange range) {
			this(arg, access, value, null, range);
		}

		/** The tiles the store reads: the value, and the mask when it has one. */
		public List<TileValue> operands() {
			return mask == null ? List.of(value) : List.of(value, mask);
		}
	}

	/**
	 * Counter-based random numbers ({@code interp.Philox}): element i is drawn from {@code seed} (an
	 * integer tile of size-1 axes) and {@code offsets[i]} (an integer tile). An f32 result holds
	 * uniforms in [0, 1), an i64 result the random 32-bit words. The same seed and offsets always give
	 * the same numbers, on every backend.
	 */
	record Random(TileValue result, TileValue seed, TileValue offsets, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of(seed, offsets);
		}
	}

	/** The inclusive cumulative sum of {@code x} along {@code axis}: element i is the sum of elements 0..i. */
	record Scan(TileValue result, TileValue x, int axis, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of(x);
		}
	}

	/** What an {@link Atomic} does to each element: old + value, max(old, value), min(old, value). */
	enum AtomicKind {
		ADD, MAX, MIN
	}

	/**
	 * Updates argument {@code arg} element by element, each update atomic (relaxed: no ordering with
	 * other memory accesses; the kernel's end orders them), so that programs may update the same
	 * elements: {@code arg[i] = kind(arg[i], value[i])} where {@code mask} (null: everywhere) holds,
	 * out-of-bounds elements skipped. An output that atomics update starts at zero.
	 */
	record Atomic(AtomicKind kind, String arg, Access access, TileValue value, TileValue mask, SourceRange range) implements Stmt {
		/** The tiles the update reads: the value, and the mask when it has one. */
		public List<TileValue> operands() {
			return mask == null ? List.of(value) : List.of(value, mask);
		}
	}

	/** A tile with every element {@code value}. */
	record Full(TileValue result, double value, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of();
		}
	}

	/** Element i (along {@code axis}) is {@code origin + i}: the global coordinates of a tile, for masks. */
	record Iota(TileValue result, int axis, Index origin, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of();
		}
	}

	/** Elementwise {@code kind(x)}. */
	record Unary(UnaryKind kind, TileValue result, TileValue x, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of(x);
		}
	}

	/** Elementwise with broadcasting of size-1 axes (both operands have the result's rank and dtype). */
	record Binary(BinaryKind kind, TileValue result, TileValue lhs, TileValue rhs, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of(lhs, rhs);
		}
	}

	/** Elementwise {@code cond ? a : b} with broadcasting; {@code cond} is bool. */
	record Select(TileValue result, TileValue cond, TileValue a, TileValue b, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of(cond, a, b);
		}
	}

	/** Reduces {@code axis}, keeping it with size 1. MEAN divides by {@code count}, the length of the whole reduction. */
	record Reduce(ReduceKind kind, TileValue result, TileValue x, int axis, Index count, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of(x);
		}
	}

	/** {@code acc + a @ b}: [M,K] x [K,N] + [M,N], products and sums in the accumulator's dtype. */
	record Dot(TileValue result, TileValue a, TileValue b, TileValue acc, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of(a, b, acc);
		}
	}

	/**
	 * The same tile in the result's space: a register tile written to shared memory, or a shared
	 * tile read into registers (on a GPU each thread moves the elements its layout gives it).
	 */
	record Copy(TileValue result, TileValue x, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of(x);
		}
	}

	/** The same values in the result's dtype (round to nearest even). */
	record Cast(TileValue result, TileValue x, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of(x);
		}
	}

	/** The same elements in row-major order with the result's shape (adds or drops size-1 axes, flattens). */
	record Reshape(TileValue result, TileValue x, SourceRange range) implements Def {
		public List<TileValue> operands() {
			return List.of(x);
		}
	}

	/** Result axis i is axis {@code perm[i]} of x. */
	record Transpose(TileValue result, TileValue x, List<Integer> perm, SourceRange range) implements Def {
		public Transpose {
			perm = List.copyOf(perm);
		}

		public List<TileValue> operands() {
			return List.of(x);
		}
	}

	/**
	 * {@code for var in range(lo, hi, step)}: {@code carried} start as {@code inits}, the body's
	 * {@code yielded} values become the next iteration's {@code carried}, and the last ones the
	 * loop's {@code results} (the {@code inits} when it runs zero times).
	 */
	record For(String var, Index lo, Index hi, long step, List<TileValue> carried, List<TileValue> inits,
			List<Stmt> body, List<TileValue> yielded, List<TileValue> results, SourceRange range) implements Stmt {
		/**
		 * 1 + how many carried values this loop passes {@code v} (a value defined in its body) through
		 * before it dies: how many copies of a shared definition are alive at once, the length of the
		 * ring of regions it needs (the stages of a software pipeline).
		 */
		public int ringLength(TileValue v) {
			int ring = 1;
			TileValue current = v;
			for (int guard = 0; guard <= yielded.size(); guard++) {
				int at = yielded.indexOf(current);
				if (at < 0) {
					break;
				}
				ring++;
				current = carried.get(at);
			}
			return ring;
		}

		/** This loop with another body (the same carried values, yields and results). */
		public For withBody(List<Stmt> newBody) {
			return new For(var, lo, hi, step, carried, inits, newBody, yielded, results, range);
		}

		public For {
			carried = List.copyOf(carried);
			inits = List.copyOf(inits);
			body = List.copyOf(body);
			yielded = List.copyOf(yielded);
			results = List.copyOf(results);
		}
	}

	/**
	 * Starts copying a tile of argument {@code arg} into a new shared tile, as {@link Load} reads it
	 * (out-of-bounds elements {@code other}). The tile may be read only after an {@link AsyncWait}
	 * that leaves fewer copies in flight than were issued after it. {@code bulk}: on chips with the
	 * Tensor Memory Accelerator one thread issues the whole copy (cp.async.bulk.tensor, completing on
	 * an mbarrier that the readers wait on) where the argument's strides allow it at run time.
	 */
	record AsyncCopy(TileValue result, String arg, Access access, double other, boolean bulk, SourceRange range) implements Def {
		public AsyncCopy(TileValue result, String arg, Access access, double other, SourceRange range) {
			this(result, arg, access, other, false, range);
		}

		public List<TileValue> operands() {
			return List.of();
		}

		public AsyncCopy asBulk() {
			return new AsyncCopy(result, arg, access, other, true, range);
		}
	}

	/**
	 * Waits until at most {@code pending} of the asynchronous copies issued before are in flight
	 * (they complete in the order issued), then makes what the completed ones wrote visible to every
	 * thread of the program.
	 */
	record AsyncWait(int pending, SourceRange range) implements Stmt {
	}

	/** All threads of the program wait here (shared tiles written before are visible after). No-op on the host. */
	record Barrier(SourceRange range) implements Stmt {
	}

	/** The mnemonic of a statement in the text form. */
	static String mnemonic(Stmt stmt) {
		return switch (stmt) {
			case Load l -> "load";
			case Store s -> "store";
			case Atomic a -> "atomic_" + a.kind().name().toLowerCase(java.util.Locale.ROOT);
			case Full f -> "full";
			case Iota i -> "iota";
			case Scan sc -> "cumsum";
			case Random r -> r.result().type().dtype() == dev.forge.types.DType.F32 ? "rand" : "randint";
			case Unary u -> u.kind().mnemonic();
			case Binary b -> b.kind().mnemonic();
			case Select s -> "select";
			case Reduce r -> r.kind().mnemonic();
			case Dot d -> "dot";
			case Cast c -> "cast";
			case Copy c -> "copy";
			case Reshape r -> "reshape";
			case Transpose t -> "transpose";
			case For f -> "for";
			case Barrier b -> "barrier";
			case AsyncCopy a -> a.bulk() ? "async_copy.tma" : "async_copy";
			case AsyncWait w -> "async_wait";
		};
	}

	/** The tile values {@code stmt} defines: a definition's result, a loop's carried values and results. */
	static List<TileValue> defined(Stmt stmt) {
		return switch (stmt) {
			case Def d -> List.of(d.result());
			case For f -> {
				List<TileValue> out = new ArrayList<>(f.carried());
				out.addAll(f.results());
				yield out;
			}
			default -> List.of();
		};
	}

	/** The ids of the tile values that some statement of {@code body} (loop bodies included) reads. */
	static java.util.Set<Integer> used(List<Stmt> body) {
		java.util.Set<Integer> used = new java.util.HashSet<>();
		for (Stmt s : flatten(body)) {
			switch (s) {
				case Def d -> d.operands().forEach(v -> used.add(v.id()));
				case Store st -> st.operands().forEach(v -> used.add(v.id()));
				case Atomic a -> a.operands().forEach(v -> used.add(v.id()));
				case For f -> {
					f.inits().forEach(v -> used.add(v.id()));
					f.yielded().forEach(v -> used.add(v.id()));
				}
				default -> {
				}
			}
		}
		return used;
	}

	/** {@code body} without the definitions of the values {@code ids} names (loop bodies included). */
	static List<Stmt> withoutDefinitions(List<Stmt> body, java.util.Set<Integer> ids) {
		List<Stmt> out = new ArrayList<>();
		for (Stmt s : body) {
			if (s instanceof Def d && ids.contains(d.result().id())) {
				continue;
			}
			out.add(s instanceof For f ? f.withBody(withoutDefinitions(f.body(), ids)) : s);
		}
		return out;
	}

	/** Every statement of {@code body}, loop bodies included, in order. */
	static List<Stmt> flatten(List<Stmt> body) {
		List<Stmt> out = new ArrayList<>();
		for (Stmt s : body) {
			out.add(s);
			if (s instanceof For f) {
				out.addAll(flatten(f.body()));
			}
		}
		return out;
	}
}
