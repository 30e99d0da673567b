package dev.forge.compiler.host;

import static org.bytedeco.llvm.global.LLVM.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.compiler.tile.Access;
import dev.forge.compiler.tile.Index;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.KernelArg;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileType;
import dev.forge.compiler.tile.TileValue;
import dev.forge.types.DType;

/**
 * Tile IR to LLVM IR for the host: one function per kernel with the {@link KernelAbi} signature.
 *
 * <p>Every tile value is a local array (an alloca in the entry block, so a static stack slot) in its
 * <em>compute type</em>: f32 for f32, f16 and bf16 (rounded to the narrow format after every op, as
 * the reference interpreter does), f64, integers at their width, bool as i8 0/1. Each statement is a
 * loop nest over the constant tile shape, scalar code that O3 vectorizes; transcendental functions
 * come from {@link VectorMath} so those loops vectorize too. Loads and stores compute, per tile axis,
 * the box of positions inside the argument: when it is the whole tile (the common case) the nest has
 * constant bounds, otherwise the tile is first filled with {@code other} and only the box is copied,
 * so ragged edges cost no per-element masks. f32 {@code dot}s whose N is a multiple of the vector
 * width become a register-blocked micro-kernel (accumulators in vector registers, B rows as vectors,
 * A elements broadcast, {@code llvm.fma}). Layout choices the Tile IR leaves to the backend: a tile
 * that only feeds dots as b (a load, possibly through casts) is stored as contiguous [K, nr] panels
 * of the micro-kernel's width, as BLIS packs B; a load that only feeds one micro-kernel dot as a
 * (directly or through exact casts to f32, with no store in between) is not materialized: the dot
 * copies each block of micro-tile rows, transposed to column-major so that one k step's broadcasts
 * are adjacent, right before the micro-kernel calls that read it (the copy stays in L1, and the
 * tile's memory traffic is spread over the dot); a dot whose accumulator is a loop-carried tile read
 * by nothing else, and whose result is only yielded back, accumulates into the carried buffer in
 * place instead of being copied every iteration; other loads of dot operands prefetch rows ahead.
 */
public final class HostCodegen {

	/** Vector registers the dot micro-kernel may use for accumulators (of 32 zmm, or 16 ymm). */
	private static final int ACC_REGISTERS_AVX512 = 24;
	private static final int ACC_REGISTERS_AVX2 = 12;
	/** Elements of padding after each panel of a packed tile (a cache line of f32). */
	private static final int PANEL_PAD = 16;
	/** How many rows ahead the loads of dot operands prefetch. */
	private static final int PREFETCH_ROWS = 8;

	private final IrBuilder ir;
	private final VectorMath math;
	private final int lanes;

	/** @param lanes f32 lanes of the host's vectors (16 with AVX-512, 8 with AVX2). */
	public HostCodegen(IrBuilder ir, int lanes) {
		this.ir = ir;
		this.math = new VectorMath(ir);
		this.lanes = lanes;
	}

	/** Emits every kernel of f; returns their symbols in order. */
	public List<String> emit(TileFunction f) {
		List<String> symbols = new ArrayList<>();
		for (Kernel k : f.kernels()) {
			String symbol = KernelAbi.symbol(f, k);
			new KernelEmitter(k).emit(symbol);
			symbols.add(symbol);
		}
		return symbols;
	}

	/**
	 * A tile: its local array and type. {@code panel} 0: row-major; otherwise a [K, N] tile that only
	 * feeds dots as b, stored as N / panel contiguous panels of [K, panel] (row-major each), the
	 * layout the micro-kernel streams.
	 */
	private record Tile(LLVMValueRef ptr, TileType type, int panel) {
		Tile(LLVMValueRef ptr, TileType type) {
			this(ptr, type, 0);
		}

		/**
		 * Elements from one panel to the next: K * panel plus one cache line, so that the panels
		 * are not a multiple of 4 KiB apart (the packing writes one row of every panel in turn,
		 * which at such a stride would all fall into the same few L1 sets).
		 */
		long panelStride() {
			return (long) type.shape().get(0) * panel + PANEL_PAD;
		}

		/** Elements of the local array: the tile's, or the panels' with their padding. */
		long storage() {
			return panel == 0 ? type.elements() : type.shape().get(1) / panel * panelStride();
		}

		int[] shape() {
			return type.shape().stream().mapToInt(Integer::intValue).toArray();
		}

		long size() {
			return type.elements();
		}
	}

	/** A kernel argument inside the kernel: data pointer, extents, row-major strides (elements). */
	private record Arg(KernelArg arg, LLVMValueRef data, LLVMValueRef[] extents, LLVMValueRef[] strides) {
	}

	private final class KernelEmitter {
		private final Kernel kernel;
		private final Map<String, Arg> args = new HashMap<>();
		private final Map<String, LLVMValueRef> loopVars = new HashMap<>();
		private final Map<Integer, Tile> tiles = new HashMap<>();
		/** Every statement using a value (a For for its inits and yields), by value id. */
		private final Map<Integer, List<Stmt>> uses = new HashMap<>();
		/** The statement defining a value, by id. */
		private final Map<Integer, Stmt.Def> defs = new HashMap<>();
		/** Tiles stored in the packed b layout (loads and their casts that only feed dots as b), with their panel width. */
		private final Map<Integer, Integer> packedB = new HashMap<>();
		/** Dots that accumulate in place into their loop's carried tile: result id -> the carried value. */
		private final Map<Integer, TileValue> inPlace = new HashMap<>();
		/** In-place dots whose accumulator is zero on the loop's first iteration (and only there read as such). */
		private final Map<Integer, ZeroFirst> zeroFirst = new HashMap<>();
		/**
		 * Streamed a operands: a load (and the exact casts to f32 after it) that only feeds one
		 * micro-kernel dot as a, later in the same statement list with no store in between. The tile
		 * is never materialized: the dot copies its rows from memory block by block, just before the
		 * micro-kernel calls that use them. Value id -> the load; the loads' boxes once emitted.
		 */
		private final Map<Integer, Stmt.Load> streamed = new HashMap<>();
		private final Map<Integer, Box> streamedBoxes = new HashMap<>();
		private LLVMValueRef[] pids;

		KernelEmitter(Kernel kernel) {
			this.kernel = kernel;
			analyze(kernel.body());
			for (Stmt s : Stmt.flatten(kernel.body())) {
				if (s instanceof Stmt.Load l && l.result().type().rank() == 2) {
					int nr = panelFor(l.result());
					if (nr > 0) {
						markPacked(l.result(), nr);
					}
				}
			}
			findStreamed(kernel.body());
		}

		/** Marks the loads that the micro-kernel dot after them can read itself (see {@link #streamed}). */
		private void findStreamed(List<Stmt> body) {
			for (int i = 0; i < body.size(); i++) {
				Stmt s = body.get(i);
				if (s instanceof Stmt.For fo) {
					findStreamed(fo.body());
				}
				if (!(s instanceof Stmt.Load l) || l.result().type().rank() != 2 || packedB.containsKey(l.result().id())
						|| !(l.result().type().dtype() == DType.F32 || l.result().type().dtype() == DType.BF16
								|| l.result().type().dtype() == DType.F16)) {
					continue;
				}
				// The chain load -> exact casts to f32 -> one dot as a.
				List<TileValue> chain = new ArrayList<>(List.of(l.result()));
				Stmt.Dot dot = null;
				while (true) {
					List<Stmt> us = usesOf(chain.getLast());
					if (us.size() != 1) {
						break;
					}
					if (us.get(0) instanceof Stmt.Cast c && c.result().type().dtype() == DType.F32) {
						chain.add(c.result());
						continue;
					}
					if (us.get(0) instanceof Stmt.Dot d && d.a().id() == chain.getLast().id() && d.b().id() != d.a().id()
							&& d.acc().id() != d.a().id() && microDot(d)) {
						dot = d;
					}
					break;
				}
				if (dot == null) {
					continue;
				}
				// The dot follows in this list, with nothing in between that could write memory.
				int j = body.indexOf(dot);
				boolean clean = j > i;
				for (int k = i + 1; clean && k < j; k++) {
					clean = !(body.get(k) instanceof Stmt.Store || body.get(k) instanceof Stmt.For);
				}
				if (clean) {
					chain.forEach(v -> streamed.put(v.id(), l));
				}
			}
		}

		private void markPacked(TileValue v, int nr) {
			packedB.put(v.id(), nr);
			for (Stmt s : usesOf(v)) {
				if (s instanceof Stmt.Cast c) {
					markPacked(c.result(), nr);
				}
			}
		}

		private void analyze(List<Stmt> body) {
			for (Stmt s : body) {
				switch (s) {
					case Stmt.Def d -> {
						defs.put(d.result().id(), d);
						d.operands().forEach(v -> use(v, s));
					}
					case Stmt.Store st -> st.operands().forEach(v -> use(v, s));
					case Stmt.Atomic at -> at.operands().forEach(v -> use(v, s));
					case Stmt.For fo -> {
						fo.inits().forEach(v -> use(v, s));
						analyze(fo.body());
						fo.yielded().forEach(v -> use(v, s));
					}
					case Stmt.Barrier b -> {
					}
					case Stmt.AsyncWait w -> {
					}
				}
			}
		}

		private void use(TileValue v, Stmt s) {
			uses.computeIfAbsent(v.id(), x -> new ArrayList<>()).add(s);
		}

		private List<Stmt> usesOf(TileValue v) {
			return uses.getOrDefault(v.id(), List.of());
		}

		/**
		 * The panel width when a tile is read only as the b operand of micro-kernel dots, directly or
		 * through casts (so its layout is the backend's choice), else 0.
		 */
		private int panelFor(TileValue v) {
			List<Stmt> us = usesOf(v);
			int nr = 0;
			for (Stmt s : us) {
				int w;
				if (s instanceof Stmt.Dot d && d.b().id() == v.id() && d.a().id() != v.id() && d.acc().id() != v.id() && microDot(d)) {
					w = micro(d.a().type().shape().get(0), d.b().type().shape().get(1)).nv() * lanes;
				} else if (s instanceof Stmt.Cast c) {
					w = panelFor(c.result());
				} else {
					return 0;
				}
				if (w == 0 || (nr != 0 && nr != w)) {
					return 0;
				}
				nr = w;
			}
			return nr;
		}

		/** Whether a tile is only read by dots (as a or b operand), directly or through casts. */
		private boolean feedsDots(TileValue v) {
			List<Stmt> us = usesOf(v);
			return !us.isEmpty() && us.stream().allMatch(s -> s instanceof Stmt.Dot d ? d.acc().id() != v.id()
					: s instanceof Stmt.Cast c && feedsDots(c.result()));
		}

		void emit(String symbol) {
			LLVMTypeRef i64 = ir.i64();
			LLVMValueRef f = ir.declare(symbol, ir.fnType(ir.voidType(), i64, i64, ir.ptr()), false);
			ir.addParamAttr(f, 2, "noalias", 0);
			ir.begin(f);
			LLVMValueRef block = ir.param(f, 2);
			for (int a = 0; a < kernel.args().size(); a++) {
				KernelArg ka = kernel.args().get(a);
				long off = KernelAbi.recordOffset(kernel, a);
				LLVMValueRef data = ir.load(ir.ptr(), ir.gep(ir.i8(), block, off), 8);
				LLVMValueRef[] ext = new LLVMValueRef[ka.rank()];
				for (int d = 0; d < ext.length; d++) {
					ext[d] = ir.load(i64, ir.gep(ir.i8(), block, off + 8 + 8L * d), 8);
				}
				LLVMValueRef[] strides = new LLVMValueRef[ka.rank()];
				LLVMValueRef s = ir.i64(1);
				for (int d = ext.length - 1; d >= 0; d--) {
					strides[d] = s;
					s = ir.mul(s, ext[d]);
				}
				args.put(ka.name(), new Arg(ka, data, ext, strides));
			}
			LLVMValueRef[] grid = new LLVMValueRef[kernel.grid().size()];
			for (int g = 0; g < grid.length; g++) {
				grid[g] = index(kernel.grid().get(g));
			}
			ir.forLoop(ir.param(f, 0), ir.param(f, 1), 1, linear -> {
				pids = new LLVMValueRef[grid.length];
				LLVMValueRef rest = linear;
				for (int g = grid.length - 1; g >= 0; g--) {
					pids[g] = g == 0 ? rest : ir.srem(rest, grid[g]);
					rest = g == 0 ? rest : ir.sdiv(rest, grid[g]);
				}
				body(kernel.body());
			});
			ir.retVoid();
		}

		// ---------------------------------------------------------------- statements

		void body(List<Stmt> stmts) {
			for (Stmt s : stmts) {
				statement(s);
			}
		}

		void statement(Stmt s) {
			switch (s) {
				case Stmt.Load l -> load(l);
				// A CPU program is one thread: an asynchronous copy is a load, and waiting for it nothing.
				case Stmt.AsyncCopy a -> load(new Stmt.Load(a.result(), a.arg(), a.access(), a.other(), a.range()));
				case Stmt.AsyncWait w -> {
				}
				case Stmt.Store st -> store(st);
				case Stmt.Atomic at -> atomic(at);
				case Stmt.Full fl -> {
					Tile t = define(fl.result());
					LLVMValueRef v = constant(t.type().dtype(), fl.value());
					flat(t.size(), i -> ir.store(v, elem(t, i), align(t)));
				}
				case Stmt.Iota io -> {
					Tile t = define(io.result());
					LLVMValueRef origin = index(io.origin());
					nest(t.shape(), idx -> {
						LLVMValueRef v = fromI64(ir.add(origin, idx[io.axis()]), t.type().dtype());
						ir.store(v, elem(t, linear(idx, t.shape())), align(t));
					});
				}
				case Stmt.Scan sc -> scan(sc);
				case Stmt.Random r -> elementwise(r.result(), List.of(r.seed(), r.offsets()), x -> {
					LLVMValueRef bits = PhiloxIr.bits(ir, convert(x[0], r.seed().type().dtype(), DType.I64), x[1]);
					return r.result().type().dtype() == DType.F32 ? PhiloxIr.uniform(ir, bits) : ir.zext(bits, ir.i64());
				});
				case Stmt.Unary u -> elementwise(u.result(), List.of(u.x()), x -> unary(u.kind(), x[0], u.x().type().dtype()));
				case Stmt.Binary b -> elementwise(b.result(), List.of(b.lhs(), b.rhs()),
						x -> binary(b.kind(), x[0], x[1], b.lhs().type().dtype()));
				case Stmt.Select sel -> elementwise(sel.result(), List.of(sel.cond(), sel.a(), sel.b()),
						x -> ir.select(ir.icmp(LLVMIntNE, x[0], ir.zero(ir.i8())), x[1], x[2]));
				case Stmt.Cast c when streamed.containsKey(c.result().id()) -> {
				}
				case Stmt.Cast c -> elementwise(c.result(), List.of(c.x()), x -> convert(x[0], c.x().type().dtype(), c.result().type().dtype()));
				case Stmt.Reshape r -> copy(r.x(), r.result());
				// A CPU program is one thread: shared and register tiles are both its local arrays.
				case Stmt.Copy c -> copy(c.x(), c.result());
				case Stmt.Transpose tr -> transpose(tr);
				case Stmt.Reduce red -> reduce(red);
				case Stmt.Dot d -> dot(d);
				case Stmt.For fo -> loop(fo);
				case Stmt.Barrier b -> {
				}
			}
		}

		void load(Stmt.Load l) {
			if (streamed.containsKey(l.result().id())) { // read by its dot: only the box here
				streamedBoxes.put(l.result().id(), box(arg(l.arg()), l.access(), l.result().type().shape().stream().mapToInt(Integer::intValue).toArray()));
				return;
			}
			Tile t = define(l.result());
			if (t.panel() > 0) {
				loadPacked(l, t);
				return;
			}
			Arg arg = arg(l.arg());
			Box box = box(arg, l.access(), t.shape());
			DType dt = arg.arg().dtype();
			int[] shape = t.shape();
			ir.ifThenElse(box.full, () -> {
				if (shape.length == 2 && feedsDots(l.result())) { // dot operands: prefetch rows ahead
					ir.forLoop(ir.i64(0), ir.i64(shape[0]), 1, r -> {
						prefetchRow(box, r, shape[1], dt);
						ir.forLoop(ir.i64(0), ir.i64(shape[1]), 1, c -> {
							LLVMValueRef[] idx = { r, c };
							ir.store(loadMem(box.address(ir, idx), dt), elem(t, linear(idx, shape)), align(t));
						});
					});
				} else {
					nest(shape, idx -> ir.store(loadMem(box.address(ir, idx), dt), elem(t, linear(idx, shape)), align(t)));
				}
			},
					() -> {
						LLVMValueRef other = constant(t.type().dtype(), l.other());
						flat(t.size(), i -> ir.store(other, elem(t, i), align(t)));
						ir.ifThen(box.valid, () -> nest(box.lo, box.hi, idx -> ir.store(loadMem(box.address(ir, idx), dt),
								elem(t, linear(idx, t.shape())), align(t))));
					});
		}

		/**
		 * Prefetches row {@code row + PREFETCH_ROWS} of a 2-D load (the cache lines of its
		 * {@code cols} elements) when the rows are contiguous in memory: the tiles that feed dots
		 * are read row by row with a large stride between rows, which the hardware prefetchers
		 * follow late.
		 */
		void prefetchRow(Box box, LLVMValueRef row, int cols, DType dt) {
			LLVMValueRef unit = box.stride[1];
			if (LLVMIsAConstantInt(unit) == null || LLVMIsAConstantInt(unit).isNull() || LLVMConstIntGetSExtValue(unit) != 1) {
				return;
			}
			int perLine = Math.max(1, 64 / KernelAbi.storageBytes(dt));
			LLVMValueRef ahead = ir.add(row, ir.i64(PREFETCH_ROWS));
			for (int c = 0; c < cols; c += perLine) {
				ir.prefetch(box.address(ir, new LLVMValueRef[] { ahead, ir.i64(c) }), 0, 3);
			}
		}

		/**
		 * A [K, N] load into panels of [K, nr]: row by row, each row's panels in order, so memory is
		 * read contiguously (the hardware prefetchers follow) and each panel row written as whole
		 * vectors.
		 */
		void loadPacked(Stmt.Load l, Tile t) {
			int nr = t.panel();
			int[] shape = t.shape();
			int k = shape[0], n = shape[1];
			Arg arg = arg(l.arg());
			Box box = box(arg, l.access(), shape);
			DType dt = arg.arg().dtype();
			ir.ifThenElse(box.full, () -> ir.forLoop(ir.i64(0), ir.i64(k), 1, kk -> {
				ir.forLoop(ir.i64(0), ir.i64(n / nr), 1, p -> {
					LLVMValueRef dst = ir.add(ir.mul(p, ir.i64(t.panelStride())), ir.mul(kk, ir.i64(nr)));
					LLVMValueRef col0 = ir.mul(p, ir.i64(nr));
					ir.forLoop(ir.i64(0), ir.i64(nr), 1, j -> ir.store(loadMem(box.address(ir, new LLVMValueRef[] { kk, ir.add(col0, j) }), dt),
							elem(t, ir.add(dst, j)), align(t)));
				});
			}), () -> {
				LLVMValueRef other = constant(t.type().dtype(), l.other());
				flat(t.storage(), i -> ir.store(other, elem(t, i), align(t)));
				ir.ifThen(box.valid, () -> nest(box.lo, box.hi, idx -> {
					LLVMValueRef p = ir.sdiv(idx[1], ir.i64(nr)), j = ir.srem(idx[1], ir.i64(nr));
					LLVMValueRef off = ir.add(ir.add(ir.mul(p, ir.i64(t.panelStride())), ir.mul(idx[0], ir.i64(nr))), j);
					ir.store(loadMem(box.address(ir, idx), dt), elem(t, off), align(t));
				}));
			});
		}

		void store(Stmt.Store st) {
			Tile v = tile(st.value());
			Arg arg = arg(st.arg());
			Box box = box(arg, st.access(), v.shape());
			DType dt = arg.arg().dtype();
			Tile mask = st.mask() == null ? null : tile(st.mask());
			java.util.function.Consumer<LLVMValueRef[]> one = idx -> {
				LLVMValueRef value = ir.load(elemType(v), elem(v, linear(idx, v.shape())), align(v));
				if (mask == null) {
					storeMem(value, box.address(ir, idx), dt);
					return;
				}
				LLVMValueRef m = ir.load(elemType(mask), elem(mask, linear(idx, mask.shape())), align(mask));
				LLVMValueRef on = LLVMGetIntTypeWidth(LLVMTypeOf(m)) == 1 ? m : ir.icmp(LLVMIntNE, m, LLVMConstInt(LLVMTypeOf(m), 0, 0));
				ir.ifThen(on, () -> storeMem(value, box.address(ir, idx), dt));
			};
			ir.ifThenElse(box.full, () -> nest(v.shape(), one), () -> ir.ifThen(box.valid, () -> nest(box.lo, box.hi, one)));
		}

		/** An atomic update of each in-box element (where the mask holds): programs may run on several threads. */
		void atomic(Stmt.Atomic at) {
			Tile v = tile(at.value());
			Arg arg = arg(at.arg());
			Box box = box(arg, at.access(), v.shape());
			Tile mask = at.mask() == null ? null : tile(at.mask());
			String kind = at.kind().name().toLowerCase(java.util.Locale.ROOT);
			ir.ifThen(box.valid, () -> nest(box.lo, box.hi, idx -> {
				LLVMValueRef value = ir.load(elemType(v), elem(v, linear(idx, v.shape())), align(v));
				if (mask == null) {
					ir.atomicUpdate(kind, box.address(ir, idx), value);
					return;
				}
				LLVMValueRef m = ir.load(elemType(mask), elem(mask, linear(idx, mask.shape())), align(mask));
				LLVMValueRef on = LLVMGetIntTypeWidth(LLVMTypeOf(m)) == 1 ? m : ir.icmp(LLVMIntNE, m, LLVMConstInt(LLVMTypeOf(m), 0, 0));
				ir.ifThen(on, () -> ir.atomicUpdate(kind, box.address(ir, idx), value));
			}));
		}

		/**
		 * The positions of a tile inside an argument: per tile axis [lo, hi), {@code valid} when the
		 * axes no tile axis walks are in range, {@code full} when the box is the whole tile; the
		 * address of tile position idx is {@code base + sum idx[t] * stride[t]}.
		 */
		private record Box(LLVMValueRef[] lo, LLVMValueRef[] hi, LLVMValueRef valid, LLVMValueRef full, LLVMValueRef base,
				LLVMValueRef[] stride, LLVMTypeRef memType) {
			LLVMValueRef address(IrBuilder ir, LLVMValueRef[] idx) {
				LLVMValueRef off = null;
				for (int t = 0; t < idx.length; t++) {
					LLVMValueRef term = ir.mul(idx[t], stride[t]);
					off = off == null ? term : ir.add(off, term);
				}
				return off == null ? base : ir.gep(memType, base, off);
			}
		}

		Box box(Arg arg, Access access, int[] shape) {
			int rank = shape.length;
			LLVMValueRef[] lo = new LLVMValueRef[rank], hi = new LLVMValueRef[rank], stride = new LLVMValueRef[rank];
			for (int t = 0; t < rank; t++) {
				lo[t] = ir.i64(0);
				hi[t] = ir.i64(shape[t]);
				stride[t] = ir.i64(0);
			}
			LLVMValueRef valid = LLVMConstInt(ir.i1(), 1, 0);
			LLVMValueRef offset = ir.i64(0);
			for (int a = 0; a < access.rank(); a++) {
				LLVMValueRef origin = index(access.origin().get(a));
				LLVMValueRef extent = arg.extents()[a];
				offset = ir.add(offset, ir.mul(origin, arg.strides()[a]));
				int t = access.tileAxis().get(a);
				if (t < 0) {
					valid = ir.and(valid, ir.and(ir.icmp(LLVMIntSGE, origin, ir.i64(0)), ir.icmp(LLVMIntSLT, origin, extent)));
				} else {
					lo[t] = ir.smax(lo[t], ir.sub(ir.i64(0), origin));
					hi[t] = ir.smin(hi[t], ir.sub(extent, origin));
					stride[t] = ir.add(stride[t], arg.strides()[a]);
				}
			}
			LLVMValueRef full = valid;
			for (int t = 0; t < rank; t++) {
				full = ir.and(full, ir.and(ir.icmp(LLVMIntEQ, lo[t], ir.i64(0)), ir.icmp(LLVMIntEQ, hi[t], ir.i64(shape[t]))));
			}
			// The base may point outside the buffer (negative origins); only in-box addresses are used.
			LLVMTypeRef memType = memType(arg.arg().dtype());
			LLVMValueRef base = LLVMBuildGEP2(ir.raw(), memType, arg.data(), IrBuilder.pp(offset), 1, "");
			return new Box(lo, hi, valid, full, base, stride, memType);
		}

		/** The elements of {@code x} in row-major order into a new tile {@code result}. */
		void copy(TileValue x, TileValue result) {
			Tile src = tile(x);
			Tile t = define(result);
			flat(t.size(), i -> ir.store(ir.load(elemType(t), elem(src, i), align(src)), elem(t, i), align(t)));
		}

		void transpose(Stmt.Transpose tr) {
			Tile src = tile(tr.x());
			Tile t = define(tr.result());
			int[] srcShape = src.shape();
			long[] srcStride = strides(srcShape);
			nest(t.shape(), idx -> {
				LLVMValueRef off = ir.i64(0);
				for (int d = 0; d < idx.length; d++) {
					off = ir.add(off, ir.mul(idx[d], ir.i64(srcStride[tr.perm().get(d)])));
				}
				ir.store(ir.load(elemType(src), elem(src, off), align(src)), elem(t, linear(idx, t.shape())), align(t));
			});
		}

		/** Inclusive prefix sums along the axis, in the tile's dtype (rounded per step, as the interpreter). */
		void scan(Stmt.Scan sc) {
			Tile x = tile(sc.x());
			Tile t = define(sc.result());
			int[] s = x.shape();
			long outer = 1, inner = 1;
			for (int d = 0; d < sc.axis(); d++) {
				outer *= s[d];
			}
			for (int d = sc.axis() + 1; d < s.length; d++) {
				inner *= s[d];
			}
			long r = s[sc.axis()], innerF = inner;
			DType dt = x.type().dtype();
			LLVMTypeRef et = elemType(x);
			ir.forLoop(ir.i64(0), ir.i64(outer), 1, o -> ir.forLoop(ir.i64(0), ir.i64(innerF), 1, j -> {
				ir.forLoop(ir.i64(0), ir.i64(r), 1, List.of(ir.zero(et)), (k, acc) -> {
					LLVMValueRef at = ir.add(ir.mul(ir.add(ir.mul(o, ir.i64(r)), k), ir.i64(innerF)), j);
					LLVMValueRef v = ir.load(et, elem(x, at), align(x));
					LLVMValueRef sum = round(dt.isFloat() ? ir.fadd(acc.get(0), v) : ir.add(acc.get(0), v), dt);
					ir.store(sum, elem(t, at), align(t));
					return List.of(sum);
				});
			}));
		}

		void reduce(Stmt.Reduce red) {
			Tile x = tile(red.x());
			Tile t = define(red.result());
			int[] s = x.shape();
			long outer = 1, inner = 1;
			for (int d = 0; d < red.axis(); d++) {
				outer *= s[d];
			}
			for (int d = red.axis() + 1; d < s.length; d++) {
				inner *= s[d];
			}
			long r = s[red.axis()], innerF = inner;
			DType dt = x.type().dtype();
			boolean isFloat = dt.isFloat();
			LLVMTypeRef et = elemType(x);
			LLVMValueRef init = switch (red.kind()) {
				case SUM, MEAN -> ir.zero(et);
				case MAX -> isFloat ? ir.constF(et, Double.NEGATIVE_INFINITY) : minInt(dt);
				case MIN -> isFloat ? ir.constF(et, Double.POSITIVE_INFINITY) : maxInt(dt);
			};
			flat(t.size(), i -> ir.store(init, elem(t, i), align(t)));
			ir.forLoop(ir.i64(0), ir.i64(outer), 1, o -> ir.forLoop(ir.i64(0), ir.i64(r), 1, k -> ir.forLoop(ir.i64(0), ir.i64(innerF), 1, j -> {
				LLVMValueRef dst = elem(t, ir.add(ir.mul(o, ir.i64(innerF)), j));
				LLVMValueRef v = ir.load(et, elem(x, ir.add(ir.mul(ir.add(ir.mul(o, ir.i64(r)), k), ir.i64(innerF)), j)), align(x));
				LLVMValueRef acc = ir.load(et, dst, align(t));
				LLVMValueRef next = switch (red.kind()) {
					case SUM, MEAN -> isFloat ? reassoc(ir.fadd(acc, v)) : ir.add(acc, v);
					case MAX -> isFloat ? ir.intrinsic("llvm.maximum", et, acc, v) : intMinMax(true, acc, v, dt);
					case MIN -> isFloat ? ir.intrinsic("llvm.minimum", et, acc, v) : intMinMax(false, acc, v, dt);
				};
				ir.store(next, dst, align(t));
			})));
			if (red.kind() == ReduceKind.MEAN || dt == DType.BF16 || dt == DType.F16) {
				LLVMValueRef count = red.kind() == ReduceKind.MEAN ? index(red.count()) : null;
				flat(t.size(), i -> {
					LLVMValueRef v = ir.load(et, elem(t, i), align(t));
					if (count != null) {
						LLVMValueRef none = ir.icmp(LLVMIntEQ, count, ir.i64(0));
						v = isFloat ? ir.fdiv(v, ir.sitofp(count, et))
								: ir.select(none, ir.zero(et), ir.sdiv(v, truncTo(ir.select(none, ir.i64(1), count), et)));
					}
					ir.store(round(v, dt), elem(t, i), align(t));
				});
			}
		}

		void dot(Stmt.Dot d) {
			Stmt.Load streamedA = streamed.get(d.a().id());
			Tile a = streamedA == null ? tile(d.a()) : null, b = tile(d.b()), acc = tile(d.acc());
			Tile t = inPlace.containsKey(d.result().id()) ? alias(d.result(), tile(inPlace.get(d.result().id()))) : define(d.result());
			int m = d.a().type().shape().get(0), k = d.a().type().shape().get(1), n = b.shape()[1];
			LLVMTypeRef et = elemType(t);
			DType dt = t.type().dtype();
			ZeroFirst z = zeroFirst.get(d.result().id());
			if (z != null || microDot(d)) {
				StreamedA sa = streamedA == null ? null : streamedA(d, streamedA, m, k);
				if (z != null) {
					ir.ifThenElse(ir.icmp(LLVMIntEQ, loopVars.get(z.var()), z.lo()), () -> microKernel(sa, a, b, acc, t, m, k, n, true),
							() -> microKernel(sa, a, b, acc, t, m, k, n, false));
				} else {
					microKernel(sa, a, b, acc, t, m, k, n, false);
				}
			} else {
				flat(t.size(), i -> ir.store(ir.load(et, elem(acc, i), align(acc)), elem(t, i), align(t)));
				LLVMTypeRef ea = elemType(a);
				ir.forLoop(ir.i64(0), ir.i64(m), 1, i -> ir.forLoop(ir.i64(0), ir.i64(k), 1, kk -> {
					LLVMValueRef av = convert(ir.load(ea, elem(a, ir.add(ir.mul(i, ir.i64(k)), kk)), align(a)), d.a().type().dtype(), dt);
					ir.forLoop(ir.i64(0), ir.i64(n), 1, j -> {
						LLVMValueRef bv = convert(ir.load(elemType(b), elem(b, ir.add(ir.mul(kk, ir.i64(n)), j)), align(b)), d.b().type().dtype(), dt);
						LLVMValueRef dst = elem(t, ir.add(ir.mul(i, ir.i64(n)), j));
						LLVMValueRef cur = ir.load(et, dst, align(t));
						ir.store(dt.isFloat() ? ir.fma(av, bv, cur) : ir.add(cur, ir.mul(av, bv)), dst, align(t));
					});
				}));
			}
			if (dt == DType.BF16 || dt == DType.F16) {
				flat(t.size(), i -> ir.store(round(ir.load(et, elem(t, i), align(t)), dt), elem(t, i), align(t)));
			}
		}

		/** Whether a dot becomes the vector micro-kernel: f32 operands and accumulator, N whole vectors. */
		boolean microDot(Stmt.Dot d) {
			LLVMTypeRef f32 = ir.f32();
			int n = d.b().type().shape().get(1);
			return computeType(d.result().type().dtype()).equals(f32) && computeType(d.a().type().dtype()).equals(f32)
					&& computeType(d.b().type().dtype()).equals(f32) && n % lanes == 0;
		}

		/**
		 * Register-blocked f32 dot over micro-tiles of {@code mr} rows and {@code nr} columns: the
		 * accumulators of one micro-tile live in vector registers over the whole k loop (unrolled),
		 * rows of b are vectors, elements of a broadcast. Micro-tile rows outer, columns inner, so
		 * the a micro-panel ({@code mr x k}) stays in L1 while b streams (from a packed b, one
		 * contiguous {@code k x nr} panel per micro-tile column). The loops over micro-tiles are
		 * run-time loops around calls of one micro-kernel function per block shape (small code,
		 * and the function's pointers are parameters, which LLVM register-allocates cleanly). A
		 * streamed a is copied block by block ({@link #streamRows}); before each call the next
		 * call's accumulator lines are prefetched, since the accumulator tile lives in L2.
		 */
		void microKernel(StreamedA sa, Tile a, Tile b, Tile acc, Tile t, int m, int k, int n, boolean zeroAcc) {
			Micro mk = micro(m, n);
			int mr = mk.mr(), nvb = mk.nv(), nr = nvb * lanes;
			boolean packed = b.panel() > 0;
			if (packed && b.panel() != nr) {
				throw new IllegalStateException("b packed in panels of " + b.panel() + " for a micro-kernel of " + nr + " columns");
			}
			java.util.function.BiConsumer<LLVMValueRef, Integer> rowBlock = (row0, rows) -> {
				LLVMValueRef f = microFunction(rows, nvb, k, n, packed, zeroAcc, sa != null);
				LLVMValueRef aRow;
				if (sa != null) { // this block's rows of a, copied column-major just before the calls that read them
					streamRows(sa, row0, rows, k);
					aRow = sa.panel();
				} else {
					aRow = elem(a, ir.mul(row0, ir.i64(k)));
				}
				ir.forLoop(ir.i64(0), ir.i64(n), nr, col0 -> {
					LLVMValueRef off = ir.add(ir.mul(row0, ir.i64(n)), col0);
					// The accumulators of the next call (the next columns, or the next block's first
					// ones) from L2 into L1 while this call computes: the first k step would wait for them.
					LLVMValueRef last = ir.icmp(LLVMIntSGE, ir.add(col0, ir.i64(nr)), ir.i64(n));
					LLVMValueRef next = ir.select(last, ir.mul(ir.add(row0, ir.i64(rows)), ir.i64(n)), ir.add(off, ir.i64(nr)));
					int perLine = 64 / KernelAbi.storageBytes(DType.F32);
					for (int i = 0; i < rows; i++) {
						for (int c = 0; c < nr; c += perLine) {
							LLVMValueRef o = ir.add(next, ir.i64((long) i * n + c));
							ir.prefetch(LLVMBuildGEP2(ir.raw(), ir.f32(), acc.ptr(), IrBuilder.pp(o), 1, ""), acc.ptr() == t.ptr() ? 1 : 0, 3);
						}
					}
					LLVMValueRef bCol = elem(b, packed ? ir.mul(ir.sdiv(col0, ir.i64(nr)), ir.i64(b.panelStride())) : col0);
					ir.call(f, aRow, bCol, elem(acc, off), elem(t, off));
				});
			};
			// Rows in blocks as even as possible (256 = 14 x 12 + 8 x 11, not 21 x 12 + 4): a short
			// last block would run at a fraction of the FMA rate.
			int blocks = (m + mr - 1) / mr, q = m / blocks, r = m % blocks;
			if (r > 0) {
				ir.forLoop(ir.i64(0), ir.i64((long) r * (q + 1)), q + 1, row0 -> rowBlock.accept(row0, q + 1));
			}
			ir.forLoop(ir.i64((long) r * (q + 1)), ir.i64(m), q, row0 -> rowBlock.accept(row0, q));
		}

		/** A streamed a operand of a dot: its load, the load's box, and a buffer for one block of rows. */
		record StreamedA(Stmt.Load load, Box box, LLVMValueRef panel) {
		}

		/** The streamed a of a micro-kernel dot, with a buffer for its largest block of rows (k columns). */
		StreamedA streamedA(Stmt.Dot d, Stmt.Load load, int m, int k) {
			Micro mk = micro(m, d.b().type().shape().get(1));
			int blocks = (m + mk.mr() - 1) / mk.mr();
			int maxRows = (m + blocks - 1) / blocks;
			return new StreamedA(load, streamedBoxes.get(load.result().id()), ir.entryAlloca(ir.array(ir.f32(), (long) maxRows * k), 64, "apanel"));
		}

		/**
		 * Copies rows [row0, row0 + rows) of a streamed a tile into the panel column by column
		 * (element (i, c) at {@code c * rows + i}, so that the micro-kernel's broadcasts of one k step
		 * are adjacent), converting to f32; elements outside the argument are the load's
		 * {@code other}.
		 */
		void streamRows(StreamedA sa, LLVMValueRef row0, int rows, int k) {
			Box box = sa.box();
			Stmt.Load l = sa.load();
			DType dt = arg(l.arg()).arg().dtype();
			LLVMValueRef panel = sa.panel();
			LLVMTypeRef f32 = ir.f32();
			ir.ifThenElse(box.full(), () -> {
				// Whole vectors of each row, transposed in registers, then the columns' tails one by one.
				int kv = unitStride(box.stride()[1]) ? k / lanes * lanes : 0;
				if (kv > 0) {
					ir.forLoop(ir.i64(0), ir.i64(kv), lanes, c0 -> transposeRows(box, dt, panel, row0, rows, c0));
				}
				if (kv < k) {
					ir.forLoop(ir.i64(kv), ir.i64(k), 1, c -> {
						for (int i = 0; i < rows; i++) {
							ir.store(loadMem(box.address(ir, new LLVMValueRef[] { ir.add(row0, ir.i64(i)), c }), dt),
									ir.gep(f32, panel, ir.add(ir.mul(c, ir.i64(rows)), ir.i64(i))), 4);
						}
					});
				}
			}, () -> {
				LLVMValueRef other = constant(l.result().type().dtype(), l.other());
				flat((long) rows * k, i -> ir.store(other, ir.gep(f32, panel, i), 4));
				ir.ifThen(box.valid(), () -> ir.forLoop(ir.smax(box.lo()[0], row0), ir.smin(box.hi()[0], ir.add(row0, ir.i64(rows))), 1,
						row -> ir.forLoop(box.lo()[1], box.hi()[1], 1, c -> ir.store(
								loadMem(box.address(ir, new LLVMValueRef[] { row, c }), dt),
								ir.gep(f32, panel, ir.add(ir.mul(c, ir.i64(rows)), ir.sub(row, row0))), 4))));
			});
		}

		/**
		 * Columns [c0, c0 + lanes) of rows [row0, row0 + rows) of a box whose rows are contiguous,
		 * stored column-major into the panel (column c at {@code c * rows}): groups of up to
		 * {@code lanes} rows are loaded as vectors and transposed with log2(lanes) rounds of
		 * interleaving shuffles (rows j and j + lanes/2 into lanes 2j and 2j + 1), then each column
		 * is stored as one (masked, for a short group) vector.
		 */
		void transposeRows(Box box, DType dt, LLVMValueRef panel, LLVMValueRef row0, int rows, LLVMValueRef c0) {
			LLVMTypeRef f32 = ir.f32(), vt = ir.vec(f32, lanes);
			int half = lanes / 2;
			int[] lo = new int[lanes], hi = new int[lanes];
			for (int j = 0; j < half; j++) {
				lo[2 * j] = j;
				lo[2 * j + 1] = lanes + j;
				hi[2 * j] = half + j;
				hi[2 * j + 1] = lanes + half + j;
			}
			for (int g = 0; g < rows; g += lanes) {
				int count = Math.min(lanes, rows - g);
				LLVMValueRef[] v = new LLVMValueRef[lanes];
				for (int i = 0; i < lanes; i++) {
					v[i] = i < count ? loadVector(box.address(ir, new LLVMValueRef[] { ir.add(row0, ir.i64(g + i)), c0 }), dt) : ir.zero(vt);
				}
				for (int round = 1; round < lanes; round *= 2) {
					LLVMValueRef[] next = new LLVMValueRef[lanes];
					for (int j = 0; j < half; j++) {
						next[2 * j] = ir.shuffle(v[j], v[j + half], lo);
						next[2 * j + 1] = ir.shuffle(v[j], v[j + half], hi);
					}
					v = next;
				}
				LLVMValueRef mask = null;
				if (count < lanes) {
					LLVMValueRef[] bits = new LLVMValueRef[lanes];
					for (int i = 0; i < lanes; i++) {
						bits[i] = LLVMConstInt(ir.i1(), i < count ? 1 : 0, 0);
					}
					mask = LLVMConstVector(IrBuilder.pp(bits), lanes);
				}
				for (int c = 0; c < lanes; c++) {
					LLVMValueRef dst = ir.gep(f32, panel, ir.add(ir.mul(ir.add(c0, ir.i64(c)), ir.i64(rows)), ir.i64(g)));
					if (mask == null) {
						ir.store(v[c], dst, 4);
					} else {
						ir.maskedStore(v[c], dst, 4, mask);
					}
				}
			}
		}

		/** {@code lanes} consecutive elements of memory dtype dt as an f32 vector. */
		LLVMValueRef loadVector(LLVMValueRef ptr, DType dt) {
			return switch (dt) {
				case F16 -> ir.fpext(ir.load(ir.vec(ir.f16(), lanes), ptr, 2), ir.vec(ir.f32(), lanes));
				case BF16 -> ir.bitcast(ir.shl(ir.zext(ir.load(ir.vec(ir.i16(), lanes), ptr, 2), ir.vec(ir.i32(), lanes)),
						splatI32(16)), ir.vec(ir.f32(), lanes));
				default -> ir.load(ir.vec(ir.f32(), lanes), ptr, 4);
			};
		}

		LLVMValueRef splatI32(int v) {
			LLVMValueRef[] l = new LLVMValueRef[lanes];
			java.util.Arrays.fill(l, ir.i32(v));
			return LLVMConstVector(IrBuilder.pp(l), lanes);
		}

		boolean unitStride(LLVMValueRef stride) {
			LLVMValueRef c = LLVMIsAConstantInt(stride);
			return c != null && !c.isNull() && LLVMConstIntGetSExtValue(c) == 1;
		}

		/** A dot accumulating in place whose accumulator is zero when loop variable {@code var} is {@code lo}. */
		record ZeroFirst(String var, LLVMValueRef lo) {
		}

		/**
		 * {@code micro(a, b, acc, t)}: t[rows, nv vectors] = acc + a[rows, k] @ b[k, nv vectors], a and
		 * acc/t row-major with row lengths k and n, b a packed panel (rows of nv vectors) or row-major
		 * with rows of n. The accumulators stay in registers over the k loop (unrolled by 4); with
		 * {@code zeroAcc} they start at zero and acc is not read.
		 */
		LLVMValueRef microFunction(int rows, int nvb, int k, int n, boolean packed, boolean zeroAcc, boolean aKMajor) {
			String name = "forge.micro." + rows + "x" + nvb * lanes + ".k" + k + ".n" + n + (packed ? ".packed" : "")
					+ (zeroAcc ? ".zero" : "") + (aKMajor ? ".acols" : "");
			LLVMTypeRef p = ir.ptr();
			return ir.helper(name, ir.fnType(ir.voidType(), p, p, p, p), false, f -> {
				ir.addParamAttr(f, 0, "noalias", 0);
				ir.addParamAttr(f, 1, "noalias", 0);
				LLVMValueRef a = ir.param(f, 0), b = ir.param(f, 1), acc = ir.param(f, 2), t = ir.param(f, 3);
				LLVMTypeRef f32 = ir.f32(), vt = ir.vec(f32, lanes);
				List<LLVMValueRef> init = new ArrayList<>();
				for (int i = 0; i < rows; i++) {
					for (int v = 0; v < nvb; v++) {
						init.add(zeroAcc ? ir.zero(vt) : ir.load(vt, ir.gep(f32, acc, (long) i * n + (long) v * lanes), 4));
					}
				}
				long bStride = packed ? (long) nvb * lanes : n;
				BiFunction<LLVMValueRef, List<LLVMValueRef>, List<LLVMValueRef>> step = (kk, cur) -> {
					List<LLVMValueRef> next = new ArrayList<>(cur);
					LLVMValueRef bRow = ir.gep(f32, b, ir.mul(kk, ir.i64(bStride)));
					LLVMValueRef aCol = ir.gep(f32, a, aKMajor ? ir.mul(kk, ir.i64(rows)) : kk);
					LLVMValueRef[] bv = new LLVMValueRef[nvb];
					for (int v = 0; v < nvb; v++) {
						bv[v] = ir.load(vt, ir.gep(f32, bRow, (long) v * lanes), 4);
					}
					for (int i = 0; i < rows; i++) {
						LLVMValueRef s = ir.splat(ir.load(f32, ir.gep(f32, aCol, aKMajor ? i : (long) i * k), 4), lanes);
						for (int v = 0; v < nvb; v++) {
							next.set(i * nvb + v, ir.fma(s, bv[v], next.get(i * nvb + v)));
						}
					}
					return next;
				};
				int unroll = 4;
				int kMain = k / unroll * unroll;
				List<LLVMValueRef> sums = ir.forLoop(ir.i64(0), ir.i64(kMain), unroll, init, (k0, cur) -> {
					List<LLVMValueRef> c = cur;
					for (int u = 0; u < unroll; u++) {
						c = step.apply(ir.add(k0, ir.i64(u)), c);
					}
					return c;
				});
				if (kMain < k) {
					sums = ir.forLoop(ir.i64(kMain), ir.i64(k), 1, sums, step);
				}
				for (int i = 0; i < rows; i++) {
					for (int v = 0; v < nvb; v++) {
						ir.store(sums.get(i * nvb + v), ir.gep(f32, t, (long) i * n + (long) v * lanes), 4);
					}
				}
				ir.retVoid();
			});
		}

		/** The micro-tile of a dot: {@code mr} rows by {@code nv} vectors. */
		record Micro(int mr, int nv) {
		}

		/**
		 * mr x nv vectors within the accumulator registers (24 zmm: 12 x 2 on AVX-512; 12 ymm: 6 x 2
		 * on AVX2), wider and shorter when the tile has few rows.
		 */
		Micro micro(int m, int n) {
			int regs = lanes >= 16 ? ACC_REGISTERS_AVX512 : ACC_REGISTERS_AVX2;
			int nv = n / lanes;
			int nvb = 2;
			if (m < regs / 2) { // few rows: wider micro-tiles, up to 4 vectors
				nvb = Math.max(1, Math.min(4, regs / Math.max(1, m)));
			}
			nvb = Math.min(nvb, nv);
			while (nv % nvb != 0) {
				nvb--;
			}
			return new Micro(Math.max(1, Math.min(m, regs / nvb)), nvb);
		}

		/**
		 * A loop with its carried tiles in buffers: each yield is copied into its buffer at the end of
		 * an iteration, except where a dot accumulates into the buffer in place: the dot's
		 * accumulator is the carried value and nothing else reads it, and its result is only yielded,
		 * in the same place. A carried tile that starts as a constant used nowhere else is filled.
		 */
		void loop(Stmt.For fo) {
			LLVMValueRef lo = index(fo.lo()), hi = index(fo.hi());
			List<Tile> carried = new ArrayList<>();
			for (int c = 0; c < fo.carried().size(); c++) {
				Tile buf = define(fo.carried().get(c));
				TileValue init = fo.inits().get(c);
				TileValue cv = fo.carried().get(c), y = fo.yielded().get(c);
				List<Stmt> cUses = usesOf(cv), yUses = usesOf(y);
				Stmt.Dot inPlaceDot = null;
				if (cUses.size() == 1 && yUses.size() == 1 && yUses.get(0) == fo && fo.body().contains(defs.get(y.id()))
						&& defs.get(y.id()) instanceof Stmt.Dot d && d.acc().id() == cv.id() && d.a().id() != cv.id()
						&& d.b().id() != cv.id() && fo.yielded().stream().filter(v -> v.id() == y.id()).count() == 1) {
					inPlace.put(y.id(), cv);
					inPlaceDot = d;
				}
				if (defs.get(init.id()) instanceof Stmt.Full full && usesOf(init).size() == 1
						&& fo.inits().stream().filter(i -> i.id() == init.id()).count() == 1) {
					LLVMValueRef v = constant(buf.type().dtype(), full.value());
					Runnable fill = () -> flat(buf.size(), i -> ir.store(v, elem(buf, i), align(buf)));
					if (inPlaceDot != null && microDot(inPlaceDot) && Double.doubleToRawLongBits(full.value()) == 0) {
						// The first iteration's dot starts from zero registers and writes every element:
						// the buffer needs the constant only when the loop does not run.
						zeroFirst.put(y.id(), new ZeroFirst(fo.var(), lo));
						ir.ifThen(ir.icmp(LLVMIntSGE, lo, hi), fill);
					} else {
						fill.run();
					}
				} else {
					copy(tile(init), buf);
				}
				carried.add(buf);
			}
			if (fo.step() <= 0) {
				throw new IllegalArgumentException("for " + fo.var() + ": step " + fo.step() + " is not positive");
			}
			ir.forLoop(lo, hi, fo.step(), iv -> {
				loopVars.put(fo.var(), iv);
				body(fo.body());
				List<Tile> yields = fo.yielded().stream().map(this::tile).toList();
				Set<LLVMValueRef> carriedPtrs = new HashSet<>();
				carried.forEach(c -> carriedPtrs.add(c.ptr()));
				boolean[] done = new boolean[carried.size()];
				for (int c = 0; c < done.length; c++) {
					done[c] = inPlace.containsKey(fo.yielded().get(c).id());
				}
				boolean alias = false;
				for (int c = 0; c < done.length; c++) {
					alias |= !done[c] && carriedPtrs.contains(yields.get(c).ptr());
				}
				if (alias) { // a yield that is a carried value itself: stage all through fresh copies
					List<Tile> staged = new ArrayList<>();
					for (int c = 0; c < done.length; c++) {
						Tile y = yields.get(c);
						if (done[c]) {
							staged.add(y);
							continue;
						}
						Tile s = new Tile(ir.entryAlloca(ir.array(elemType(y), y.size()), 64, "stage"), y.type());
						copy(y, s);
						staged.add(s);
					}
					yields = staged;
				}
				for (int c = 0; c < carried.size(); c++) {
					if (!done[c]) {
						copy(yields.get(c), carried.get(c));
					}
				}
				loopVars.remove(fo.var());
			});
			for (int c = 0; c < fo.results().size(); c++) {
				tiles.put(fo.results().get(c).id(), carried.get(c));
			}
		}

		// ---------------------------------------------------------------- elementwise

		interface Scalar {
			LLVMValueRef apply(LLVMValueRef[] operands);
		}

		/** result[i] = f(operands[i] broadcast); flat when no operand broadcasts. */
		void elementwise(TileValue result, List<TileValue> operands, Scalar f) {
			List<Tile> ops = operands.stream().map(this::tile).toList();
			Tile t = define(result);
			int[] shape = t.shape();
			DType dt = result.type().dtype();
			boolean same = ops.stream().allMatch(o -> o.size() == t.size());
			if (same) { // packed tiles (a cast of a packed load): the same layout, padding included
				flat(t.storage(), i -> {
					LLVMValueRef[] x = new LLVMValueRef[ops.size()];
					for (int o = 0; o < x.length; o++) {
						x[o] = ir.load(elemType(ops.get(o)), elem(ops.get(o), i), align(ops.get(o)));
					}
					ir.store(round(f.apply(x), dt), elem(t, i), align(t));
				});
				return;
			}
			nest(shape, idx -> {
				LLVMValueRef[] x = new LLVMValueRef[ops.size()];
				for (int o = 0; o < x.length; o++) {
					Tile op = ops.get(o);
					int[] os = op.shape();
					long[] st = strides(os);
					LLVMValueRef off = ir.i64(0);
					for (int d = 0; d < idx.length; d++) {
						if (os[d] != 1) {
							off = ir.add(off, ir.mul(idx[d], ir.i64(st[d])));
						}
					}
					x[o] = ir.load(elemType(op), elem(op, off), align(op));
				}
				ir.store(round(f.apply(x), dt), elem(t, linear(idx, shape)), align(t));
			});
		}

		LLVMValueRef unary(UnaryKind kind, LLVMValueRef x, DType dt) {
			if (!dt.isFloat()) {
				LLVMTypeRef t = LLVMTypeOf(x);
				return switch (kind) {
					case NEG -> ir.sub(ir.zero(t), x);
					case ABS -> dt == DType.U8 || dt == DType.BOOL ? x : ir.select(ir.icmp(LLVMIntSLT, x, ir.zero(t)), ir.sub(ir.zero(t), x), x);
					case RELU -> dt == DType.U8 || dt == DType.BOOL ? x : ir.select(ir.icmp(LLVMIntSGT, x, ir.zero(t)), x, ir.zero(t));
					default -> convert(unary(kind, convert(x, dt, DType.F64), DType.F64), DType.F64, dt);
				};
			}
			LLVMTypeRef t = LLVMTypeOf(x);
			boolean f64 = t.equals(ir.f64());
			return switch (kind) {
				case NEG -> ir.fneg(x);
				case ABS -> math.abs(x);
				case RELU -> ir.select(ir.fcmp(LLVMRealOGT, x, ir.zero(t)), x, ir.zero(t)); // NaN -> 0, as x > 0 ? x : 0
				case SQRT -> math.sqrt(x);
				case RSQRT -> math.rsqrt(x);
				case EXP -> f64 ? libm("exp", x) : math.exp(x);
				case LOG -> f64 ? libm("log", x) : math.log(x);
				case TANH -> f64 ? libm("tanh", x) : math.tanh(x);
				case SIGMOID -> f64 ? ir.fdiv(ir.constF(t, 1), ir.fadd(ir.constF(t, 1), libm("exp", ir.fneg(x)))) : math.sigmoid(x);
				case SILU -> f64 ? ir.fdiv(x, ir.fadd(ir.constF(t, 1), libm("exp", ir.fneg(x)))) : math.silu(x);
				case GELU -> f64 ? ir.fmul(ir.fmul(x, ir.constF(t, 0.5)),
						ir.fadd(ir.constF(t, 1), libm("erf", ir.fmul(x, ir.constF(t, 0.70710678118654752440))))) : math.gelu(x);
				case GELU_TANH -> f64 ? geluTanh64(x) : math.geluTanh(x);
				case ERF -> f64 ? libm("erf", x) : math.erf(x);
			};
		}

		private LLVMValueRef geluTanh64(LLVMValueRef x) {
			LLVMTypeRef t = LLVMTypeOf(x);
			LLVMValueRef inner = ir.fmul(ir.constF(t, Math.sqrt(2 / Math.PI)), ir.fadd(x, ir.fmul(ir.constF(t, 0.044715), ir.fmul(x, ir.fmul(x, x)))));
			return ir.fmul(ir.fmul(x, ir.constF(t, 0.5)), ir.fadd(ir.constF(t, 1), libm("tanh", inner)));
		}

		/** A call of the C library's double function (resolved by the JIT against the process). */
		private LLVMValueRef libm(String name, LLVMValueRef x) {
			LLVMValueRef f = LLVMGetNamedFunction(ir.module(), name);
			if (f == null || f.isNull()) {
				f = LLVMAddFunction(ir.module(), name, ir.fnType(ir.f64(), ir.f64()));
			}
			return ir.call(f, x);
		}

		LLVMValueRef binary(BinaryKind kind, LLVMValueRef a, LLVMValueRef b, DType dt) {
			LLVMTypeRef t = LLVMTypeOf(a);
			boolean unsigned = dt == DType.U8 || dt == DType.BOOL;
			if (dt.isFloat()) {
				return switch (kind) {
					case ADD -> ir.fadd(a, b);
					case SUB -> ir.fsub(a, b);
					case MUL -> ir.fmul(a, b);
					case DIV -> ir.fdiv(a, b);
					case MAX -> ir.intrinsic("llvm.maximum", t, a, b);
					case MIN -> ir.intrinsic("llvm.minimum", t, a, b);
					case POW -> ir.intrinsic("llvm.pow", t, a, b);
					case BIT_AND, BIT_OR, BIT_XOR, SHL, SHR -> throw new IllegalArgumentException(kind.mnemonic() + " of floats");
					case EQ -> bool(ir.fcmp(LLVMRealOEQ, a, b));
					case NE -> bool(ir.fcmp(LLVMRealUNE, a, b));
					case LT -> bool(ir.fcmp(LLVMRealOLT, a, b));
					case LE -> bool(ir.fcmp(LLVMRealOLE, a, b));
					case GT -> bool(ir.fcmp(LLVMRealOGT, a, b));
					case GE -> bool(ir.fcmp(LLVMRealOGE, a, b));
				};
			}
			return switch (kind) {
				case ADD -> ir.add(a, b);
				case SUB -> ir.sub(a, b);
				case MUL -> ir.mul(a, b);
				case DIV -> { // truncating; x / 0 gives 0 instead of undefined behaviour
					LLVMValueRef zero = ir.icmp(LLVMIntEQ, b, ir.zero(t));
					LLVMValueRef safe = ir.select(zero, ir.constI(t, 1), b);
					yield ir.select(zero, ir.zero(t), unsigned ? LLVMBuildUDiv(ir.raw(), a, safe, "") : ir.sdiv(a, safe));
				}
				case MAX -> intMinMax(true, a, b, dt);
				case MIN -> intMinMax(false, a, b, dt);
				case POW -> convert(ir.intrinsic("llvm.pow", ir.f64(), convert(a, dt, DType.F64), convert(b, dt, DType.F64)), DType.F64, dt);
				case BIT_AND -> ir.and(a, b);
				case BIT_OR -> ir.or(a, b);
				case BIT_XOR -> ir.xor(a, b);
				case SHL -> LLVMBuildShl(ir.raw(), a, b, "");
				case SHR -> unsigned ? ir.lshr(a, b) : LLVMBuildAShr(ir.raw(), a, b, "");
				case EQ -> bool(ir.icmp(LLVMIntEQ, a, b));
				case NE -> bool(ir.icmp(LLVMIntNE, a, b));
				case LT -> bool(ir.icmp(unsigned ? LLVMIntULT : LLVMIntSLT, a, b));
				case LE -> bool(ir.icmp(unsigned ? LLVMIntULE : LLVMIntSLE, a, b));
				case GT -> bool(ir.icmp(unsigned ? LLVMIntUGT : LLVMIntSGT, a, b));
				case GE -> bool(ir.icmp(unsigned ? LLVMIntUGE : LLVMIntSGE, a, b));
			};
		}

		LLVMValueRef intMinMax(boolean max, LLVMValueRef a, LLVMValueRef b, DType dt) {
			boolean unsigned = dt == DType.U8 || dt == DType.BOOL;
			int pred = max ? (unsigned ? LLVMIntUGT : LLVMIntSGT) : (unsigned ? LLVMIntULT : LLVMIntSLT);
			return ir.select(ir.icmp(pred, a, b), a, b);
		}

		LLVMValueRef bool(LLVMValueRef i1) {
			return ir.zext(i1, ir.i8());
		}

		// ---------------------------------------------------------------- types and conversions

		/** Converts a compute-type value of dtype {@code from} to the compute type of {@code to}, rounded to it. */
		LLVMValueRef convert(LLVMValueRef x, DType from, DType to) {
			LLVMTypeRef target = computeType(to);
			if (to == DType.BOOL) {
				return bool(from.isFloat() ? ir.fcmp(LLVMRealUNE, x, ir.zero(LLVMTypeOf(x))) : ir.icmp(LLVMIntNE, x, ir.zero(LLVMTypeOf(x))));
			}
			if (from.isFloat() && to.isFloat()) {
				LLVMValueRef y = from == DType.F64 && to != DType.F64 ? ir.fptrunc(x, target)
						: from != DType.F64 && to == DType.F64 ? ir.fpext(x, target) : x;
				return round(y, to);
			}
			if (from.isFloat()) { // toward zero, wrapping to the width; NaN -> 0 (saturating to i64 first)
				LLVMValueRef wide = ir.intrinsic("llvm.fptosi.sat", new LLVMTypeRef[] { ir.i64(), LLVMTypeOf(x) }, x);
				return to == DType.I64 ? wide : ir.trunc(wide, target);
			}
			boolean unsigned = from == DType.U8 || from == DType.BOOL;
			if (to.isFloat()) {
				LLVMValueRef y = unsigned ? LLVMBuildUIToFP(ir.raw(), x, target, "") : ir.sitofp(x, target);
				return round(y, to);
			}
			int fb = from == DType.BOOL ? 8 : from.bits(), tb = to.bits();
			if (fb == tb) {
				return x;
			}
			return fb > tb ? ir.trunc(x, target) : unsigned ? ir.zext(x, target) : ir.sext(x, target);
		}

		/** An i64 as a compute-type value of dt. */
		LLVMValueRef fromI64(LLVMValueRef v, DType dt) {
			return convert(v, DType.I64, dt);
		}

		/** Rounds an f32 compute value to bf16 or f16 precision (no-op for other dtypes). */
		LLVMValueRef round(LLVMValueRef x, DType dt) {
			if (dt == DType.F16) {
				return ir.fpext(ir.fptrunc(x, ir.f16()), ir.f32());
			}
			if (dt == DType.BF16) {
				return ir.bitcast(ir.shl(ir.zext(bf16Bits(x), ir.i32()), ir.i32(16)), ir.f32());
			}
			return x;
		}

		/** The bf16 bit pattern of an f32 value, rounded to nearest even; NaN stays a (quiet) NaN. */
		LLVMValueRef bf16Bits(LLVMValueRef x) {
			LLVMValueRef bits = ir.bitcast(x, ir.i32());
			LLVMValueRef lsb = ir.and(ir.lshr(bits, ir.i32(16)), ir.i32(1));
			LLVMValueRef rounded = ir.lshr(ir.add(bits, ir.add(ir.i32(0x7fff), lsb)), ir.i32(16));
			LLVMValueRef nan = ir.or(ir.lshr(bits, ir.i32(16)), ir.i32(0x40));
			return ir.trunc(ir.select(ir.fcmp(LLVMRealUNO, x, x), nan, rounded), ir.i16());
		}

		LLVMValueRef loadMem(LLVMValueRef ptr, DType dt) {
			return switch (dt) {
				case F16 -> ir.fpext(ir.load(ir.f16(), ptr, 2), ir.f32());
				case BF16 -> ir.bitcast(ir.shl(ir.zext(ir.load(ir.i16(), ptr, 2), ir.i32()), ir.i32(16)), ir.f32());
				default -> ir.load(memType(dt), ptr, KernelAbi.storageBytes(dt));
			};
		}

		void storeMem(LLVMValueRef v, LLVMValueRef ptr, DType dt) {
			switch (dt) {
				case F16 -> ir.store(ir.fptrunc(v, ir.f16()), ptr, 2);
				case BF16 -> ir.store(bf16Bits(v), ptr, 2);
				default -> ir.store(v, ptr, KernelAbi.storageBytes(dt));
			}
		}

		LLVMTypeRef computeType(DType dt) {
			return switch (dt) {
				case F32, F16, BF16 -> ir.f32();
				case F64 -> ir.f64();
				case BOOL, I8, U8 -> ir.i8();
				case I16 -> ir.i16();
				case I32 -> ir.i32();
				case I64 -> ir.i64();
				case FP8E4M3, FP8E5M2 -> throw new UnsupportedOperationException("the host backend has no " + dt.sourceName());
			};
		}

		LLVMTypeRef memType(DType dt) {
			return switch (dt) {
				case F16 -> ir.f16();
				case BF16 -> ir.i16();
				default -> computeType(dt);
			};
		}

		LLVMValueRef constant(DType dt, double v) {
			LLVMTypeRef t = computeType(dt);
			if (dt.isFloat()) {
				return round(ir.constF(t, v), dt);
			}
			if (dt == DType.BOOL) {
				return ir.constI(t, v != 0 ? 1 : 0);
			}
			return ir.constI(t, Double.isNaN(v) ? 0 : (long) v);
		}

		LLVMValueRef minInt(DType dt) {
			return ir.constI(computeType(dt), dt == DType.U8 || dt == DType.BOOL ? 0 : Long.MIN_VALUE >> (64 - dt.bits()));
		}

		LLVMValueRef maxInt(DType dt) {
			return ir.constI(computeType(dt), dt == DType.U8 || dt == DType.BOOL ? -1 : Long.MAX_VALUE >> (64 - dt.bits()));
		}

		LLVMValueRef truncTo(LLVMValueRef i64, LLVMTypeRef t) {
			return t.equals(ir.i64()) ? i64 : ir.trunc(i64, t);
		}

		LLVMValueRef reassoc(LLVMValueRef inst) {
			LLVMSetFastMathFlags(inst, LLVMFastMathAllowReassoc);
			return inst;
		}

		// ---------------------------------------------------------------- tiles and loops

		Tile define(TileValue v) {
			LLVMTypeRef et = computeType(v.type().dtype());
			Tile t = new Tile(null, v.type(), packedB.getOrDefault(v.id(), 0));
			LLVMValueRef ptr = ir.entryAlloca(ir.array(et, Math.max(1, t.storage())), 64, "t" + v.id());
			t = new Tile(ptr, v.type(), t.panel());
			tiles.put(v.id(), t);
			return t;
		}

		/** v shares the storage of an existing tile (a dot accumulating in place). */
		Tile alias(TileValue v, Tile storage) {
			Tile t = new Tile(storage.ptr(), v.type());
			tiles.put(v.id(), t);
			return t;
		}

		Tile tile(TileValue v) {
			Tile t = tiles.get(v.id());
			if (t == null) {
				throw new IllegalStateException("kernel @" + kernel.name() + ": %" + v.id() + " used before its definition");
			}
			return t;
		}

		Arg arg(String name) {
			Arg a = args.get(name);
			if (a == null) {
				throw new IllegalStateException("kernel @" + kernel.name() + " has no argument " + name);
			}
			return a;
		}

		LLVMTypeRef elemType(Tile t) {
			return computeType(t.type().dtype());
		}

		int align(Tile t) {
			return KernelAbi.storageBytes(t.type().dtype() == DType.BF16 || t.type().dtype() == DType.F16 ? DType.F32 : t.type().dtype());
		}

		LLVMValueRef elem(Tile t, LLVMValueRef linear) {
			return ir.gep(elemType(t), t.ptr(), linear);
		}

		void copy(Tile from, Tile to) {
			flat(to.size(), i -> ir.store(ir.load(elemType(from), elem(from, i), align(from)), elem(to, i), align(to)));
		}

		void flat(long size, Consumer<LLVMValueRef> body) {
			ir.forLoop(ir.i64(0), ir.i64(size), 1, body);
		}

		/** Loops over every index of a constant shape, last axis innermost. */
		void nest(int[] shape, Consumer<LLVMValueRef[]> body) {
			LLVMValueRef[] lo = new LLVMValueRef[shape.length], hi = new LLVMValueRef[shape.length];
			for (int d = 0; d < shape.length; d++) {
				lo[d] = ir.i64(0);
				hi[d] = ir.i64(shape[d]);
			}
			nest(lo, hi, body);
		}

		void nest(LLVMValueRef[] lo, LLVMValueRef[] hi, Consumer<LLVMValueRef[]> body) {
			nest(lo, hi, new LLVMValueRef[lo.length], 0, body);
		}

		private void nest(LLVMValueRef[] lo, LLVMValueRef[] hi, LLVMValueRef[] idx, int d, Consumer<LLVMValueRef[]> body) {
			if (d == lo.length) {
				body.accept(idx.clone());
				return;
			}
			ir.forLoop(lo[d], hi[d], 1, i -> {
				idx[d] = i;
				nest(lo, hi, idx, d + 1, body);
			});
		}

		LLVMValueRef linear(LLVMValueRef[] idx, int[] shape) {
			long[] st = strides(shape);
			LLVMValueRef off = ir.i64(0);
			for (int d = 0; d < idx.length; d++) {
				off = ir.add(off, ir.mul(idx[d], ir.i64(st[d])));
			}
			return off;
		}

		// ---------------------------------------------------------------- indices

		LLVMValueRef index(Index i) {
			return switch (i) {
				case Index.Const c -> ir.i64(c.value());
				case Index.Extent e -> arg(e.arg()).extents()[e.axis()];
				case Index.ProgramId p -> pids[p.axis()];
				case Index.LoopVar v -> {
					LLVMValueRef x = loopVars.get(v.name());
					if (x == null) {
						throw new IllegalStateException("kernel @" + kernel.name() + ": loop variable " + v.name() + " out of scope");
					}
					yield x;
				}
				case Index.Binary b -> IndexArithmetic.binary(ir, b.op(), index(b.lhs()), index(b.rhs()));
			};
		}
	}

	static long[] strides(int[] shape) {
		long[] st = new long[shape.length];
		long s = 1;
		for (int d = shape.length - 1; d >= 0; d--) {
			st[d] = s;
			s *= shape[d];
		}
		return st;
	}
}
