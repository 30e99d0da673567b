package dev.forge.compiler.gpu;

import static org.bytedeco.llvm.global.LLVM.*;

import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.host.IndexArithmetic;
import dev.forge.compiler.host.IrBuilder;
import dev.forge.compiler.host.PhiloxIr;
import dev.forge.compiler.tile.Access;
import dev.forge.compiler.tile.Index;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.KernelArg;
import dev.forge.compiler.tile.Layout;
import dev.forge.compiler.tile.LayoutAssignment;
import dev.forge.compiler.tile.SharedRegions;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TileType;
import dev.forge.compiler.tile.TileValue;
import dev.forge.types.DType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.llvm.LLVM.LLVMBasicBlockRef;
import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * Emits one Tile IR kernel (with GPU layouts) as an NVPTX kernel following {@link GpuAbi}.
 *
 * <p>A register tile is an array of SSA values per thread, one per slot of its {@link ThreadMap}.
 * Elementwise ops work slot by slot once their operands are in the result's layout; a layout change
 * (a broadcast, reshape, transpose, or two layouts that do not line up) stays in registers when
 * every thread already holds what it needs (decided at compile time for every thread), else goes
 * through a shared-memory scratch area between two barriers. Reductions combine within a thread,
 * then across lanes with butterfly shuffles, then across warps through the scratch area. A shared
 * tile is a base address in the dynamic shared memory; each definition of one gets its own region
 * (a ring of regions when a loop carries it, so that the stages of a pipelined loop do not
 * overwrite each other). Asynchronous copies use cp.async, one commit group per copy, and an
 * {@code async_wait} waits for its groups then meets a barrier. Index arithmetic is 64-bit throughout.
 */
final class GpuKernelEmitter {

	/** A register tile: one value per slot of {@code map}, in the compute type of {@code dtype}. */
	private record Regs(ThreadMap map, DType dtype, LLVMValueRef[] regs) {
	}

	/** A shared tile: its base in shared memory and the layout of its elements there. */
	/**
	 * A shared tile: its base, layout and type; for a tile a bulk copy (TMA) fills, the mbarrier (32-bit
	 * shared address) the copy completes on and the phase parity (i32) that completion ends.
	 */
	private record Smem(LLVMValueRef base, Layout.Swizzled layout, TileType type, LLVMValueRef barrier, LLVMValueRef parity) {
		Smem(LLVMValueRef base, Layout.Swizzled layout, TileType type) {
			this(base, layout, type, null, null);
		}
	}

	private final IrBuilder ir;
	private final GpuMath math;
	private final Kernel kernel;
	private final int warpSize;
	private final int warps;
	private final LLVMValueRef sharedMemory;
	private final LLVMTypeRef global;
	private final LLVMTypeRef shared;

	private LLVMValueRef tid;
	private LLVMValueRef lane;
	private LLVMValueRef warp;
	private final Map<String, LLVMValueRef> data = new HashMap<>();
	private final Map<String, LLVMValueRef[]> extents = new HashMap<>();
	private final Map<String, LLVMValueRef[]> strides = new HashMap<>();
	private final Map<String, LLVMValueRef> indexVars = new HashMap<>();
	private final Map<Integer, Object> values = new HashMap<>();

	private SharedRegions regions;
	private long scratchOffset;
	private long scratchBytes;
	/** Loop induction variables by name, for ring indices. */
	private final Map<String, LLVMValueRef> loopIndex = new HashMap<>();

	private final LineInfo lines;
	/** Whether the chip has cp.async (sm_80+): asynchronous copies are then really asynchronous. */
	private final boolean asyncCopies;
	/** Whether the chip has mma.sync m16n8k16 and ldmatrix (sm_80+): dots in tensor-core layouts run on them. */
	private final boolean tensorCores;
	/** The TMA tensor maps this kernel takes (GpuAbi.tensorMaps) and their parameters (generic addresses, i64). */
	private final List<GpuAbi.TensorMap> tensorMaps;
	private final Map<GpuAbi.TensorMap, LLVMValueRef> tensorMapAddresses = new HashMap<>();
	/** i1: whether the bulk copies use TMA in this launch (every mapped argument's rows are whole 16-byte units). */
	private LLVMValueRef useTma;
	/** Tiles of bulk copies still in flight after a loop (its results), waited for by the next async_wait 0. */
	private final List<Smem> bulkInFlight = new ArrayList<>();
	/** Whether some dot runs as wgmma (reading shared memory through the async proxy). */
	private final boolean warpGroupDots;
	/** Tensor-core operands as ldmatrix filled them: one 32-bit register per pair of slots. */
	private final Map<Regs, LLVMValueRef[]> packedOperands = new java.util.IdentityHashMap<>();

	GpuKernelEmitter(IrBuilder ir, Kernel kernel, int warpSize, boolean asyncCopies, boolean tensorCores, LLVMValueRef sharedMemory,
			LineInfo lines) {
		this.lines = lines;
		this.asyncCopies = asyncCopies;
		this.tensorCores = tensorCores;
		this.warpGroupDots = tensorCores && Stmt.flatten(kernel.body()).stream()
				.anyMatch(st -> st instanceof Stmt.Dot d && kernel.threads().of(d.result()) instanceof Layout.Mma mma && mma.warpGroup());
		this.ir = ir;
		this.tensorMaps = GpuAbi.tensorMaps(kernel);
		this.math = new GpuMath(ir);
		this.kernel = kernel;
		this.warpSize = warpSize;
		this.warps = kernel.threads().warps();
		this.sharedMemory = sharedMemory;
		this.global = ir.ptr(1);
		this.shared = ir.ptr(3);
	}

	int threadsPerBlock() {
		return warps * warpSize;
	}

	/** Bytes of dynamic shared memory the kernel needs (known after {@link #emit}). */
	int sharedBytes() {
		return Math.toIntExact(scratchOffset + scratchBytes);
	}

	/** Emits the kernel as function {@code symbol}. */
	LLVMValueRef emit(String symbol) {
		allocateSharedRegions();
		List<LLVMTypeRef> params = new ArrayList<>();
		params.add(ir.i64());
		for (KernelArg a : kernel.args()) {
			params.add(global);
			for (int d = 0; d < a.rank(); d++) {
				params.add(ir.i64());
			}
		}
		int firstMap = params.size();
		for (int m = 0; m < tensorMaps.size(); m++) {
			params.add(ir.ptr(0));
		}
		LLVMValueRef fn = LLVMAddFunction(ir.module(), symbol, ir.fnType(ir.voidType(), params.toArray(LLVMTypeRef[]::new)));
		LLVMSetFunctionCallConv(fn, LLVMPTXKernelCallConv);
		for (int m = 0; m < tensorMaps.size(); m++) {
			// A CUtensorMap by value (128 bytes, 64-aligned); GpuCodegen marks it grid_constant so TMA reads the parameter itself.
			ir.addParamTypeAttr(fn, firstMap + m, "byval", ir.array(ir.i8(), 128));
			ir.addParamAttr(fn, firstMap + m, "align", 64);
		}
		ir.begin(fn);
		lines.function(fn, symbol, kernel.range());
		LLVMValueRef programs = ir.param(fn, 0);
		int p = 1;
		for (KernelArg a : kernel.args()) {
			int argIndex = p;
			data.put(a.name(), ir.param(fn, p++));
			if (kernel.args().stream().filter(o -> o.buffer().equals(a.buffer())).count() == 1) {
				ir.addParamAttr(fn, argIndex, "noalias", 0);
			}
			LLVMValueRef[] ext = new LLVMValueRef[a.rank()];
			for (int d = 0; d < a.rank(); d++) {
				ext[d] = ir.param(fn, p++);
			}
			extents.put(a.name(), ext);
			LLVMValueRef[] st = new LLVMValueRef[a.rank()];
			LLVMValueRef stride = ir.i64(1);
			for (int d = a.rank() - 1; d >= 0; d--) {
				st[d] = stride;
				stride = ir.mul(stride, ext[d]);
			}
			strides.put(a.name(), st);
		}
		for (int m = 0; m < tensorMaps.size(); m++) {
			tensorMapAddresses.put(tensorMaps.get(m), LLVMBuildPtrToInt(ir.raw(), ir.param(fn, firstMap + m), ir.i64(), ""));
		}
		useTma = ir.i1(!tensorMaps.isEmpty());
		for (GpuAbi.TensorMap m : tensorMaps) {
			KernelArg a = kernel.args().get(m.arg());
			LLVMValueRef rowBytes = ir.mul(extents.get(a.name())[a.rank() - 1], ir.i64(m.elementBytes()));
			useTma = ir.and(useTma, ir.icmp(LLVMIntEQ, LLVMBuildURem(ir.raw(), rowBytes, ir.i64(16), ""), ir.i64(0)));
		}
		tid = sreg("tid.x");
		lane = ir.and(tid, ir.i32(warpSize - 1));
		warp = LLVMBuildUDiv(ir.raw(), tid, ir.i32(warpSize), "");
		List<LLVMValueRef> grid = new ArrayList<>();
		for (Index g : kernel.grid()) {
			grid.add(ir.smax(index(g), ir.i64(0)));
		}
		// A grid-stride loop over the programs: the grid may exceed gridDim.x's limit.
		LLVMValueRef first = ir.zext(sreg("ctaid.x"), ir.i64());
		LLVMValueRef stride = ir.zext(sreg("nctaid.x"), ir.i64());
		LLVMBasicBlockRef pre = ir.currentBlock();
		LLVMBasicBlockRef header = ir.block("program");
		LLVMBasicBlockRef body = ir.block("program.body");
		LLVMBasicBlockRef exit = ir.block("program.exit");
		ir.br(header);
		ir.at(header);
		LLVMValueRef pid = ir.phi(ir.i64());
		ir.condBr(ir.icmp(LLVMIntSLT, pid, programs), body, exit);
		ir.at(body);
		LLVMValueRef rest = pid;
		for (int g = grid.size() - 1; g >= 0; g--) {
			LLVMValueRef extent = ir.smax(grid.get(g), ir.i64(1));
			indexVars.put("pid" + g, ir.srem(rest, extent));
			rest = ir.sdiv(rest, extent);
		}
		mbarriers("mbarrier.init.shared::cta.b64 [$0], 1;");
		block(kernel.body());
		if (sharedBytes() > 0) {
			// The next program of this block reuses the shared regions.
			barrier();
		}
		mbarriers("mbarrier.inval.shared::cta.b64 [$0];");
		LLVMValueRef next = ir.add(pid, stride);
		LLVMBasicBlockRef latch = ir.currentBlock();
		ir.br(header);
		ir.addIncoming(pid, first, pre);
		ir.addIncoming(pid, next, latch);
		ir.at(exit);
		ir.retVoid();
		return fn;
	}

	/**
	 * Thread 0 applies {@code op} to every mbarrier of the bulk copies: init at a program's start
	 * (then a fence and a barrier make them visible), inval at its end, so each program counts
	 * phases from zero.
	 */
	private void mbarriers(String op) {
		if (regions.barrierCount() == 0) {
			return;
		}
		ir.ifThen(ir.icmp(LLVMIntEQ, tid, ir.i32(0)), () -> {
			for (int b = 0; b < regions.barrierCount(); b++) {
				ir.asm(ir.voidType(), op, "r,~{memory}", sharedAddress(regions.barrierOffset() + 8L * b));
			}
		});
		if (op.contains("init")) {
			ir.asm(ir.voidType(), "fence.mbarrier_init.release.cluster;", "~{memory}");
			barrier();
		}
	}

	/** The 32-bit shared-window address of byte {@code offset} of the dynamic shared memory. */
	private LLVMValueRef sharedAddress(long offset) {
		return LLVMBuildPtrToInt(ir.raw(), ir.gep(ir.i8(), sharedMemory, ir.i64(offset)), ir.i32(), "");
	}

	private LLVMValueRef sreg(String name) {
		return ir.intrinsic("llvm.nvvm.read.ptx.sreg." + name, new LLVMTypeRef[0]);
	}

	private void barrier() {
		ir.intrinsic("llvm.nvvm.barrier0", new LLVMTypeRef[0]);
	}

	// ------------------------------------------------------------------ shared memory plan

	/** Gives every definition of a shared tile its region (a ring for a pipeline's stages): SharedRegions' plan. */
	private void allocateSharedRegions() {
		regions = SharedRegions.of(kernel);
		scratchOffset = align(regions.bytes(), 16);
	}

	private LLVMValueRef regionBase(TileValue v) {
		SharedRegions.Region r = regions.of(v.id());
		LLVMValueRef offset = ir.i64(r.offset());
		if (r.ring() > 1) {
			LLVMValueRef iteration = LLVMBuildSDiv(ir.raw(), ir.sub(loopIndex.get(r.loop().var()), index(r.loop().lo())),
					ir.i64(r.loop().step()), "");
			offset = ir.add(offset, ir.mul(ir.srem(iteration, ir.i64(r.ring())), ir.i64(r.bytes())));
		}
		return ir.gep(ir.i8(), sharedMemory, offset);
	}

	private LLVMValueRef scratch(long bytes) {
		scratchBytes = Math.max(scratchBytes, align(bytes, 16));
		return ir.gep(ir.i8(), sharedMemory, scratchOffset);
	}

	private static long align(long x, long a) {
		return (x + a - 1) / a * a;
	}

	// ------------------------------------------------------------------ statements

	private void block(List<Stmt> body) {
		planReuse(body);
		for (Stmt s : body) {
			try {
				for (Reuse r : peelBefore.getOrDefault(s, List.of())) {
					peeled.put(r.key(), loadGlobal(r.load().arg(), atFirstIteration(r.load().access(), r.var(), r.lo()),
							r.load().other(), mapOf(r.load().result())));
				}
				lines.at(s.range());
				statement(s);
			} catch (UnsupportedOperationException e) {
				throw e;
			} catch (RuntimeException e) {
				throw new IllegalStateException("GPU code generation of kernel @" + kernel.name() + " failed at "
						+ Stmt.class.getSimpleName() + " " + s.getClass().getSimpleName() + " (line " + s.range().line() + "): " + e, e);
			}
		}
	}

	// ------------------------------------------------------------------ loads reused across loops

	/** A load in the body of a loop over {@code var} from {@code lo}, whose first-iteration tile other loops load too. */
	private record Reuse(String key, Stmt.Load load, String var, Index lo) {
	}

	private final Map<Integer, Reuse> reusedLoads = new HashMap<>();
	private final Map<Stmt, List<Reuse>> peelBefore = new HashMap<>();
	private final Map<String, LLVMValueRef[]> peeled = new HashMap<>();

	/**
	 * Finds the loads that several sibling loops over the same range make of the same tile (the
	 * passes of a softmax or a norm over one row): their first iteration's tile is loaded once before
	 * the first of those loops and reused by every loop's first iteration. When the tile covers the
	 * whole row (the schedule fits it to the row), each row is then read from memory once.
	 */
	private void planReuse(List<Stmt> body) {
		Map<String, List<Reuse>> byKey = new java.util.LinkedHashMap<>();
		Map<String, Stmt> firstLoop = new HashMap<>();
		for (Stmt s : body) {
			if (!(s instanceof Stmt.For f)) {
				continue;
			}
			for (Stmt t : f.body()) {
				if (t instanceof Stmt.Load l && l.access().origin().stream().anyMatch(i -> i.uses(f.var()))) {
					Access first = atFirstIteration(l.access(), f.var(), f.lo());
					String key = l.arg() + "|" + first.origin().stream().map(Index::print).toList() + "|" + first.tileAxis() + "|"
							+ l.other() + "|" + l.result().type() + "|" + kernel.threads().of(l.result()) + "|" + Index.print(f.lo())
							+ "|" + Index.print(f.hi()) + "|" + f.step();
					byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(new Reuse(key, l, f.var(), f.lo()));
					firstLoop.putIfAbsent(key, f);
				}
			}
		}
		for (Map.Entry<String, List<Reuse>> e : byKey.entrySet()) {
			long loops = e.getValue().stream().map(Reuse::var).distinct().count();
			if (loops < 2) {
				continue;
			}
			for (Reuse r : e.getValue()) {
				reusedLoads.put(r.load().result().id(), r);
			}
			peelBefore.computeIfAbsent(firstLoop.get(e.getKey()), k -> new ArrayList<>()).add(e.getValue().get(0));
		}
	}

	private static Access atFirstIteration(Access a, String var, Index lo) {
		return new Access(a.origin().stream().map(i -> i.replace(var, lo)).toList(), a.tileAxis());
	}

	/** A load that reuses the peeled first-iteration tile when the loop is at its first iteration. */
	private LLVMValueRef[] loadOrReuse(Stmt.Load l, ThreadMap map) {
		Reuse r = reusedLoads.get(l.result().id());
		LLVMValueRef[] first = r == null ? null : peeled.get(r.key());
		if (first == null) {
			return loadGlobal(l.arg(), l.access(), l.other(), map);
		}
		LLVMValueRef atFirst = ir.icmp(LLVMIntEQ, indexVars.get(r.var()), index(r.lo()));
		LLVMBasicBlockRef reuse = ir.block("reuse");
		LLVMBasicBlockRef fresh = ir.block("fresh");
		LLVMBasicBlockRef join = ir.block("reuse.join");
		ir.condBr(atFirst, reuse, fresh);
		ir.at(reuse);
		ir.br(join);
		ir.at(fresh);
		LLVMValueRef[] loaded = loadGlobal(l.arg(), l.access(), l.other(), map);
		LLVMBasicBlockRef freshEnd = ir.currentBlock();
		ir.br(join);
		ir.at(join);
		LLVMValueRef[] out = new LLVMValueRef[loaded.length];
		for (int i = 0; i < out.length; i++) {
			out[i] = ir.phi(LLVMTypeOf(loaded[i]));
			ir.addIncoming(out[i], first[i], reuse);
			ir.addIncoming(out[i], loaded[i], freshEnd);
		}
		return out;
	}

	private void statement(Stmt s) {
		switch (s) {
			case Stmt.Load l -> {
				ThreadMap map = mapOf(l.result());
				define(l.result(), new Regs(map, l.result().type().dtype(), loadOrReuse(l, map)));
			}
			case Stmt.Atomic at -> atomic(at);
			case Stmt.Store st -> {
				Regs value = regs(st.value());
				storeGlobal(st.arg(), st.access(), value, st.mask() == null ? null : broadcastTo(regs(st.mask()), value.map()));
			}
			case Stmt.Full f -> {
				ThreadMap map = mapOf(f.result());
				LLVMValueRef[] r = new LLVMValueRef[map.slots()];
				java.util.Arrays.fill(r, constant(f.result().type().dtype(), f.value()));
				define(f.result(), new Regs(map, f.result().type().dtype(), r));
			}
			case Stmt.Iota i -> {
				ThreadMap map = mapOf(i.result());
				LLVMValueRef origin = index(i.origin());
				LLVMValueRef[] r = new LLVMValueRef[map.slots()];
				for (int k = 0; k < r.length; k++) {
					r[k] = convert(ir.add(origin, ir.sext(coordinate(map, k, i.axis()), ir.i64())), DType.I64,
							i.result().type().dtype());
				}
				define(i.result(), new Regs(map, i.result().type().dtype(), r));
			}
			case Stmt.Scan sc -> define(sc.result(), scan(sc));
			case Stmt.Random rnd -> {
				ThreadMap map = mapOf(rnd.result());
				LLVMValueRef[] seed = broadcastTo(regs(rnd.seed()), map);
				LLVMValueRef[] offsets = broadcastTo(regs(rnd.offsets()), map);
				LLVMValueRef[] r = new LLVMValueRef[map.slots()];
				for (int k = 0; k < r.length; k++) {
					LLVMValueRef bits = PhiloxIr.bits(ir, seed[k], offsets[k]);
					r[k] = rnd.result().type().dtype() == DType.F32 ? PhiloxIr.uniform(ir, bits) : ir.zext(bits, ir.i64());
				}
				define(rnd.result(), new Regs(map, rnd.result().type().dtype(), r));
			}
			case Stmt.Unary u -> {
				ThreadMap map = mapOf(u.result());
				LLVMValueRef[] x = broadcastTo(regs(u.x()), map);
				DType dt = u.result().type().dtype();
				LLVMValueRef[] r = new LLVMValueRef[x.length];
				for (int k = 0; k < r.length; k++) {
					r[k] = roundTo(math.unary(u.kind(), x[k]), dt);
				}
				define(u.result(), new Regs(map, dt, r));
			}
			case Stmt.Binary b -> {
				ThreadMap map = mapOf(b.result());
				Regs lhs = regs(b.lhs());
				LLVMValueRef[] x = broadcastTo(lhs, map);
				LLVMValueRef[] y = broadcastTo(regs(b.rhs()), map);
				DType dt = b.result().type().dtype();
				LLVMValueRef[] r = new LLVMValueRef[x.length];
				for (int k = 0; k < r.length; k++) {
					LLVMValueRef v = lhs.dtype().isFloat() ? math.binaryFloat(b.kind(), x[k], y[k]) : binaryNonFloat(b, x[k], y[k]);
					r[k] = b.kind().isComparison() ? v : roundTo(v, dt);
				}
				define(b.result(), new Regs(map, dt, r));
			}
			case Stmt.Select sel -> {
				ThreadMap map = mapOf(sel.result());
				LLVMValueRef[] c = broadcastTo(regs(sel.cond()), map);
				LLVMValueRef[] x = broadcastTo(regs(sel.a()), map);
				LLVMValueRef[] y = broadcastTo(regs(sel.b()), map);
				LLVMValueRef[] r = new LLVMValueRef[x.length];
				for (int k = 0; k < r.length; k++) {
					r[k] = ir.select(c[k], x[k], y[k]);
				}
				define(sel.result(), new Regs(map, sel.result().type().dtype(), r));
			}
			case Stmt.Reduce r -> define(r.result(), reduce(r));
			case Stmt.Dot d -> define(d.result(), dot(d));
			case Stmt.Cast c -> {
				ThreadMap map = mapOf(c.result());
				Regs x = regs(c.x());
				LLVMValueRef[] v = relayout(x, map, identityWeights(x.map().shape()));
				DType dt = c.result().type().dtype();
				LLVMValueRef[] r = new LLVMValueRef[v.length];
				for (int k = 0; k < r.length; k++) {
					r[k] = convert(v[k], x.dtype(), dt);
				}
				define(c.result(), new Regs(map, dt, r));
			}
			case Stmt.Reshape r -> {
				ThreadMap map = mapOf(r.result());
				Regs x = regs(r.x());
				// Row-major flat index of the result element = that of the source element.
				long[] w = rowMajorStrides(r.result().type().shape());
				define(r.result(), new Regs(map, x.dtype(), relayout(x, map, w)));
			}
			case Stmt.Transpose t -> {
				ThreadMap map = mapOf(t.result());
				Regs x = regs(t.x());
				long[] xs = rowMajorStrides(x.map().shape());
				long[] w = new long[t.perm().size()];
				for (int i = 0; i < w.length; i++) {
					w[i] = xs[t.perm().get(i)];
				}
				define(t.result(), new Regs(map, x.dtype(), relayout(x, map, w)));
			}
			case Stmt.Copy c -> copy(c);
			case Stmt.AsyncCopy a -> asyncCopy(a);
			case Stmt.AsyncWait w -> asyncWait(w);
			case Stmt.Barrier b -> barrier();
			case Stmt.For f -> loop(f);
		}
	}

	private LLVMValueRef binaryNonFloat(Stmt.Binary b, LLVMValueRef x, LLVMValueRef y) {
		if (LLVMGetIntTypeWidth(LLVMTypeOf(x)) == 1) {
			// Booleans: compare or combine as 0/1 integers.
			return math.binaryInt(b.kind(), ir.zext(x, ir.i64()), ir.zext(y, ir.i64()));
		}
		return math.binaryInt(b.kind(), x, y);
	}

	private void define(TileValue v, Object value) {
		values.put(v.id(), value);
	}

	private Regs regs(TileValue v) {
		Object o = values.get(v.id());
		if (o instanceof Regs r) {
			return r;
		}
		throw new UnsupportedOperationException("the GPU backend reads " + v + " (" + v.type() + ") as a register tile here"
				+ (o == null ? ", but it is not defined" : ", but it is in shared memory"));
	}

	private Smem smem(TileValue v) {
		Object o = values.get(v.id());
		if (o instanceof Smem s) {
			return s;
		}
		throw new UnsupportedOperationException("the GPU backend reads " + v + " as a shared tile here, but it is not one");
	}

	private ThreadMap mapOf(TileValue v) {
		return ThreadMap.of(kernel.threads().of(v), v.type().shape());
	}

	// ------------------------------------------------------------------ loops

	private void loop(Stmt.For f) {
		List<LLVMValueRef> init = new ArrayList<>();
		List<Object> shapes = new ArrayList<>();
		for (int c = 0; c < f.carried().size(); c++) {
			Object v = values.get(f.inits().get(c).id());
			if (v instanceof Regs r) {
				ThreadMap map = mapOf(f.carried().get(c));
				LLVMValueRef[] regs = relayout(r, map, identityWeights(r.map().shape()));
				init.addAll(List.of(regs));
				shapes.add(new Regs(map, r.dtype(), null));
			} else if (v instanceof Smem s) {
				init.add(s.base());
				if (s.barrier() != null) {
					init.add(s.barrier());
					init.add(s.parity());
				}
				shapes.add(s);
			} else {
				throw new UnsupportedOperationException("loop init " + f.inits().get(c) + " is not defined");
			}
		}
		LLVMValueRef lo = index(f.lo());
		LLVMValueRef hi = index(f.hi());
		List<LLVMValueRef> results = ir.forLoop(lo, hi, f.step(), init, (iv, current) -> {
			indexVars.put(f.var(), iv);
			loopIndex.put(f.var(), iv);
			bind(f.carried(), shapes, current);
			block(f.body());
			List<LLVMValueRef> next = new ArrayList<>();
			for (int c = 0; c < f.yielded().size(); c++) {
				Object v = values.get(f.yielded().get(c).id());
				if (v instanceof Regs r) {
					Regs target = (Regs) shapes.get(c);
					next.addAll(List.of(relayout(r, target.map(), identityWeights(r.map().shape()))));
				} else {
					Smem s = (Smem) v;
					next.add(s.base());
					if (s.barrier() != null) {
						next.add(s.barrier());
						next.add(s.parity());
					}
				}
			}
			return next;
		});
		bind(f.results(), shapes, results);
		for (TileValue r : f.results()) {
			if (values.get(r.id()) instanceof Smem s && s.barrier() != null) {
				bulkInFlight.add(s);
			}
		}
	}

	/** Binds values (carried or results) to consecutive LLVM values shaped as {@code shapes}. */
	private void bind(List<TileValue> vs, List<Object> shapes, List<LLVMValueRef> flat) {
		int k = 0;
		for (int c = 0; c < vs.size(); c++) {
			Object shape = shapes.get(c);
			if (shape instanceof Regs r) {
				LLVMValueRef[] regs = flat.subList(k, k + r.map().slots()).toArray(LLVMValueRef[]::new);
				k += regs.length;
				ThreadMap want = mapOf(vs.get(c));
				Regs bound = new Regs(r.map(), r.dtype(), regs);
				define(vs.get(c), new Regs(want, r.dtype(), relayout(bound, want, identityWeights(r.map().shape()))));
			} else {
				Smem s = (Smem) shape;
				LLVMValueRef base = flat.get(k++);
				if (s.barrier() != null) {
					define(vs.get(c), new Smem(base, s.layout(), s.type(), flat.get(k), flat.get(k + 1)));
					k += 2;
				} else {
					define(vs.get(c), new Smem(base, s.layout(), s.type()));
				}
			}
		}
	}

	// ------------------------------------------------------------------ index arithmetic

	private LLVMValueRef index(Index i) {
		return switch (i) {
			case Index.Const c -> ir.i64(c.value());
			case Index.Extent e -> extents.get(e.arg())[e.axis()];
			case Index.ProgramId p -> indexVars.get("pid" + p.axis());
			case Index.LoopVar v -> {
				LLVMValueRef x = indexVars.get(v.name());
				if (x == null) {
					throw new IllegalStateException("loop variable " + v.name() + " is not in scope");
				}
				yield x;
			}
			case Index.Binary b -> IndexArithmetic.binary(ir, b.op(), index(b.lhs()), index(b.rhs()));
		};
	}

	// ------------------------------------------------------------------ thread coordinates

	/** The digit (i32) {@code (id / stride) % size} of the executing thread's lane or warp id. */
	private LLVMValueRef digit(ThreadMap.Level v) {
		LLVMValueRef id = v.source() == ThreadMap.Source.LANE ? lane : warp;
		LLVMValueRef shifted = v.stride() == 1 ? id : LLVMBuildUDiv(ir.raw(), id, ir.i32(v.stride()), "");
		int ids = v.source() == ThreadMap.Source.LANE ? warpSize : warps;
		// The top digit of an id needs no remainder.
		return (long) v.stride() * v.size() >= ids ? shifted : LLVMBuildURem(ir.raw(), shifted, ir.i32(v.size()), "");
	}

	/** The element coordinate (i32, before wrapping) along axis d of slot s of the executing thread. */
	private LLVMValueRef rawCoordinate(ThreadMap m, int s, int d) {
		List<ThreadMap.Level> levels = m.axes().get(d);
		LLVMValueRef c = null;
		int constant = 0;
		for (int i = 0; i < levels.size(); i++) {
			ThreadMap.Level v = levels.get(i);
			int w = m.weight(d, i);
			if (v.size() == 1) {
				continue;
			}
			if (v.source() == ThreadMap.Source.REGISTER) {
				constant += (s / v.stride()) % v.size() * w;
			} else {
				LLVMValueRef term = ir.mul(digit(v), ir.i32(w));
				c = c == null ? term : ir.add(c, term);
			}
		}
		return c == null ? ir.i32(constant) : ir.add(c, ir.i32(constant));
	}

	private LLVMValueRef coordinate(ThreadMap m, int s, int d) {
		if (m.shape().get(d) == 1) {
			return ir.i32(0);
		}
		LLVMValueRef raw = rawCoordinate(m, s, d);
		return m.wraps(d) ? LLVMBuildURem(ir.raw(), raw, ir.i32(m.shape().get(d)), "") : raw;
	}

	/** Whether the executing thread holds the first copy of slot s (i1), null when every thread does: threads that wrap or replicate hold copies. */
	private LLVMValueRef owns(ThreadMap m, int s) {
		return owns(m, s, -1);
	}

	/** As {@link #owns(ThreadMap, int)}, ignoring axis {@code except} (a reduced axis, where every copy is a different partial). */
	private LLVMValueRef owns(ThreadMap m, int s, int except) {
		LLVMValueRef own = null;
		for (int d = 0; d < m.rank(); d++) {
			if (m.wraps(d) && d != except) {
				LLVMValueRef c = ir.icmp(LLVMIntULT, rawCoordinate(m, s, d), ir.i32(m.shape().get(d)));
				own = own == null ? c : ir.and(own, c);
			}
		}
		for (ThreadMap.Source source : new ThreadMap.Source[] { ThreadMap.Source.LANE, ThreadMap.Source.WARP }) {
			LLVMValueRef id = source == ThreadMap.Source.LANE ? lane : warp;
			if (m.replicates(source, source == ThreadMap.Source.LANE ? warpSize : warps)) {
				// The copy whose digits that no axis reads are 0.
				LLVMValueRef projected = ir.i32(0);
				for (List<ThreadMap.Level> axis : m.axes()) {
					for (ThreadMap.Level v : axis) {
						if (v.source() == source && v.size() > 1) {
							projected = ir.add(projected, ir.mul(digit(v), ir.i32(v.stride())));
						}
					}
				}
				LLVMValueRef c = ir.icmp(LLVMIntEQ, id, projected);
				own = own == null ? c : ir.and(own, c);
			}
		}
		return own;
	}

	/** Stores v at {@code at} if the executing thread holds the first copy of slot s (one writer per element: no racing writes). */
	private void storeIfOwned(ThreadMap m, int s, LLVMValueRef v, LLVMValueRef at, int bytes) {
		LLVMValueRef own = owns(m, s);
		if (own == null) {
			ir.store(v, at, bytes);
		} else {
			ir.ifThen(own, () -> ir.store(v, at, bytes));
		}
	}

	/** Writes register tile x row-major (compute type) into the scratch area at base, each element once. */
	private void toScratch(Regs x, LLVMValueRef base) {
		LLVMTypeRef t = scratchType(x.dtype());
		long[] strides = rowMajorStrides(x.map().shape());
		for (int s = 0; s < x.map().slots(); s++) {
			storeIfOwned(x.map(), s, toScratch(x.regs()[s]), ir.gep(t, base, flat(x.map(), s, strides)), scratchBytes(x.dtype()));
		}
	}

	/** The flat index (i32) of slot s's element under the per-axis weights w. */
	private LLVMValueRef flat(ThreadMap m, int s, long[] w) {
		LLVMValueRef f = ir.i32(0);
		for (int d = 0; d < m.rank(); d++) {
			if (w[d] != 0 && m.shape().get(d) > 1) {
				f = ir.add(f, ir.mul(coordinate(m, s, d), ir.i32(Math.toIntExact(w[d]))));
			}
		}
		return f;
	}

	private static void requireWhole(ThreadMap m) {
		for (int d = 0; d < m.rank(); d++) {
			if (!m.wraps(d) && m.shape().get(d) % m.span(d) != 0) {
				throw new UnsupportedOperationException("the GPU backend needs tile axes that the threads cover evenly; axis " + d
						+ " of " + m.shape() + " has " + m.shape().get(d) + " elements for a cover of " + m.span(d));
			}
		}
	}

	// ------------------------------------------------------------------ layout changes

	static long[] rowMajorStrides(List<Integer> shape) {
		long[] w = new long[shape.size()];
		long s = 1;
		for (int d = shape.size() - 1; d >= 0; d--) {
			w[d] = s;
			s *= shape.get(d);
		}
		return w;
	}

	private static long[] identityWeights(List<Integer> shape) {
		return rowMajorStrides(shape);
	}

	/** Broadcasts x (same rank, size-1 axes stretched) into map m. */
	private LLVMValueRef[] broadcastTo(Regs x, ThreadMap m) {
		long[] w = rowMajorStrides(x.map().shape());
		for (int d = 0; d < w.length; d++) {
			if (x.map().shape().get(d) == 1) {
				w[d] = 0;
			}
		}
		if (x.map().rank() == 0) {
			LLVMValueRef[] out = new LLVMValueRef[m.slots()];
			java.util.Arrays.fill(out, x.regs()[0]);
			return out;
		}
		return relayout(x, m, w);
	}

	/**
	 * The registers of map {@code dst} where the element at coordinates c is the element of x whose
	 * row-major flat index is {@code sum c[d] * w[d]}.
	 */
	private LLVMValueRef[] relayout(Regs x, ThreadMap dst, long[] w) {
		requireWhole(x.map());
		requireWhole(dst);
		int[] local = localSlots(x.map(), dst, w);
		LLVMValueRef[] out = new LLVMValueRef[dst.slots()];
		if (local != null) {
			for (int s = 0; s < out.length; s++) {
				out[s] = x.regs()[local[s]];
			}
			return out;
		}
		LLVMTypeRef t = scratchType(x.dtype());
		int bytes = scratchBytes(x.dtype());
		long elements = 1;
		for (int n : x.map().shape()) {
			elements *= n;
		}
		LLVMValueRef base = scratch(elements * bytes);
		barrier();
		toScratch(x, base);
		barrier();
		for (int s = 0; s < out.length; s++) {
			out[s] = fromScratch(ir.load(t, ir.gep(t, base, flat(dst, s, w)), bytes), x.dtype());
		}
		return out;
	}

	/**
	 * For every slot of dst the slot of x holding its element in the same thread, the same slot for
	 * every thread; null when some thread would need an element another thread holds.
	 */
	private int[] localSlots(ThreadMap src, ThreadMap dst, long[] w) {
		int[] result = new int[dst.slots()];
		java.util.Arrays.fill(result, -1);
		long[] srcStrides = rowMajorStrides(src.shape());
		for (int wp = 0; wp < warps; wp++) {
			for (int l = 0; l < warpSize; l++) {
				Map<Long, Integer> slotOfFlat = new HashMap<>();
				int[][] sc = src.coords(wp, l);
				for (int s = sc.length - 1; s >= 0; s--) {
					slotOfFlat.put(dot(sc[s], srcStrides), s);
				}
				int[][] dc = dst.coords(wp, l);
				for (int s = 0; s < dc.length; s++) {
					Integer from = slotOfFlat.get(dot(dc[s], w));
					if (from == null || (result[s] >= 0 && result[s] != from)) {
						return null;
					}
					result[s] = from;
				}
			}
		}
		return result;
	}

	private static long dot(int[] c, long[] w) {
		long f = 0;
		for (int d = 0; d < c.length; d++) {
			f += c[d] * w[d];
		}
		return f;
	}

	// ------------------------------------------------------------------ reductions

	private Regs reduce(Stmt.Reduce r) {
		Regs x = regs(r.x());
		int a = r.axis();
		if (!x.map().blockedAxis(a)) {
			// The shuffles below are written for blocked axes: a tensor-core tile moves to the blocked layout of its shape first.
			ThreadMap blocked = ThreadMap.of(LayoutAssignment.layout(r.x().type(), warps, warpSize, kernel.threads().vector(), "none", 128),
					x.map().shape());
			x = new Regs(blocked, x.dtype(), relayout(x, blocked, identityWeights(x.map().shape())));
		}
		ThreadMap m = x.map();
		requireWhole(m);
		ThreadMap reduced = m.reduced(a);
		DType dt = x.dtype();
		// 1. Within the thread.
		LLVMValueRef[] partial = new LLVMValueRef[reduced.slots()];
		for (int s = 0; s < m.slots(); s++) {
			int[] j = m.slotIndex(s);
			j[a] = 0;
			int t = reduced.slot(j);
			partial[t] = partial[t] == null ? x.regs()[s] : combine(r.kind(), partial[t], x.regs()[s]);
		}
		int size = m.shape().get(a);
		int per = m.perThread(a);
		int lanesA = m.lanes(a);
		// Thread positions along the axis holding distinct elements (a thread's repeats were folded in step 1).
		int distinctBlocks = Math.min(ThreadMap.ceilDiv(size, per), lanesA * m.warps(a));
		boolean wrapsExactly = !m.wraps(a) || size % per == 0;
		int laneGroup = Math.min(lanesA, distinctBlocks);
		int warpGroup = distinctBlocks > lanesA ? ThreadMap.ceilDiv(distinctBlocks, lanesA) : 1;
		boolean fast = wrapsExactly && Integer.bitCount(laneGroup) == 1 && (warpGroup == 1 || distinctBlocks % lanesA == 0)
				&& warpGroup <= m.warps(a);
		if (!fast) {
			return reduceThroughScratch(r, x, reduced);
		}
		// 2. Across the lanes that hold distinct blocks of the axis: a butterfly leaves the total in each.
		for (int offset = 1; offset < laneGroup; offset *= 2) {
			int laneOffset = offset * m.laneStride(a);
			for (int t = 0; t < partial.length; t++) {
				partial[t] = combine(r.kind(), partial[t], shuffleXor(partial[t], laneOffset));
			}
		}
		// 3. Across warps: each warp's total through shared memory, summed in warp order by every thread.
		if (warpGroup > 1) {
			LLVMTypeRef t = scratchType(dt);
			int bytes = scratchBytes(dt);
			long elements = 1;
			for (int n : reduced.shape()) {
				elements *= n;
			}
			LLVMValueRef base = scratch(elements * warpGroup * bytes);
			long[] strides = rowMajorStrides(reduced.shape());
			LLVMValueRef laneAt = LLVMBuildURem(ir.raw(), LLVMBuildUDiv(ir.raw(), lane, ir.i32(m.laneStride(a)), ""),
					ir.i32(lanesA), "");
			LLVMValueRef warpAt = LLVMBuildURem(ir.raw(), LLVMBuildUDiv(ir.raw(), warp, ir.i32(m.warpStride(a)), ""),
					ir.i32(m.warps(a)), "");
			LLVMValueRef writer = ir.and(ir.icmp(LLVMIntEQ, laneAt, ir.i32(0)), ir.icmp(LLVMIntULT, warpAt, ir.i32(warpGroup)));
			barrier();
			for (int s = 0; s < partial.length; s++) {
				LLVMValueRef own = owns(reduced, s, a);
				LLVMValueRef cond = own == null ? writer : ir.and(writer, own);
				LLVMValueRef at = ir.gep(t, base, ir.add(ir.mul(flat(reduced, s, strides), ir.i32(warpGroup)), warpAt));
				LLVMValueRef v = toScratch(partial[s]);
				ir.ifThen(cond, () -> ir.store(v, at, bytes));
			}
			barrier();
			for (int s = 0; s < partial.length; s++) {
				LLVMValueRef row = ir.mul(flat(reduced, s, strides), ir.i32(warpGroup));
				LLVMValueRef acc = null;
				for (int k = 0; k < warpGroup; k++) {
					LLVMValueRef v = fromScratch(ir.load(t, ir.gep(t, base, ir.add(row, ir.i32(k))), bytes), dt);
					acc = acc == null ? v : combine(r.kind(), acc, v);
				}
				partial[s] = acc;
			}
		}
		return finishReduce(r, new Regs(reduced, dt, partial));
	}

	/**
	 * An inclusive prefix sum along the axis: the tile goes to the scratch area, then each thread sums
	 * the prefix of each of its slots in order (rounded per step to the dtype, as the interpreter).
	 * Simple and exact; tiles along the axis are short in kernels (a block), so the O(n) walk is cheap.
	 */
	private Regs scan(Stmt.Scan sc) {
		Regs x = regs(sc.x());
		ThreadMap map = mapOf(sc.result());
		requireWhole(x.map());
		requireWhole(map);
		DType dt = x.dtype();
		LLVMTypeRef t = scratchType(dt);
		int bytes = scratchBytes(dt);
		List<Integer> shape = x.map().shape();
		long elements = 1;
		for (int n : shape) {
			elements *= n;
		}
		LLVMValueRef base = scratch(elements * bytes);
		long[] strides = rowMajorStrides(shape);
		barrier();
		toScratch(x, base);
		barrier();
		int a = sc.axis();
		LLVMValueRef step = ir.i32(Math.toIntExact(strides[a]));
		LLVMValueRef[] out = new LLVMValueRef[map.slots()];
		for (int s = 0; s < out.length; s++) {
			LLVMValueRef c = coordinate(map, s, a);
			LLVMValueRef rowStart = ir.sub(flat(map, s, strides), ir.mul(c, step));
			List<LLVMValueRef> sum = ir.forLoop(ir.i64(0), ir.add(ir.zext(c, ir.i64()), ir.i64(1)), 1, List.of(constant(dt, 0)), (k, acc) -> {
				LLVMValueRef at = ir.add(rowStart, ir.mul(ir.trunc(k, ir.i32()), step));
				LLVMValueRef v = fromScratch(ir.load(t, ir.gep(t, base, at), bytes), dt);
				return List.of(roundTo(dt.isFloat() ? ir.fadd(acc.get(0), v) : ir.add(acc.get(0), v), dt));
			});
			out[s] = sum.get(0);
		}
		// The next use of the scratch area must not overwrite what slower threads still read.
		barrier();
		return new Regs(map, dt, out);
	}

	/** The general reduction: every element to shared memory, then each thread walks the axis for its slots. */
	private Regs reduceThroughScratch(Stmt.Reduce r, Regs x, ThreadMap reduced) {
		ThreadMap m = x.map();
		DType dt = x.dtype();
		LLVMTypeRef t = scratchType(dt);
		int bytes = scratchBytes(dt);
		long elements = 1;
		for (int n : m.shape()) {
			elements *= n;
		}
		LLVMValueRef base = scratch(elements * bytes);
		long[] strides = rowMajorStrides(m.shape());
		barrier();
		toScratch(x, base);
		barrier();
		int a = r.axis();
		LLVMValueRef[] out = new LLVMValueRef[reduced.slots()];
		for (int s = 0; s < out.length; s++) {
			LLVMValueRef row = flat(reduced, s, strides);
			LLVMValueRef first = fromScratch(ir.load(t, ir.gep(t, base, row), bytes), dt);
			List<LLVMValueRef> acc = ir.forLoop(ir.i64(1), ir.i64(m.shape().get(a)), 1, List.of(first), (j, cur) -> {
				LLVMValueRef at = ir.add(row, ir.mul(ir.trunc(j, ir.i32()), ir.i32(Math.toIntExact(strides[a]))));
				LLVMValueRef v = fromScratch(ir.load(t, ir.gep(t, base, at), bytes), dt);
				return List.of(combine(r.kind(), cur.get(0), v));
			});
			out[s] = acc.get(0);
		}
		return finishReduce(r, new Regs(reduced, dt, out));
	}

	private Regs finishReduce(Stmt.Reduce r, Regs total) {
		DType dt = r.result().type().dtype();
		LLVMValueRef[] v = total.regs();
		if (r.kind() == ReduceKind.MEAN) {
			LLVMValueRef count = index(r.count());
			for (int s = 0; s < v.length; s++) {
				v[s] = dt.isFloat() ? ir.fdiv(v[s], ir.sitofp(count, LLVMTypeOf(v[s]))) : ir.sdiv(v[s], count);
			}
		}
		for (int s = 0; s < v.length; s++) {
			v[s] = roundTo(v[s], dt);
		}
		ThreadMap want = mapOf(r.result());
		return new Regs(want, dt, relayout(new Regs(total.map(), dt, v), want, identityWeights(want.shape())));
	}

	private LLVMValueRef combine(ReduceKind kind, LLVMValueRef a, LLVMValueRef b) {
		boolean isFloat = LLVMGetTypeKind(LLVMTypeOf(a)) != LLVMIntegerTypeKind;
		return switch (kind) {
			case SUM, MEAN -> isFloat ? ir.fadd(a, b) : ir.add(a, b);
			case MAX -> isFloat ? ir.intrinsic("llvm.maximum", LLVMTypeOf(a), a, b) : ir.smax(a, b);
			case MIN -> isFloat ? ir.intrinsic("llvm.minimum", LLVMTypeOf(a), a, b) : ir.smin(a, b);
		};
	}

	/** The value of the lane {@code lane ^ offset} (shfl.sync.bfly over the full warp), of any compute type. */
	private LLVMValueRef shuffleXor(LLVMValueRef v, int offset) {
		LLVMTypeRef t = LLVMTypeOf(v);
		int kind = LLVMGetTypeKind(t);
		if (kind == LLVMFloatTypeKind) {
			return ir.intrinsic("llvm.nvvm.shfl.sync.bfly.f32", new LLVMTypeRef[0], ir.i32(-1), v, ir.i32(offset), ir.i32(0x1f));
		}
		if (kind == LLVMIntegerTypeKind && LLVMGetIntTypeWidth(t) <= 32) {
			LLVMValueRef w = ir.zext(v, ir.i32());
			LLVMValueRef s = ir.intrinsic("llvm.nvvm.shfl.sync.bfly.i32", new LLVMTypeRef[0], ir.i32(-1), w, ir.i32(offset), ir.i32(0x1f));
			return LLVMGetIntTypeWidth(t) == 32 ? s : ir.trunc(s, t);
		}
		// 64-bit values move as two 32-bit halves.
		LLVMValueRef bits = kind == LLVMIntegerTypeKind ? v : ir.bitcast(v, ir.i64());
		LLVMValueRef lo = ir.trunc(bits, ir.i32());
		LLVMValueRef hi = ir.trunc(ir.lshr(bits, ir.i64(32)), ir.i32());
		lo = shuffleXor(lo, offset);
		hi = shuffleXor(hi, offset);
		LLVMValueRef joined = ir.or(ir.zext(lo, ir.i64()), ir.shl(ir.zext(hi, ir.i64()), ir.i64(32)));
		return kind == LLVMIntegerTypeKind ? joined : ir.bitcast(joined, t);
	}

	// ------------------------------------------------------------------ dot

	/** acc + a @ b with CUDA-core FMAs: a and b go through the scratch area, each thread computes its accumulator slots. */
	private Regs dot(Stmt.Dot d) {
		if (kernel.threads().of(d.result()) instanceof Layout.Mma mma && tensorCores) {
			return mma.warpGroup() ? wgmmaDot(d, mma) : mmaDot(d, mma);
		}
		Regs a = regs(d.a());
		Regs b = regs(d.b());
		ThreadMap out = mapOf(d.result());
		Regs acc = regs(d.acc());
		DType accType = d.result().type().dtype();
		LLVMValueRef[] c = relayout(acc, out, identityWeights(acc.map().shape()));
		int m = a.map().shape().get(0), k = a.map().shape().get(1), n = b.map().shape().get(1);
		LLVMTypeRef t = computeType(accType);
		int bytes = scratchBytes(accType);
		LLVMValueRef base = scratch((long) (m * k + k * n) * bytes);
		LLVMValueRef bBase = ir.gep(t, base, ir.i64((long) m * k));
		barrier();
		toScratchAs(a, base, accType);
		toScratchAs(b, bBase, accType);
		barrier();
		LLVMValueRef[] rows = new LLVMValueRef[out.slots()];
		LLVMValueRef[] cols = new LLVMValueRef[out.slots()];
		for (int s = 0; s < rows.length; s++) {
			rows[s] = ir.mul(coordinate(out, s, 0), ir.i32(k));
			cols[s] = coordinate(out, s, 1);
		}
		List<LLVMValueRef> result = ir.forLoop(ir.i64(0), ir.i64(k), 1, List.of(c), (q, cur) -> {
			LLVMValueRef q32 = ir.trunc(q, ir.i32());
			LLVMValueRef qn = ir.mul(q32, ir.i32(n));
			List<LLVMValueRef> next = new ArrayList<>();
			for (int s = 0; s < rows.length; s++) {
				LLVMValueRef x = ir.load(t, ir.gep(t, base, ir.add(rows[s], q32)), bytes);
				LLVMValueRef y = ir.load(t, ir.gep(t, bBase, ir.add(qn, cols[s])), bytes);
				next.add(ir.fma(x, y, cur.get(s)));
			}
			return next;
		});
		LLVMValueRef[] r = result.toArray(LLVMValueRef[]::new);
		for (int s = 0; s < r.length; s++) {
			r[s] = roundTo(r[s], accType);
		}
		return new Regs(out, accType, r);
	}

	/** Writes x row-major into the scratch at base, converted to dtype's compute type. */
	private void toScratchAs(Regs x, LLVMValueRef base, DType dtype) {
		LLVMTypeRef t = computeType(dtype);
		int bytes = scratchBytes(dtype);
		long[] strides = rowMajorStrides(x.map().shape());
		for (int s = 0; s < x.map().slots(); s++) {
			LLVMValueRef at = ir.gep(t, base, flat(x.map(), s, strides));
			storeIfOwned(x.map(), s, convert(x.regs()[s], x.dtype(), dtype), at, bytes);
		}
	}

	// ------------------------------------------------------------------ shared tiles

	private void copy(Stmt.Copy c) {
		if (c.result().type().space() == TileType.Space.SHARED) {
			Regs x = regs(c.x());
			Smem target = new Smem(regionBase(c.result()), swizzled(c.result()), c.result().type());
			storeShared(target, x);
			define(c.result(), target);
		} else {
			Smem s = smem(c.x());
			awaitBulk(s);
			ThreadMap map = mapOf(c.result());
			if (kernel.threads().of(c.result()) instanceof Layout.DotOperand op && ldmatrixFits(s)) {
				define(c.result(), ldmatrix(s, op, map));
				return;
			}
			requireWhole(map);
			DType dt = s.type().dtype();
			LLVMTypeRef st = storageType(dt);
			int bytes = storageBytes(dt);
			LLVMValueRef[] r = new LLVMValueRef[map.slots()];
			for (int k = 0; k < r.length; k++) {
				LLVMValueRef at = ir.gep(st, s.base(), sharedOffset(s, map, k));
				r[k] = fromStorage(ir.load(st, at, bytes), dt);
			}
			define(c.result(), new Regs(map, dt, r));
		}
	}

	private Layout.Swizzled swizzled(TileValue v) {
		Layout l = kernel.threads().of(v);
		if (l instanceof Layout.Swizzled s) {
			return s;
		}
		List<Integer> order = new ArrayList<>();
		for (int d = v.type().rank() - 1; d >= 0; d--) {
			order.add(d);
		}
		return new Layout.Swizzled(1, 1, 1, order);
	}

	/** The element offset (i32) in shared tile s of slot k of map m: row-major along the layout's order, then the XOR swizzle. */
	private LLVMValueRef sharedOffset(Smem s, ThreadMap m, int k) {
		LLVMValueRef[] at = new LLVMValueRef[s.type().rank()];
		for (int d = 0; d < at.length; d++) {
			at[d] = coordinate(m, k, d);
		}
		return sharedOffset(s, at);
	}

	/** The element offset (i32) of the element at coordinates {@code at} (i32) in shared tile s. */
	private LLVMValueRef sharedOffset(Smem s, LLVMValueRef[] at) {
		Layout.Swizzled l = s.layout();
		List<Integer> shape = s.type().shape();
		if (l.panel() > 0) {
			LLVMValueRef col = at[l.order().get(0)], row = at[l.order().get(1)];
			LLVMValueRef panel = ir.i32(l.panel());
			LLVMValueRef panelStart = ir.mul(LLVMBuildUDiv(ir.raw(), col, panel, ""), ir.i32(shape.get(l.order().get(1)) * l.panel()));
			return ir.add(ir.add(panelStart, ir.mul(row, panel)), swizzledColumn(l, row, LLVMBuildURem(ir.raw(), col, panel, "")));
		}
		LLVMValueRef offset = ir.i32(0);
		long stride = 1;
		for (int o = 0; o < l.order().size(); o++) {
			int d = l.order().get(o);
			offset = ir.add(offset, ir.mul(at[d], ir.i32(Math.toIntExact(stride))));
			stride *= shape.get(d);
		}
		if (shape.size() < 2 || l.maxPhase() == 1) {
			return offset;
		}
		LLVMValueRef col = at[l.order().get(0)];
		LLVMValueRef row = at[l.order().get(1)];
		return ir.add(ir.sub(offset, col), swizzledColumn(l, row, col));
	}

	/** LayoutMap.offset's column permutation, in code: 16-byte groups XOR-permuted by the row's phase. */
	private LLVMValueRef swizzledColumn(Layout.Swizzled l, LLVMValueRef row, LLVMValueRef col) {
		if (l.maxPhase() == 1) {
			return col;
		}
		LLVMValueRef phase = LLVMBuildURem(ir.raw(), LLVMBuildUDiv(ir.raw(), row, ir.i32(l.perPhase()), ""), ir.i32(l.maxPhase()), "");
		LLVMValueRef vector = ir.i32(l.vector());
		LLVMValueRef group = LLVMBuildUDiv(ir.raw(), col, vector, "");
		return ir.add(ir.mul(ir.xor(group, phase), vector), LLVMBuildURem(ir.raw(), col, vector, ""));
	}

	// ------------------------------------------------------------------ tensor cores

	/** Whether ldmatrix can read shared tile s: 2-D, 16-bit elements, 16-byte rows that the swizzle keeps whole. */
	private boolean ldmatrixFits(Smem s) {
		Layout.Swizzled l = s.layout();
		return tensorCores && s.type().rank() == 2 && storageBytes(s.type().dtype()) == 2
				&& s.type().shape().get(l.order().get(0)) % 8 == 0 && (l.maxPhase() == 1 || l.vector() % 8 == 0);
	}

	/**
	 * A shared tile read into a tensor-core operand layout with ldmatrix: each instruction reads four
	 * (x4) or two (x2) 8x8 matrices of 16-bit elements, lanes 8j..8j+7 giving the addresses of matrix
	 * j's eight 16-byte rows; lane l receives row l/4, elements 2(l%4) and 2(l%4)+1 of each matrix
	 * (.trans: column l/4, rows 2(l%4) and 2(l%4)+1), packed in one 32-bit register per matrix: exactly
	 * the mma.m16n8k16 fragments (see ThreadMap). A stored with k contiguous or B stored with n
	 * contiguous is read transposed.
	 */
	private Regs ldmatrix(Smem s, Layout.DotOperand op, ThreadMap map) {
		List<Integer> shape = s.type().shape();
		int kAxis = op.operand() == 0 ? 1 : 0;
		int outerAxis = 1 - kAxis;
		int contiguous = s.layout().order().get(0);
		boolean trans = contiguous != kAxis;
		int wm = op.parent().warps().get(0), wn = op.parent().warps().get(1);
		LLVMValueRef rowInMatrix = ir.and(lane, ir.i32(7));
		LLVMValueRef matrix = ir.lshr(lane, ir.i32(3));
		LLVMValueRef[] packed = new LLVMValueRef[map.slots() / 2];
		int rk = shape.get(kAxis) / 16;
		if (op.operand() == 0) {
			int rm = shape.get(0) / (16 * wm);
			LLVMValueRef warpBase = ir.mul(LLVMBuildURem(ir.raw(), LLVMBuildUDiv(ir.raw(), warp, ir.i32(wn), ""), ir.i32(wm), ""),
					ir.i32(16));
			// Matrices a0a1, a2a3, a4a5, a6a7: (+0, +0), (+8 rows, +0), (+0, +8 k), (+8, +8).
			LLVMValueRef outerOff = ir.mul(ir.and(matrix, ir.i32(1)), ir.i32(8));
			LLVMValueRef kOff = ir.mul(ir.lshr(matrix, ir.i32(1)), ir.i32(8));
			for (int mi = 0; mi < rm; mi++) {
				for (int ki = 0; ki < rk; ki++) {
					LLVMValueRef[] r = ldmatrixX4(s, trans, outerAxis, kAxis, ir.add(warpBase, ir.add(outerOff, ir.i32(16 * wm * mi))),
							ir.add(kOff, ir.i32(16 * ki)), rowInMatrix);
					System.arraycopy(r, 0, packed, 4 * (ki + rk * mi), 4);
				}
			}
		} else {
			int rn = shape.get(1) / (8 * wn);
			LLVMValueRef warpBase = ir.mul(LLVMBuildURem(ir.raw(), warp, ir.i32(wn), ""), ir.i32(8 * rn));
			// Matrices b0b1 and b2b3 of an 8-wide n block, then of the next: (+0 k, +0 n), (+8, +0), (+0, +8), (+8, +8).
			LLVMValueRef kOff = ir.mul(ir.and(matrix, ir.i32(1)), ir.i32(8));
			LLVMValueRef outerOff = ir.mul(ir.and(ir.lshr(matrix, ir.i32(1)), ir.i32(1)), ir.i32(8));
			for (int ki = 0; ki < rk; ki++) {
				for (int ni = 0; ni < rn; ni += 2) {
					boolean pair = ni + 1 < rn;
					LLVMValueRef outer = ir.add(warpBase, ir.add(pair ? outerOff : ir.i32(0), ir.i32(8 * ni)));
					LLVMValueRef[] r = pair ? ldmatrixX4(s, trans, outerAxis, kAxis, outer, ir.add(kOff, ir.i32(16 * ki)), rowInMatrix)
							: ldmatrixX2(s, trans, outerAxis, kAxis, outer, ir.add(kOff, ir.i32(16 * ki)), rowInMatrix);
					for (int j = 0; j < r.length; j++) {
						packed[2 * (ni + j / 2 + rn * ki) + j % 2] = r[j];
					}
				}
			}
		}
		DType dt = s.type().dtype();
		LLVMValueRef[] regs = new LLVMValueRef[map.slots()];
		for (int p = 0; p < packed.length; p++) {
			regs[2 * p] = unpackHalf(packed[p], 0, dt);
			regs[2 * p + 1] = unpackHalf(packed[p], 1, dt);
		}
		Regs out = new Regs(map, dt, regs);
		packedOperands.put(out, packed);
		return out;
	}

	/**
	 * The address (32-bit shared) of the matrix row this lane points at: the matrix starts at (outer,
	 * k); its 16-byte rows lie along the contiguous axis, so the row number advances the other one.
	 */
	private LLVMValueRef matrixRowAddress(Smem s, int outerAxis, int kAxis, LLVMValueRef outer, LLVMValueRef k, LLVMValueRef rowInMatrix) {
		LLVMValueRef[] at = new LLVMValueRef[2];
		int rowAxis = s.layout().order().get(1);
		at[outerAxis] = rowAxis == outerAxis ? ir.add(outer, rowInMatrix) : outer;
		at[kAxis] = rowAxis == kAxis ? ir.add(k, rowInMatrix) : k;
		LLVMValueRef element = ir.gep(storageType(s.type().dtype()), s.base(), sharedOffset(s, at));
		return LLVMBuildPtrToInt(ir.raw(), element, ir.i32(), "");
	}

	private LLVMValueRef[] ldmatrixX4(Smem s, boolean trans, int outerAxis, int kAxis, LLVMValueRef outer, LLVMValueRef k,
			LLVMValueRef rowInMatrix) {
		LLVMValueRef address = matrixRowAddress(s, outerAxis, kAxis, outer, k, rowInMatrix);
		// Inline PTX, as for cp.async: LLVM 20 selects no ldmatrix on 32-bit shared pointers.
		LLVMValueRef r = ir.asm(ir.struct(ir.i32(), ir.i32(), ir.i32(), ir.i32()),
				"ldmatrix.sync.aligned.m8n8.x4" + (trans ? ".trans" : "") + ".shared.b16 {$0, $1, $2, $3}, [$4];", "=r,=r,=r,=r,r,~{memory}",
				address);
		return new LLVMValueRef[] { ir.field(r, 0), ir.field(r, 1), ir.field(r, 2), ir.field(r, 3) };
	}

	private LLVMValueRef[] ldmatrixX2(Smem s, boolean trans, int outerAxis, int kAxis, LLVMValueRef outer, LLVMValueRef k,
			LLVMValueRef rowInMatrix) {
		LLVMValueRef address = matrixRowAddress(s, outerAxis, kAxis, outer, k, rowInMatrix);
		LLVMValueRef r = ir.asm(ir.struct(ir.i32(), ir.i32()),
				"ldmatrix.sync.aligned.m8n8.x2" + (trans ? ".trans" : "") + ".shared.b16 {$0, $1}, [$2];", "=r,=r,r,~{memory}", address);
		return new LLVMValueRef[] { ir.field(r, 0), ir.field(r, 1) };
	}

	/** Half {@code which} (0: low, the lower-indexed element) of a packed pair of 16-bit floats, as a compute value. */
	private LLVMValueRef unpackHalf(LLVMValueRef packed, int which, DType dt) {
		LLVMValueRef bits = ir.trunc(which == 0 ? packed : ir.lshr(packed, ir.i32(16)), ir.i16());
		return fromStorage(dt == DType.F16 ? ir.bitcast(bits, ir.f16()) : bits, dt);
	}

	/** Two compute values of a 16-bit float dtype packed into one 32-bit register, the first in the low half. */
	private LLVMValueRef packHalves(LLVMValueRef lo, LLVMValueRef hi, DType dt) {
		LLVMValueRef l = ir.zext(bits16(lo, dt), ir.i32());
		LLVMValueRef h = ir.zext(bits16(hi, dt), ir.i32());
		return ir.or(l, ir.shl(h, ir.i32(16)));
	}

	private LLVMValueRef bits16(LLVMValueRef v, DType dt) {
		LLVMValueRef stored = toStorage(v, dt);
		return dt == DType.F16 ? ir.bitcast(stored, ir.i16()) : stored;
	}

	/** The registers of an operand in layout {@code want}, packed in pairs (from ldmatrix when it filled them). */
	private LLVMValueRef[] packedOperand(Regs x, ThreadMap want, DType dt) {
		LLVMValueRef[] packed = packedOperands.get(x);
		if (packed != null && x.map().equals(want)) {
			return packed;
		}
		LLVMValueRef[] v = x.map().equals(want) ? x.regs() : relayout(x, want, identityWeights(x.map().shape()));
		packed = new LLVMValueRef[v.length / 2];
		for (int p = 0; p < packed.length; p++) {
			packed[p] = packHalves(convert(v[2 * p], x.dtype(), dt), convert(v[2 * p + 1], x.dtype(), dt), dt);
		}
		return packed;
	}

	/**
	 * acc + a @ b on tensor cores: one mma.sync.m16n8k16 per 16x8 accumulator block and 16-deep k
	 * step, f32 accumulators, bf16 or f16 operands in the fragment layouts.
	 */
	private Regs mmaDot(Stmt.Dot d, Layout.Mma mma) {
		DType in = d.a().type().dtype();
		ThreadMap out = mapOf(d.result());
		ThreadMap aMap = ThreadMap.of(new Layout.DotOperand(0, mma), d.a().type().shape());
		ThreadMap bMap = ThreadMap.of(new Layout.DotOperand(1, mma), d.b().type().shape());
		LLVMValueRef[] a = packedOperand(regs(d.a()), aMap, in);
		LLVMValueRef[] b = packedOperand(regs(d.b()), bMap, in);
		Regs acc = regs(d.acc());
		LLVMValueRef[] c = acc.map().equals(out) ? acc.regs().clone() : relayout(acc, out, identityWeights(acc.map().shape()));
		int wm = mma.warps().get(0), wn = mma.warps().get(1);
		int rm = d.result().type().shape().get(0) / (16 * wm);
		int rn = d.result().type().shape().get(1) / (8 * wn);
		int rk = d.a().type().shape().get(1) / 16;
		LLVMTypeRef half2 = ir.vec(ir.f16(), 2);
		for (int ki = 0; ki < rk; ki++) {
			for (int mi = 0; mi < rm; mi++) {
				for (int ni = 0; ni < rn; ni++) {
					LLVMValueRef[] args = new LLVMValueRef[10];
					for (int j = 0; j < 4; j++) {
						LLVMValueRef x = a[4 * (ki + rk * mi) + j];
						args[j] = in == DType.F16 ? ir.bitcast(x, half2) : x;
					}
					for (int j = 0; j < 2; j++) {
						LLVMValueRef y = b[2 * (ni + rn * ki) + j];
						args[4 + j] = in == DType.F16 ? ir.bitcast(y, half2) : y;
					}
					int slot = 4 * (ni + rn * mi);
					for (int j = 0; j < 4; j++) {
						args[6 + j] = c[slot + j];
					}
					LLVMValueRef r = ir.intrinsic(in == DType.F16 ? "llvm.nvvm.mma.m16n8k16.row.col.f32.f32" : "llvm.nvvm.mma.m16n8k16.row.col.bf16",
							new LLVMTypeRef[0], args);
					for (int j = 0; j < 4; j++) {
						c[slot + j] = ir.field(r, j);
					}
				}
			}
		}
		return new Regs(out, DType.F32, c);
	}

	/**
	 * acc + a @ b as Hopper warp-group MMAs (wgmma.mma_async m64nNk16, sm_90a): both operands are
	 * read from their shared tiles through matrix descriptors, the f32 accumulators stay in the
	 * registers of the Mma layout. Warp group q of the [w, 1] warps computes rows 64q + 16w·j ..
	 * +63 of the result with one instruction per j and 16-deep k step; instruction register i is
	 * accumulator slot n/2·j + i (row 16·warp + lane/4 + 8·(i/2 mod 2), column 8·(i/4) + 2·(lane mod
	 * 4) + i mod 2: the mma.m16n8 fragments of ThreadMap). The wait that ends the group passes the
	 * accumulators through its asm, so that LLVM cannot read them before the instructions finish.
	 */
	private Regs wgmmaDot(Stmt.Dot d, Layout.Mma mma) {
		Smem a = smem(d.a()), b = smem(d.b());
		awaitBulk(a);
		awaitBulk(b);
		ThreadMap out = mapOf(d.result());
		Regs acc = regs(d.acc());
		LLVMValueRef[] c = acc.map().equals(out) ? acc.regs().clone() : relayout(acc, out, identityWeights(acc.map().shape()));
		int groupWarps = mma.warps().get(0);
		int m = d.a().type().shape().get(0), k = d.a().type().shape().get(1), n = d.b().type().shape().get(1);
		int blocks = m / (16 * groupWarps), perInstruction = n / 2;
		String in = d.a().type().dtype() == DType.F16 ? "f16" : "bf16";
		// K-major (k contiguous) operands are the instruction's default; the other order is its transpose flag.
		int transA = a.layout().order().get(0) == 0 ? 1 : 0, transB = b.layout().order().get(0) == 1 ? 1 : 0;
		StringBuilder text = new StringBuilder("wgmma.mma_async.sync.aligned.m64n" + n + "k16.f32." + in + "." + in + " {");
		StringBuilder constraints = new StringBuilder();
		for (int i = 0; i < perInstruction; i++) {
			text.append(i == 0 ? "" : ", ").append('$').append(i);
			constraints.append("=f,");
		}
		text.append("}, $").append(perInstruction).append(", $").append(perInstruction + 1).append(", 1, 1, 1, ").append(transA)
				.append(", ").append(transB).append(';');
		constraints.append("l,l");
		for (int i = 0; i < perInstruction; i++) {
			constraints.append(',').append(i);
		}
		LLVMTypeRef[] floats = new LLVMTypeRef[perInstruction];
		java.util.Arrays.fill(floats, ir.f32());
		LLVMTypeRef block = ir.struct(floats);
		LLVMValueRef groupRow = ir.mul(LLVMBuildUDiv(ir.raw(), warp, ir.i32(4), ""), ir.i32(64));
		// The accumulators were written by ordinary instructions: order them before the asynchronous reads.
		ir.asm(ir.voidType(), "wgmma.fence.sync.aligned;", "~{memory}");
		for (int j = 0; j < blocks; j++) {
			LLVMValueRef row = ir.add(groupRow, ir.i32(16 * groupWarps * j));
			for (int kk = 0; kk < k; kk += 16) {
				LLVMValueRef[] args = new LLVMValueRef[perInstruction + 2];
				args[0] = descriptor(a, 0, row, ir.i32(kk));
				args[1] = descriptor(b, 1, ir.i32(0), ir.i32(kk));
				System.arraycopy(c, perInstruction * j, args, 2, perInstruction);
				LLVMValueRef r = ir.asm(block, text.toString(), constraints.toString(), args);
				for (int i = 0; i < perInstruction; i++) {
					c[perInstruction * j + i] = ir.field(r, i);
				}
			}
		}
		ir.asm(ir.voidType(), "wgmma.commit_group.sync.aligned;", "~{memory}");
		for (int j = 0; j < blocks; j++) {
			// The first asm waits; the others only tie their accumulators to a point after it.
			String wait = j == 0 ? "wgmma.wait_group.sync.aligned 0;" : "// wgmma accumulators ready";
			StringBuilder tied = new StringBuilder();
			for (int i = 0; i < perInstruction; i++) {
				tied.append("=f,");
			}
			for (int i = 0; i < perInstruction; i++) {
				tied.append(i).append(i + 1 < perInstruction ? "," : "");
			}
			LLVMValueRef[] args = java.util.Arrays.copyOfRange(c, perInstruction * j, perInstruction * (j + 1));
			LLVMValueRef r = ir.asm(block, wait, tied + ",~{memory}", args);
			for (int i = 0; i < perInstruction; i++) {
				c[perInstruction * j + i] = ir.field(r, i);
			}
		}
		return new Regs(out, DType.F32, c);
	}

	/**
	 * The 64-bit wgmma matrix descriptor of the operand in shared tile s whose 8-row core matrices
	 * start at (outer, k) (outer: the m or n coordinate along {@code outerAxis}): the start address
	 * (unswizzled; the hardware applies the swizzle of the layout type), the leading-dimension byte
	 * offset (the distance between 64-element panels of an MN-major operand; unused for K-major), the
	 * stride byte offset (8 rows), and the swizzle mode (1: 128 B, 2: 64 B, 3: 32 B). CUTLASS's
	 * GmmaDescriptor documents the fields; the layout is LayoutAssignment's wgmma operand layout.
	 */
	private LLVMValueRef descriptor(Smem s, int outerAxis, LLVMValueRef outer, LLVMValueRef k) {
		Layout.Swizzled l = s.layout();
		int rowBytes = l.panel() * 2;
		int rows = s.type().shape().get(l.order().get(1));
		long panelBytes = (long) rows * rowBytes;
		boolean kMajor = l.order().get(0) != outerAxis;
		LLVMValueRef along = kMajor ? k : outer, across = kMajor ? outer : k;
		LLVMValueRef panel = LLVMBuildUDiv(ir.raw(), along, ir.i32(l.panel()), "");
		LLVMValueRef offset = ir.add(ir.mul(panel, ir.i32(Math.toIntExact(panelBytes))),
				ir.add(ir.mul(across, ir.i32(rowBytes)), ir.mul(LLVMBuildURem(ir.raw(), along, ir.i32(l.panel()), ""), ir.i32(2))));
		LLVMValueRef address = ir.add(LLVMBuildPtrToInt(ir.raw(), s.base(), ir.i32(), ""), offset);
		long leading = kMajor ? 1 : panelBytes >> 4;
		long stride = (8L * rowBytes) >> 4;
		long mode = rowBytes == 128 ? 1 : rowBytes == 64 ? 2 : 3;
		long fields = (leading << 16) | (stride << 32) | (mode << 62);
		LLVMValueRef start = ir.zext(ir.lshr(ir.and(address, ir.i32(0x3FFFF)), ir.i32(4)), ir.i64());
		return ir.or(start, ir.i64(fields));
	}

	private void storeShared(Smem target, Regs x) {
		ThreadMap m = x.map();
		requireWhole(m);
		DType dt = target.type().dtype();
		LLVMTypeRef st = storageType(dt);
		int bytes = storageBytes(dt);
		for (int k = 0; k < m.slots(); k++) {
			LLVMValueRef at = ir.gep(st, target.base(), sharedOffset(target, m, k));
			storeIfOwned(m, k, toStorage(convert(x.regs()[k], x.dtype(), dt), dt), at, bytes);
		}
		asyncProxyFence();
	}

	/**
	 * An asynchronous copy in a layout of 16-byte vectors per thread: each vector that lies in bounds,
	 * aligned, and contiguous in the shared layout goes by {@code cp.async} (sm_80+), the others are
	 * loaded and stored by the thread (masked elements read the load's {@code other}). One commit
	 * group per copy, so that {@code async_wait n} is {@code cp.async.wait_group n} and a barrier.
	 */
	private void asyncCopy(Stmt.AsyncCopy a) {
		if (a.bulk()) {
			bulkCopy(a);
			return;
		}
		perThreadCopy(a, regionBase(a.result()));
	}

	/**
	 * A bulk copy: thread 0 arms the slot's mbarrier with the tile's bytes and issues one TMA box per
	 * 64-element panel (cp.async.bulk.tensor, inline PTX as cp.async); the readers wait on the
	 * mbarrier (awaitBulk). Data j of a pipeline (the prologue's stage t is j = t, iteration i's copy j
	 * = i + ring - 1) completes phase j / ring of its slot's barrier, so the readers wait for parity
	 * (j / ring) mod 2. When this launch's strides rule TMA out, the threads copy as cp.async does.
	 */
	private void bulkCopy(Stmt.AsyncCopy a) {
		TileType t = a.result().type();
		SharedRegions.Region r = regions.of(a.result().id());
		LLVMValueRef slot = ir.i64(0);
		LLVMValueRef data;
		if (r.ring() > 1) {
			LLVMValueRef iteration = LLVMBuildSDiv(ir.raw(), ir.sub(loopIndex.get(r.loop().var()), index(r.loop().lo())),
					ir.i64(r.loop().step()), "");
			slot = ir.srem(iteration, ir.i64(r.ring()));
			data = ir.add(iteration, ir.i64(r.ring() - 1));
		} else {
			data = ir.i64(0);
		}
		LLVMValueRef barrierAddress = ir.add(sharedAddress(r.barrier()), ir.trunc(ir.mul(slot, ir.i64(8)), ir.i32()));
		LLVMValueRef parity = ir.trunc(ir.and(LLVMBuildSDiv(ir.raw(), data, ir.i64(Math.max(1, r.ring())), ""), ir.i64(1)), ir.i32());
		LLVMValueRef base = regionBase(a.result());
		Smem target = new Smem(base, swizzled(a.result()), t, barrierAddress, parity);
		GpuAbi.TensorMap map = GpuAbi.tensorMap(kernel, a);
		LLVMValueRef mapAddress = tensorMapAddresses.get(map);
		int panel = target.layout().panel();
		int rows = t.shape().get(0);
		int panels = t.shape().get(1) / panel;
		long panelBytes = (long) rows * panel * storageBytes(t.dtype());
		ir.ifThenElse(useTma, () -> ir.ifThen(ir.icmp(LLVMIntEQ, tid, ir.i32(0)), () -> {
			ir.asm(ir.voidType(), "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r,~{memory}", barrierAddress,
					ir.i32(Math.toIntExact(panelBytes * panels)));
			LLVMValueRef dst = LLVMBuildPtrToInt(ir.raw(), base, ir.i32(), "");
			int rank = a.access().rank();
			for (int p = 0; p < panels; p++) {
				LLVMValueRef[] args = new LLVMValueRef[rank + 3];
				args[0] = ir.add(dst, ir.i32(Math.toIntExact(panelBytes * p)));
				args[1] = mapAddress;
				StringBuilder coords = new StringBuilder();
				StringBuilder constraints = new StringBuilder("r,l");
				for (int c = 0; c < rank; c++) {
					int axis = rank - 1 - c; // TMA coordinates run innermost first
					LLVMValueRef at = index(a.access().origin().get(axis));
					if (c == 0) {
						at = ir.add(at, ir.i64((long) p * panel));
					}
					args[2 + c] = ir.trunc(at, ir.i32());
					coords.append(c == 0 ? "" : ", ").append('$').append(2 + c);
					constraints.append(",r");
				}
				args[rank + 2] = barrierAddress;
				constraints.append(",r,~{memory}");
				ir.asm(ir.voidType(), "cp.async.bulk.tensor." + rank + "d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [$0], [$1, {"
						+ coords + "}], [$" + (rank + 2) + "];", constraints.toString(), args);
			}
		}), () -> perThreadCopy(a, base));
		define(a.result(), target);
	}

	/** Waits (when this launch uses TMA) until the bulk copy that fills s has landed. */
	private void awaitBulk(Smem s) {
		if (s.barrier() == null) {
			return;
		}
		ir.ifThen(useTma, () -> ir.asm(ir.voidType(),
				"{\n.reg .pred done;\nwait:\nmbarrier.try_wait.parity.shared::cta.b64 done, [$0], $1;\n@!done bra wait;\n}",
				"r,r,~{memory}", s.barrier(), s.parity()));
	}

	/** An asynchronous copy by every thread into the shared tile at {@code base}: cp.async where it can. */
	private void perThreadCopy(Stmt.AsyncCopy a, LLVMValueRef regionBase) {
		TileType t = a.result().type();
		TileType inRegisters = new TileType(t.shape(), t.dtype());
		int bytes = storageBytes(t.dtype());
		int vector = Math.max(1, 16 / bytes);
		ThreadMap map = ThreadMap.of(LayoutAssignment.layout(inRegisters, warps, warpSize, vector, "none", 128), t.shape());
		Smem target = new Smem(regionBase, swizzled(a.result()), t);
		if (!a.bulk()) {
			define(a.result(), target);
		}
		int axis = contiguousTileAxis(a.access());
		List<Run> runs = runs(map, axis, vector);
		boolean vectorRuns = asyncCopies && runs.get(0).length() == vector && bytes * vector == 16
				&& target.layout().order().get(0) == axis && (target.layout().maxPhase() == 1 || target.layout().vector() % vector == 0);
		if (!vectorRuns) {
			storeShared(target, new Regs(map, t.dtype(), loadGlobal(a.arg(), a.access(), a.other(), map)));
			if (asyncCopies) {
				ir.asm(ir.voidType(), "cp.async.commit_group;", "~{memory}");
			}
			return;
		}
		LLVMTypeRef st = storageType(t.dtype());
		LLVMValueRef base = data.get(a.arg());
		for (Run run : runs) {
			LLVMValueRef[] idx = argIndices(a.arg(), a.access(), map, run.firstSlot());
			LLVMValueRef off = offset(a.arg(), idx);
			LLVMValueRef dst = ir.gep(st, target.base(), sharedOffset(target, map, run.firstSlot()));
			ir.ifThenElse(wholeRun(a.arg(), idx, off, run.length()),
					// Inline PTX: with 32-bit shared pointers LLVM 20 cannot select the cp.async intrinsic (it aborts).
					() -> ir.asm(ir.voidType(), "cp.async.cg.shared.global [$0], [$1], 16;", "r,l,~{memory}",
							LLVMBuildPtrToInt(ir.raw(), dst, ir.i32(), ""), LLVMBuildPtrToInt(ir.raw(), ir.gep(st, base, off), ir.i64(), "")),
					() -> {
						LLVMValueRef other = constant(t.dtype(), a.other());
						for (int i = 0; i < run.length(); i++) {
							LLVMValueRef v = maskedElement(a.arg(), idx, off, i, other);
							ir.store(toStorage(v, t.dtype()), ir.gep(st, dst, ir.i32(i)), bytes);
						}
					});
		}
		ir.asm(ir.voidType(), "cp.async.commit_group;", "~{memory}");
	}

	private void asyncWait(Stmt.AsyncWait w) {
		if (asyncCopies) {
			ir.asm(ir.voidType(), "cp.async.wait_group " + w.pending() + ";", "~{memory}");
		}
		if (w.pending() == 0) {
			// Bulk copies past a loop's end land in shared memory the next program reuses: let them finish.
			bulkInFlight.forEach(this::awaitBulk);
			bulkInFlight.clear();
		}
		asyncProxyFence();
		barrier();
	}

	/**
	 * Makes this thread's shared-memory writes (ordinary stores, cp.async) visible to the async
	 * proxy that wgmma reads through, before the barrier that hands them over: only in kernels with
	 * warp-group dots.
	 */
	private void asyncProxyFence() {
		if (warpGroupDots) {
			ir.asm(ir.voidType(), "fence.proxy.async.shared::cta;", "~{memory}");
		}
	}

	// ------------------------------------------------------------------ global memory

	/** A run of consecutive slots along the argument's contiguous axis, moved as one vector when in bounds and aligned. */
	private record Run(int firstSlot, int length, int slotStep) {
	}

	/** The slots of m grouped into runs along tile axis t (the one walking the argument's last axis), at most maxLength long. */
	private static List<Run> runs(ThreadMap m, int t, int maxLength) {
		List<Run> out = new ArrayList<>();
		if (t < 0 || m.wraps(t) || m.perThread(t) == 1) {
			for (int s = 0; s < m.slots(); s++) {
				out.add(new Run(s, 1, 0));
			}
			return out;
		}
		int per = m.perThread(t);
		int length = Math.min(per, maxLength);
		while (per % length != 0) {
			length--;
		}
		int slotStep = m.slotStep(t);
		for (int s = 0; s < m.slots(); s++) {
			if (m.slotIndex(s)[t] % length == 0) {
				out.add(new Run(s, length, slotStep));
			}
		}
		return out;
	}

	/** Element indices (i64) per argument axis of slot s, and whether all are in bounds (i1). */
	private LLVMValueRef[] argIndices(String arg, Access access, ThreadMap m, int s) {
		LLVMValueRef[] idx = new LLVMValueRef[access.rank()];
		for (int d = 0; d < access.rank(); d++) {
			LLVMValueRef origin = index(access.origin().get(d));
			int t = access.tileAxis().get(d);
			idx[d] = t >= 0 ? ir.add(origin, ir.sext(coordinate(m, s, t), ir.i64())) : origin;
		}
		return idx;
	}

	private LLVMValueRef inBounds(String arg, LLVMValueRef[] idx) {
		LLVMValueRef ok = ir.i1Const(true);
		LLVMValueRef[] ext = extents.get(arg);
		for (int d = 0; d < idx.length; d++) {
			ok = ir.and(ok, ir.icmp(LLVMIntULT, idx[d], ext[d]));
		}
		return ok;
	}

	private LLVMValueRef offset(String arg, LLVMValueRef[] idx) {
		LLVMValueRef off = ir.i64(0);
		LLVMValueRef[] st = strides.get(arg);
		for (int d = 0; d < idx.length; d++) {
			off = ir.add(off, ir.mul(idx[d], st[d]));
		}
		return off;
	}

	/** Whether a run starting at idx lies in bounds and starts at a multiple of its length (i1). */
	private LLVMValueRef wholeRun(String arg, LLVMValueRef[] idx, LLVMValueRef offset, int length) {
		LLVMValueRef ok = inBounds(arg, idx);
		int last = idx.length - 1;
		ok = ir.and(ok, ir.icmp(LLVMIntSLE, ir.add(idx[last], ir.i64(length)), extents.get(arg)[last]));
		return ir.and(ok, ir.icmp(LLVMIntEQ, ir.and(offset, ir.i64(length - 1)), ir.i64(0)));
	}

	private int contiguousTileAxis(Access access) {
		return access.rank() == 0 ? -1 : access.tileAxis().get(access.rank() - 1);
	}

	/**
	 * Element i along the contiguous axis from the one at {@code idx} (offset {@code off}) of arg, as a
	 * compute value, or {@code other} where it lies outside: the address is clamped to element 0 there,
	 * so a masked-off lane never reads out of bounds.
	 */
	private LLVMValueRef maskedElement(String arg, LLVMValueRef[] idx, LLVMValueRef off, int i, LLVMValueRef other) {
		DType dt = kernel.arg(arg).dtype();
		LLVMTypeRef st = storageType(dt);
		LLVMValueRef[] at = idx.clone();
		int last = idx.length - 1;
		if (i != 0) {
			at[last] = ir.add(idx[last], ir.i64(i));
		}
		LLVMValueRef ok = inBounds(arg, at);
		LLVMValueRef safe = ir.select(ok, i == 0 ? off : ir.add(off, ir.i64(i)), ir.i64(0));
		return ir.select(ok, fromStorage(ir.load(st, ir.gep(st, data.get(arg), safe), storageBytes(dt)), dt), other);
	}

	private LLVMValueRef[] loadGlobal(String arg, Access access, double other, ThreadMap m) {
		requireWhole(m);
		KernelArg ka = kernel.arg(arg);
		DType dt = ka.dtype();
		LLVMTypeRef st = storageType(dt);
		int bytes = storageBytes(dt);
		LLVMValueRef base = data.get(arg);
		LLVMValueRef otherValue = constant(dt, other);
		LLVMValueRef[] out = new LLVMValueRef[m.slots()];
		for (Run run : runs(m, contiguousTileAxis(access), 16 / bytes)) {
			LLVMValueRef[] idx = argIndices(arg, access, m, run.firstSlot());
			LLVMValueRef off = offset(arg, idx);
			if (run.length() == 1) {
				out[run.firstSlot()] = maskedElement(arg, idx, off, 0, otherValue);
				continue;
			}
			LLVMValueRef whole = wholeRun(arg, idx, off, run.length());
			LLVMBasicBlockRef vectorBlock = ir.block("ld.vector");
			LLVMBasicBlockRef scalarBlock = ir.block("ld.scalar");
			LLVMBasicBlockRef join = ir.block("ld.join");
			ir.condBr(whole, vectorBlock, scalarBlock);
			ir.at(vectorBlock);
			LLVMTypeRef vt = ir.vec(st, run.length());
			LLVMValueRef vec = ir.load(vt, ir.gep(st, base, off), bytes * run.length());
			LLVMValueRef[] fromVector = new LLVMValueRef[run.length()];
			for (int i = 0; i < run.length(); i++) {
				fromVector[i] = fromStorage(ir.extract(vec, i), dt);
			}
			LLVMBasicBlockRef vectorEnd = ir.currentBlock();
			ir.br(join);
			ir.at(scalarBlock);
			LLVMValueRef[] fromScalars = new LLVMValueRef[run.length()];
			for (int i = 0; i < run.length(); i++) {
				fromScalars[i] = maskedElement(arg, idx, off, i, otherValue);
			}
			LLVMBasicBlockRef scalarEnd = ir.currentBlock();
			ir.br(join);
			ir.at(join);
			for (int i = 0; i < run.length(); i++) {
				LLVMValueRef phi = ir.phi(LLVMTypeOf(fromVector[i]));
				ir.addIncoming(phi, fromVector[i], vectorEnd);
				ir.addIncoming(phi, fromScalars[i], scalarEnd);
				out[run.firstSlot() + i * run.slotStep()] = phi;
			}
		}
		return out;
	}

	/** An atomic update of each element this thread owns (one update per element), in bounds and where the mask holds. */
	private void atomic(Stmt.Atomic at) {
		Regs x = regs(at.value());
		ThreadMap m = x.map();
		requireWhole(m);
		LLVMValueRef[] mask = at.mask() == null ? null : broadcastTo(regs(at.mask()), m);
		DType dt = kernel.arg(at.arg()).dtype();
		LLVMTypeRef st = storageType(dt);
		String kind = at.kind().name().toLowerCase(java.util.Locale.ROOT);
		for (int s = 0; s < m.slots(); s++) {
			LLVMValueRef[] idx = argIndices(at.arg(), at.access(), m, s);
			LLVMValueRef off = offset(at.arg(), idx);
			LLVMValueRef ok = inBounds(at.arg(), idx);
			LLVMValueRef own = owns(m, s);
			ok = own == null ? ok : ir.and(ok, own);
			ok = mask == null ? ok : ir.and(ok, mask[s]);
			LLVMValueRef v = toStorage(convert(x.regs()[s], x.dtype(), dt), dt);
			ir.ifThen(ok, () -> ir.atomicUpdate(kind, ir.gep(st, data.get(at.arg()), off), v));
		}
	}

	/** Stores x into arg; with a mask (one i1 per slot of x), element by element where it is true. */
	private void storeGlobal(String arg, Access access, Regs x, LLVMValueRef[] mask) {
		ThreadMap m = x.map();
		requireWhole(m);
		KernelArg ka = kernel.arg(arg);
		DType dt = ka.dtype();
		LLVMTypeRef st = storageType(dt);
		int bytes = storageBytes(dt);
		LLVMValueRef base = data.get(arg);
		for (Run run : runs(m, mask == null ? contiguousTileAxis(access) : -1, 16 / bytes)) {
			LLVMValueRef[] idx = argIndices(arg, access, m, run.firstSlot());
			LLVMValueRef off = offset(arg, idx);
			LLVMValueRef own = owns(m, run.firstSlot());
			if (mask != null) {
				own = own == null ? mask[run.firstSlot()] : ir.and(own, mask[run.firstSlot()]);
			}
			LLVMValueRef[] v = new LLVMValueRef[run.length()];
			for (int i = 0; i < v.length; i++) {
				v[i] = toStorage(convert(x.regs()[run.firstSlot() + i * run.slotStep()], x.dtype(), dt), dt);
			}
			if (run.length() == 1) {
				LLVMValueRef ok = inBounds(arg, idx);
				ir.ifThen(own == null ? ok : ir.and(ok, own), () -> ir.store(v[0], ir.gep(st, base, off), bytes));
				continue;
			}
			LLVMValueRef whole = wholeRun(arg, idx, off, run.length());
			int last = idx.length - 1;
			Runnable scalars = () -> {
				for (int i = 0; i < v.length; i++) {
					LLVMValueRef[] at = idx.clone();
					at[last] = ir.add(idx[last], ir.i64(i));
					LLVMValueRef at0 = ir.add(off, ir.i64(i));
					LLVMValueRef value = v[i];
					ir.ifThen(inBounds(arg, at), () -> ir.store(value, ir.gep(st, base, at0), bytes));
				}
			};
			Runnable body = () -> ir.ifThenElse(whole, () -> {
				LLVMValueRef vec = LLVMGetUndef(ir.vec(st, v.length));
				for (int i = 0; i < v.length; i++) {
					vec = ir.insert(vec, v[i], i);
				}
				ir.store(vec, ir.gep(st, base, off), bytes * v.length);
			}, scalars);
			if (own == null) {
				body.run();
			} else {
				ir.ifThen(own, body);
			}
		}
	}

	// ------------------------------------------------------------------ dtypes

	/** Registers hold f32 for f32/bf16/f16, f64, i64 for integers, i1 for bool. */
	private LLVMTypeRef computeType(DType dt) {
		return switch (dt) {
			case F32, BF16, F16 -> ir.f32();
			case F64 -> ir.f64();
			case BOOL -> ir.i1();
			case I8, I16, I32, I64, U8 -> ir.i64();
			default -> throw new UnsupportedOperationException("the GPU backend has no " + dt.sourceName() + " yet");
		};
	}

	private LLVMTypeRef scratchType(DType dt) {
		return dt == DType.BOOL ? ir.i8() : computeType(dt);
	}

	private static int scratchBytes(DType dt) {
		return switch (dt) {
			case BOOL -> 1;
			case F32, BF16, F16 -> 4;
			default -> 8;
		};
	}

	private LLVMValueRef toScratch(LLVMValueRef v) {
		return LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMIntegerTypeKind && LLVMGetIntTypeWidth(LLVMTypeOf(v)) == 1 ? ir.zext(v, ir.i8()) : v;
	}

	private LLVMValueRef fromScratch(LLVMValueRef v, DType dt) {
		return dt == DType.BOOL ? ir.icmp(LLVMIntNE, v, LLVMConstInt(ir.i8(), 0, 0)) : v;
	}

	/** The memory type of an element: what buffers and shared tiles hold (bf16 as its 16 bits). */
	private LLVMTypeRef storageType(DType dt) {
		return switch (dt) {
			case F32 -> ir.f32();
			case F64 -> ir.f64();
			case F16 -> ir.f16();
			case BF16, I16 -> ir.i16();
			case I32 -> ir.i32();
			case I64 -> ir.i64();
			case I8, U8, BOOL -> ir.i8();
			default -> throw new UnsupportedOperationException("the GPU backend has no " + dt.sourceName() + " yet");
		};
	}

	static int storageBytes(DType dt) {
		return switch (dt) {
			case BOOL, I8, U8, FP8E4M3, FP8E5M2 -> 1;
			case I16, F16, BF16 -> 2;
			case I32, F32 -> 4;
			case I64, F64 -> 8;
		};
	}

	private LLVMValueRef fromStorage(LLVMValueRef v, DType dt) {
		return switch (dt) {
			case F32, F64, I64 -> v;
			case F16 -> ir.fpext(v, ir.f32());
			case BF16 -> ir.bitcast(ir.shl(ir.zext(v, ir.i32()), ir.i32(16)), ir.f32());
			case I8, I16, I32 -> ir.sext(v, ir.i64());
			case U8 -> ir.zext(v, ir.i64());
			case BOOL -> ir.icmp(LLVMIntNE, v, LLVMConstInt(ir.i8(), 0, 0));
			default -> throw new UnsupportedOperationException("the GPU backend has no " + dt.sourceName() + " yet");
		};
	}

	private LLVMValueRef toStorage(LLVMValueRef v, DType dt) {
		return switch (dt) {
			case F32, F64, I64 -> v;
			case F16 -> ir.fptrunc(v, ir.f16());
			case BF16 -> ir.bitcast(ir.fptrunc(v, ir.bf16()), ir.i16());
			case I8, U8 -> ir.trunc(v, ir.i8());
			case I16 -> ir.trunc(v, ir.i16());
			case I32 -> ir.trunc(v, ir.i32());
			case BOOL -> ir.zext(v, ir.i8());
			default -> throw new UnsupportedOperationException("the GPU backend has no " + dt.sourceName() + " yet");
		};
	}

	private LLVMValueRef constant(DType dt, double value) {
		LLVMTypeRef t = computeType(dt);
		return switch (dt) {
			case BOOL -> ir.i1Const(value != 0);
			case I8, I16, I32, I64, U8 -> ir.i64((long) value);
			default -> ir.constF(t, roundConstant(value, dt));
		};
	}

	private static double roundConstant(double value, DType dt) {
		return dt == DType.F32 || dt == DType.F64 || Double.isNaN(value) || Double.isInfinite(value) ? value
				: dev.forge.compiler.interp.Elementwise.round(value, dt);
	}

	/** A compute value rounded to what dtype dt stores (bf16/f16 precision kept in f32 registers). */
	private LLVMValueRef roundTo(LLVMValueRef v, DType dt) {
		return switch (dt) {
			case BF16 -> ir.fpext(ir.fptrunc(v, ir.bf16()), ir.f32());
			case F16 -> ir.fpext(ir.fptrunc(v, ir.f16()), ir.f32());
			case I8 -> ir.sext(ir.trunc(v, ir.i8()), ir.i64());
			case I16 -> ir.sext(ir.trunc(v, ir.i16()), ir.i64());
			case I32 -> ir.sext(ir.trunc(v, ir.i32()), ir.i64());
			case U8 -> ir.zext(ir.trunc(v, ir.i8()), ir.i64());
			default -> v;
		};
	}

	/** A compute value of dtype {@code from} as a compute value of dtype {@code to}, rounded to it. */
	private LLVMValueRef convert(LLVMValueRef v, DType from, DType to) {
		if (from == to) {
			return v;
		}
		LLVMTypeRef target = computeType(to);
		LLVMValueRef r;
		if (from == DType.BOOL) {
			r = to.isFloat() ? LLVMBuildUIToFP(ir.raw(), v, target, "") : ir.zext(v, target);
		} else if (to == DType.BOOL) {
			r = from.isFloat() ? ir.fcmp(LLVMRealUNE, v, ir.constF(LLVMTypeOf(v), 0)) : ir.icmp(LLVMIntNE, v, ir.i64(0));
		} else if (from.isFloat() && to.isFloat()) {
			r = from == DType.F64 ? ir.fptrunc(v, target) : to == DType.F64 ? ir.fpext(v, target) : v;
		} else if (from.isFloat()) {
			r = ir.fptosi(v, target);
		} else if (to.isFloat()) {
			r = ir.sitofp(v, target);
		} else {
			r = v;
		}
		return roundTo(r, to);
	}
}
