package dev.forge.compiler.tile;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.graph.Op;
import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.SourceRange;
import dev.forge.compiler.graph.Value;
import dev.forge.compiler.schedule.KernelGroup;
import dev.forge.compiler.schedule.ScheduleFunction;
import dev.forge.types.DType;
import dev.forge.types.Dim;

/**
 * Schedule IR -> Tile IR: one kernel per kernel group. Each program computes one tile of the
 * group's output. Values in memory are loaded tile by tile (transposes and broadcasts become the
 * loads' access maps); every other value of the group is computed from them in the program, once
 * per loop scope. Row reductions loop over column blocks once per reduction and once more to
 * write the output; matmuls loop over K, accumulating in f32 (f64 for f64), then apply the epilogue.
 * A schedule's pipeline stages make the K loop's operand loads asynchronous copies issued ahead
 * ({@link SoftwarePipeline}); blocks of grid axes that are not parallel are loops in each program.
 */
public final class TileLowering {

	private final ScheduleFunction schedule;
	private final Map<Value, Op> definitions = new HashMap<>();
	private final Map<Value, String> bufferOf = new HashMap<>();
	private final List<Buffer> buffers = new ArrayList<>();
	private final Map<Dim, String> dimBuffers = new LinkedHashMap<>();

	private TileLowering(ScheduleFunction schedule) {
		this.schedule = schedule;
	}

	public static TileFunction apply(ScheduleFunction schedule) throws LoweringException {
		return new TileLowering(schedule).run();
	}

	private TileFunction run() throws LoweringException {
		GraphFunction g = schedule.graph();
		for (Op op : g.body()) {
			definitions.put(op.result(), op);
		}
		for (GraphFunction.Param p : g.params()) {
			bufferOf.put(p.value(), p.name());
			buffers.add(new Buffer(p.name(), p.value().type().dims(), p.value().type().dtype(), Buffer.Role.INPUT, null));
		}
		List<KernelGroup> groups = schedule.groups();
		// The first kernel computing a result writes its output buffer; copies fill the others.
		Map<KernelGroup, String> target = new HashMap<>();
		List<Value> results = g.results();
		List<KernelGroup> copies = new ArrayList<>(groups.stream().filter(k -> k.kind() == KernelGroup.Kind.COPY).toList());
		for (int i = 0; i < results.size(); i++) {
			String name = results.size() == 1 ? "result" : "result" + i;
			Value r = results.get(i);
			buffers.add(new Buffer(name, r.type().dims(), r.type().dtype(), Buffer.Role.OUTPUT, null));
			KernelGroup computing = groups.stream()
					.filter(k -> k.kind() != KernelGroup.Kind.COPY && k.output().equals(r) && !target.containsKey(k)).findFirst()
					.orElse(null);
			if (computing != null) {
				target.put(computing, name);
				bufferOf.put(r, name);
			} else {
				KernelGroup copy = copies.stream().filter(k -> k.output().equals(r)).findFirst().orElseThrow();
				copies.remove(copy);
				target.put(copy, name);
			}
		}
		for (KernelGroup k : groups) {
			if (!target.containsKey(k)) {
				String name = "t" + k.output().id();
				target.put(k, name);
				bufferOf.put(k.output(), name);
				buffers.add(new Buffer(name, k.output().type().dims(), k.output().type().dtype(), Buffer.Role.TEMP, null));
			}
		}
		List<Kernel> kernels = new ArrayList<>();
		for (KernelGroup k : groups) {
			kernels.add(new KernelBuilder(k, target.get(k)).build());
		}
		for (Map.Entry<Dim, String> d : dimBuffers.entrySet()) {
			buffers.add(new Buffer(d.getValue(), List.of(), DType.F64, Buffer.Role.DIM, d.getKey()));
		}
		return new TileFunction(g.name(), buffers, kernels);
	}

	/** The buffer holding {@code v}'s elements, through views. */
	private String bufferHolding(Value v) {
		Value base = v;
		while (schedule.views().containsKey(base)) {
			base = schedule.views().get(base);
		}
		return bufferOf.get(base);
	}

	/** Builds one kernel; tile axes are the output's axes (the reduced input's axes for a reduction output). */
	private final class KernelBuilder {
		private final KernelGroup group;
		private final String outputBuffer;
		private final Map<String, KernelArg> args = new LinkedHashMap<>();
		private final Deque<List<Stmt>> bodies = new ArrayDeque<>();
		private final Deque<Map<String, TileValue>> memo = new ArrayDeque<>();
		private final Map<Value, TileValue> computed = new HashMap<>();
		private final List<Index> grid = new ArrayList<>();
		private final List<Map.Entry<String, Index>> sequential = new ArrayList<>();
		private int rank;
		private int[] size;
		private Index[] origin;
		private int nextId;
		private int nextLoop;
		private KernelArg out;
		/** A row kernel's value kept in the output between its last reduction pass and the output pass (see {@link #stashFor}). */
		private Value stash;
		private boolean stashWritten;

		KernelBuilder(KernelGroup group, String outputBuffer) {
			this.group = group;
			this.outputBuffer = outputBuffer;
		}

		Kernel build() throws LoweringException {
			bodies.push(new ArrayList<>());
			memo.push(new HashMap<>());
			Value y = group.output();
			out = new KernelArg(outputBuffer, outputBuffer, y.type().dims(), y.type().dtype(), true);
			args.put(out.name(), out);
			switch (group.kind()) {
				case MATMUL -> matmul(y);
				case ROW_REDUCTION -> rowReduction(y);
				case ELEMENTWISE, COPY -> elementwise(y);
			}
			// A matmul's operand tiles in shared memory are XOR-swizzled: the rows a tensor core's ldmatrix reads at once then fall in distinct banks.
			String swizzle = group.kind() == KernelGroup.Kind.MATMUL ? "xor" : "none";
			return new Kernel(group.name(), new ArrayList<>(args.values()), grid, wrapSequential(bodies.pop(), rangeOf(y)),
					group.tiling().toString(), rangeOf(y), Threads.requested(group.tiling().warps(), group.tiling().vector(), swizzle));
		}

		private void elementwise(Value y) throws LoweringException {
			tileSpace(y.type().dims(), group.tiling().block());
			TileValue v = expand(emit(y, identity(rank)), size);
			add(new Stmt.Store(out.name(), new Access(List.of(origin), range(rank)), v, rangeOf(y)));
		}

		private void matmul(Value y) throws LoweringException {
			Op.MatMul m = (Op.MatMul) group.ops().stream().filter(o -> o instanceof Op.MatMul).findFirst().orElseThrow();
			tileSpace(y.type().dims(), group.tiling().block());
			int bm = size[rank - 2];
			int bn = size[rank - 1];
			int bk = group.tiling().inner();
			DType in = m.lhs().type().dtype();
			DType accType = in == DType.F64 ? DType.F64 : DType.F32;
			TileValue acc0 = def(new Stmt.Full(value(List.of(bm, bn), accType), 0, m.range()));
			List<Dim> lhsDims = m.lhs().type().dims();
			Index kExtent = dimIndex(lhsDims.get(lhsDims.size() - 1), m.range());
			String k = "k" + nextLoop++;
			TileValue carried = value(List.of(bm, bn), accType);
			enterLoop();
			Index kOrigin = new Index.LoopVar(k);
			TileValue a = operandTile(m.lhs(), origin[rank - 2], kOrigin, List.of(bm, bk));
			TileValue b = operandTile(m.rhs(), kOrigin, origin[rank - 1], List.of(bk, bn));
			if (in != accType) {
				a = def(new Stmt.Cast(value(a.type().shape(), accType), a, m.range()));
				b = def(new Stmt.Cast(value(b.type().shape(), accType), b, m.range()));
			}
			TileValue next = def(new Stmt.Dot(value(List.of(bm, bn), accType), a, b, carried, m.range()));
			List<Stmt> loopBody = exitLoop();
			TileValue acc = value(List.of(bm, bn), accType);
			Stmt.For kLoop = new Stmt.For(k, Index.of(0), kExtent, bk, List.of(carried), List.of(acc0), loopBody, List.of(next),
					List.of(acc), m.range());
			SoftwarePipeline.apply(kLoop, group.tiling().stages(), () -> nextId++).forEach(this::add);
			TileValue product = rank == 2 ? acc : def(new Stmt.Reshape(value(shape(), accType), acc, m.range()));
			if (m.result().type().dtype() != accType) {
				product = def(new Stmt.Cast(value(shape(), m.result().type().dtype()), product, m.range()));
			}
			computed.put(m.result(), product);
			TileValue v = expand(emit(y, identity(rank)), size);
			add(new Stmt.Store(out.name(), new Access(List.of(origin), range(rank)), v, rangeOf(y)));
		}

		/** The [rows, cols] tile of a matmul operand at the given origins; batch axes follow the program's. */
		private TileValue operandTile(Value v, Index rowOrigin, Index colOrigin, List<Integer> tileShape)
				throws LoweringException {
			int r = v.rank();
			Index[] origins = new Index[r];
			int[] axes = new int[r];
			for (int j = 0; j < r - 2; j++) {
				int outAxis = (rank - 2) - (r - 2) + j;
				boolean broadcast = v.type().dims().get(j).equals(Dim.ONE);
				origins[j] = broadcast ? Index.of(0) : origin[outAxis];
				axes[j] = -1;
			}
			origins[r - 2] = rowOrigin;
			axes[r - 2] = 0;
			origins[r - 1] = colOrigin;
			axes[r - 1] = 1;
			return loadThroughViews(v, origins, axes, tileShape);
		}

		/** Loads {@code v}, pushing its transposes and broadcasts into the access map. */
		private TileValue loadThroughViews(Value v, Index[] origins, int[] axes, List<Integer> tileShape)
				throws LoweringException {
			Op def = definitions.get(v);
			if (def instanceof Op.Transpose t && !inMemory(v)) {
				Index[] o = new Index[t.x().rank()];
				int[] a = new int[t.x().rank()];
				for (int i = 0; i < t.perm().size(); i++) {
					o[t.perm().get(i)] = origins[i];
					a[t.perm().get(i)] = axes[i];
				}
				return loadThroughViews(t.x(), o, a, tileShape);
			}
			if (def instanceof Op.BroadcastTo bc && !inMemory(v)) {
				Value x = bc.x();
				int shift = v.rank() - x.rank();
				Index[] o = new Index[x.rank()];
				int[] a = new int[x.rank()];
				for (int j = 0; j < x.rank(); j++) {
					boolean one = x.type().dims().get(j).equals(Dim.ONE);
					o[j] = one ? Index.of(0) : origins[j + shift];
					a[j] = one ? -1 : axes[j + shift];
				}
				return loadThroughViews(x, o, a, tileShape);
			}
			if (!inMemory(v)) {
				throw new LoweringException("internal: a matmul operand is not in memory", rangeOf(v));
			}
			KernelArg arg = argFor(v);
			List<Integer> walked = new ArrayList<>();
			for (int a : axes) {
				walked.add(a);
			}
			return def(new Stmt.Load(value(tileShape, v.type().dtype()), arg.name(), new Access(Arrays.asList(origins), walked),
					0, rangeOf(v)));
		}

		private void rowReduction(Value y) throws LoweringException {
			boolean yIsReduction = definitions.get(y) instanceof Op.Reduce;
			List<Dim> space = yIsReduction ? definitions.get(y).operands().get(0).type().dims() : y.type().dims();
			int n = space.size();
			List<Integer> block = new ArrayList<>();
			for (int t = 0; t < n; t++) {
				block.add(t == n - 1 ? group.tiling().inner() : 1);
			}
			rank = n;
			size = new int[n];
			origin = new Index[n];
			Index[] rows = new Index[n - 1];
			for (int t = 0; t < n - 1; t++) {
				rows[t] = dimIndex(space.get(t), rangeOf(y));
				size[t] = 1;
			}
			System.arraycopy(blockIndices(rows), 0, origin, 0, n - 1);
			size[n - 1] = block.get(n - 1);
			Index width = dimIndex(space.get(n - 1), rangeOf(y));
			Op.Reduce last = null;
			for (Op op : group.ops()) {
				if (op instanceof Op.Reduce r) {
					last = r;
				}
			}
			stash = yIsReduction || last == null ? null : stashFor(last, y);
			for (Op op : group.ops()) {
				if (op instanceof Op.Reduce r) {
					computed.put(r.result(), reduction(r, width));
				}
			}
			stashWritten = stash != null;
			if (yIsReduction) {
				TileValue v = computed.get(y);
				List<Index> o = new ArrayList<>();
				List<Integer> axes = new ArrayList<>();
				for (int j = 0; j < y.rank(); j++) {
					boolean keptAxis = j == n - 1;
					o.add(keptAxis ? Index.of(0) : origin[j]);
					axes.add(j);
				}
				add(new Stmt.Store(out.name(), new Access(o, axes), v, rangeOf(y)));
				return;
			}
			String c = "c" + nextLoop++;
			origin[n - 1] = new Index.LoopVar(c);
			enterLoop();
			TileValue v = expand(emit(y, identity(n)), size);
			add(new Stmt.Store(out.name(), new Access(List.of(origin), range(n)), v, rangeOf(y)));
			add(new Stmt.For(c, Index.of(0), width, size[n - 1], List.of(), List.of(), exitLoop(), List.of(), List.of(),
					rangeOf(y)));
		}

		/** One pass over the column blocks accumulating {@code r}; the result has size 1 on the last tile axis. */
		private TileValue reduction(Op.Reduce r, Index width) throws LoweringException {
			int n = rank;
			DType resultType = r.result().type().dtype();
			// 16-bit sums accumulate in f32 and are rounded once at the end.
			DType dtype = resultType == DType.BF16 || resultType == DType.F16 ? DType.F32 : resultType;
			int[] one = size.clone();
			one[n - 1] = 1;
			List<Integer> accShape = toList(one);
			double identityValue = switch (r.kind()) {
				case SUM, MEAN -> 0;
				case MAX -> Double.NEGATIVE_INFINITY;
				case MIN -> Double.POSITIVE_INFINITY;
			};
			TileValue init = def(new Stmt.Full(value(accShape, dtype), identityValue, r.range()));
			String c = "c" + nextLoop++;
			origin[n - 1] = new Index.LoopVar(c);
			TileValue carried = value(accShape, dtype);
			enterLoop();
			TileValue x = expand(emit(r.x(), identity(n)), size);
			if (r.x().equals(stash)) {
				add(new Stmt.Store(out.name(), new Access(List.of(origin), range(n)), x, r.range()));
			}
			if (x.type().dtype() != dtype) {
				x = def(new Stmt.Cast(value(x.type().shape(), dtype), x, r.range()));
			}
			// Columns past the end read as 0: replace them by the reduction's identity.
			TileValue columns = def(new Stmt.Iota(value(List.of(shapeWithLast(1, size[n - 1])), DType.I64), n - 1,
					new Index.LoopVar(c), r.range()));
			TileValue end = def(new Stmt.Iota(value(List.of(shapeWithLast(1, 1)), DType.I64), n - 1, width, r.range()));
			TileValue inside = def(new Stmt.Binary(BinaryKind.LT, value(List.of(shapeWithLast(1, size[n - 1])), DType.BOOL),
					columns, end, r.range()));
			TileValue identity = def(new Stmt.Full(value(accShape, dtype), identityValue, r.range()));
			TileValue masked = def(new Stmt.Select(value(toList(size), dtype), inside, x, identity, r.range()));
			ReduceKind partialKind = r.kind() == ReduceKind.MEAN ? ReduceKind.SUM : r.kind();
			TileValue partial = def(new Stmt.Reduce(partialKind, value(accShape, dtype), masked, n - 1, width, r.range()));
			BinaryKind combine = switch (r.kind()) {
				case SUM, MEAN -> BinaryKind.ADD;
				case MAX -> BinaryKind.MAX;
				case MIN -> BinaryKind.MIN;
			};
			TileValue next = def(new Stmt.Binary(combine, value(accShape, dtype), carried, partial, r.range()));
			List<Stmt> loopBody = exitLoop();
			TileValue total = value(accShape, dtype);
			add(new Stmt.For(c, Index.of(0), width, size[n - 1], List.of(carried), List.of(init), loopBody, List.of(next),
					List.of(total), r.range()));
			if (r.kind() == ReduceKind.MEAN) {
				TileValue count = def(new Stmt.Iota(value(List.of(shapeWithLast(1, 1)), DType.I64), n - 1, width, r.range()));
				TileValue countF = def(new Stmt.Cast(value(accShape, dtype), count, r.range()));
				total = def(new Stmt.Binary(BinaryKind.DIV, value(accShape, dtype), total, countF, r.range()));
			}
			if (resultType != dtype) {
				total = def(new Stmt.Cast(value(accShape, resultType), total, r.range()));
			}
			return total;
		}

		/**
		 * The operand of a row kernel's last reduction when the output pass would compute it again and it is
		 * worth keeping instead: softmax's exp(x - max) feeds the sum and, scaled, is the output. The reduction
		 * pass then also stores it in the output row, and the output pass reads it back (from cache: a row is
		 * a few kB) instead of recomputing it. Only where a program is one thread (it reads its own stores) and
		 * the value has the output's shape and dtype, and only for a value with a transcendental in it (an
		 * elementwise chain of adds and multiplies is cheaper to recompute than to store and reload).
		 */
		private Value stashFor(Op.Reduce last, Value y) {
			Value p = last.x();
			if (group.tiling().warps() != 1 || inMemory(p) || !p.type().dims().equals(y.type().dims())
					|| p.type().dtype() != y.type().dtype() || !costly(p, new HashSet<>())) {
				return null;
			}
			return reaches(y, p, new HashSet<>()) ? p : null;
		}

		/** Whether computing {@code v} in the kernel takes a transcendental function. */
		private boolean costly(Value v, Set<Value> seen) {
			if (!seen.add(v) || inMemory(v) || computed.containsKey(v) || !(definitions.get(v) instanceof Op def)
					|| def instanceof Op.Reduce) {
				return false;
			}
			if (def instanceof Op.Unary u && switch (u.kind()) {
				case EXP, LOG, TANH, SIGMOID, GELU, GELU_TANH, SILU -> true;
				default -> false;
			}) {
				return true;
			}
			return def.operands().stream().anyMatch(o -> costly(o, seen));
		}

		/** Whether the output pass's computation of {@code from} uses {@code target} elementwise (no transposes). */
		private boolean reaches(Value from, Value target, Set<Value> seen) {
			if (from.equals(target)) {
				return true;
			}
			boolean loaded = inMemory(from) && !from.equals(group.output());
			if (!seen.add(from) || loaded || !(definitions.get(from) instanceof Op def) || def instanceof Op.Reduce
					|| def instanceof Op.Transpose) {
				return false;
			}
			return def.operands().stream().anyMatch(o -> reaches(o, target, seen));
		}

		private Integer[] shapeWithLast(int lead, int last) {
			Integer[] s = new Integer[rank];
			for (int t = 0; t < rank; t++) {
				s[t] = t == rank - 1 ? last : lead;
			}
			return s;
		}

		/** The tile of {@code v} whose axis j lies on tile axis place[j]; size 1 on axes v broadcasts. */
		private TileValue emit(Value v, int[] place) throws LoweringException {
			String key = v.id() + Arrays.toString(place) + Arrays.toString(origin);
			for (Map<String, TileValue> scope : memo) {
				TileValue known = scope.get(key);
				if (known != null) {
					return known;
				}
			}
			TileValue t = compute(v, place);
			memo.peek().put(key, t);
			return t;
		}

		private TileValue compute(Value v, int[] place) throws LoweringException {
			if (computed.containsKey(v)) {
				if (!Arrays.equals(place, identity(v.rank()))) {
					throw new LoweringException("this use of a reduction or matmul result (transposed or broadcast against "
							+ "another axis) cannot be fused yet", rangeOf(v));
				}
				return computed.get(v);
			}
			if (inMemory(v) && (v != group.output() || group.kind() == KernelGroup.Kind.COPY)) {
				return load(v, place);
			}
			if (stashWritten && v.equals(stash) && Arrays.equals(place, identity(rank))) {
				return def(new Stmt.Load(value(toList(size), v.type().dtype()), out.name(), new Access(List.of(origin), range(rank)), 0,
						rangeOf(v)));
			}
			Op def = definitions.get(v);
			DType dtype = v.type().dtype();
			SourceRange range = def.range();
			return switch (def) {
				case Op.Constant c -> def(new Stmt.Full(value(tileShape(v, place), dtype), c.value(), range));
				case Op.DimValue d -> {
					String name = dimBuffers.computeIfAbsent(d.dim(), k -> "dim" + dimBuffers.size());
					KernelArg arg = args.computeIfAbsent(name, k -> new KernelArg(name, name, List.of(), DType.F64, false));
					TileValue scalar = def(new Stmt.Load(value(ones(), DType.F64), arg.name(), new Access(List.of(), List.of()), 0,
							range));
					yield dtype == DType.F64 ? scalar : def(new Stmt.Cast(value(ones(), dtype), scalar, range));
				}
				case Op.Unary u -> {
					TileValue x = emit(u.x(), place);
					yield def(new Stmt.Unary(u.kind(), value(x.type().shape(), dtype), x, range));
				}
				case Op.Cast c -> {
					TileValue x = emit(c.x(), place);
					yield def(new Stmt.Cast(value(x.type().shape(), dtype), x, range));
				}
				case Op.Binary b -> {
					TileValue l = emit(b.lhs(), align(place, v.rank(), b.lhs().rank()));
					TileValue r = emit(b.rhs(), align(place, v.rank(), b.rhs().rank()));
					yield def(new Stmt.Binary(b.kind(), value(broadcast(l, r), dtype), l, r, range));
				}
				case Op.Transpose t -> {
					int[] inner = new int[t.x().rank()];
					for (int i = 0; i < t.perm().size(); i++) {
						inner[t.perm().get(i)] = place[i];
					}
					yield emit(t.x(), inner);
				}
				case Op.BroadcastTo b -> emit(b.x(), align(place, v.rank(), b.x().rank()));
				case Op.Select s -> {
					TileValue c = emit(s.cond(), align(place, v.rank(), s.cond().rank()));
					TileValue a = emit(s.a(), align(place, v.rank(), s.a().rank()));
					TileValue b = emit(s.b(), align(place, v.rank(), s.b().rank()));
					List<Integer> shape = broadcast(c, new TileValue(-1, a.type().withShape(broadcast(a, b))));
					yield def(new Stmt.Select(value(shape, dtype), c, a, b, range));
				}
				case Op.Iota i -> {
					int axis = place[i.axis()];
					int[] s = new int[rank];
					Arrays.fill(s, 1);
					s[axis] = size[axis];
					yield def(new Stmt.Iota(value(toList(s), dtype), axis, origin[axis], range));
				}
				case Op.Reshape r -> throw new LoweringException("internal: a reshape that is not a view", range);
				case Op.Reduce r -> throw new LoweringException("internal: a reduction outside its row kernel", range);
				case Op.MatMul m -> throw new LoweringException("internal: a matmul outside its kernel", range);
				case Op.Concat c -> concat(c, place);
				case Op.Slice s -> slice(s, v, place);
			};
		}

		/** A tile of a slice of a value in memory: its load starts each axis at the slice's start. */
		private TileValue slice(Op.Slice s, Value v, int[] place) throws LoweringException {
			KernelArg arg = argFor(s.x());
			List<Index> o = new ArrayList<>();
			List<Integer> axes = new ArrayList<>();
			int k = 0;
			for (int a = 0; a < s.x().rank(); a++) {
				Index start = startIndex(s.starts().get(a), s.range());
				if (s.kept().get(a) && !v.type().dims().get(k).equals(Dim.ONE)) {
					o.add(Index.add(origin[place[k]], start));
					axes.add(place[k]);
				} else {
					o.add(start);
					axes.add(-1);
				}
				k += s.kept().get(a) ? 1 : 0;
			}
			return def(new Stmt.Load(value(tileShape(v, place), v.type().dtype()), arg.name(), new Access(o, axes), 0, s.range()));
		}

		/** A slice's start as an index: a constant, or a dim of an argument plus a constant (C - 1). */
		private Index startIndex(Dim d, SourceRange range) throws LoweringException {
			if (d.isConstant()) {
				return Index.of(d.constantValue().getAsLong());
			}
			java.util.OptionalLong constant = d.evaluate(d.symbols().stream().collect(java.util.stream.Collectors.toMap(x -> x, x -> 0L)));
			long c = constant.isPresent() && !d.hasFloorDiv() ? constant.getAsLong() : 0;
			return Index.add(dimIndex(d.minus(Dim.of(c)), range), Index.of(c));
		}

		/**
		 * A tile of a concatenation of values in memory: each input loaded at the tile's origin minus
		 * where it starts along the axis (masked loads read outside it as 0), and the element taken
		 * from the input whose range holds its global coordinate (iota compared with the starts).
		 */
		private TileValue concat(Op.Concat c, int[] place) throws LoweringException {
			int axis = c.axis();
			int tileAxis = place[axis];
			List<Index> starts = new ArrayList<>();
			Index start = Index.of(0);
			for (Value in : c.inputs()) {
				starts.add(start);
				start = Index.add(start, dimIndex(in.type().dims().get(axis), c.range()));
			}
			int[] line = new int[rank];
			Arrays.fill(line, 1);
			line[tileAxis] = size[tileAxis];
			TileValue at = def(new Stmt.Iota(value(toList(line), DType.I64), tileAxis, origin[tileAxis], c.range()));
			int last = c.inputs().size() - 1;
			TileValue out = load(c.inputs().get(last), place, axis, starts.get(last));
			for (int i = last - 1; i >= 0; i--) {
				TileValue piece = load(c.inputs().get(i), place, axis, starts.get(i));
				TileValue end = def(new Stmt.Iota(value(ones(), DType.I64), tileAxis, starts.get(i + 1), c.range()));
				TileValue before = def(new Stmt.Binary(BinaryKind.LT, value(toList(line), DType.BOOL), at, end, c.range()));
				List<Integer> shape = broadcast(piece, out);
				out = def(new Stmt.Select(value(shape, c.result().type().dtype()), before, piece, out, c.range()));
			}
			return out;
		}

		private TileValue load(Value v, int[] place) {
			return load(v, place, -1, Index.of(0));
		}

		/** The tile of {@code v} in memory, its axis {@code shifted} read from {@code shift} before the tile's origin. */
		private TileValue load(Value v, int[] place, int shifted, Index shift) {
			KernelArg arg = argFor(v);
			List<Index> o = new ArrayList<>();
			List<Integer> axes = new ArrayList<>();
			for (int j = 0; j < v.rank(); j++) {
				boolean broadcast = v.type().dims().get(j).equals(Dim.ONE);
				boolean moved = j == shifted && !(shift instanceof Index.Const zero && zero.value() == 0);
				Index at = moved ? new Index.Binary(Index.Operator.SUB, origin[place[j]], shift) : origin[place[j]];
				o.add(broadcast ? Index.of(0) : at);
				axes.add(broadcast ? -1 : place[j]);
			}
			return def(new Stmt.Load(value(tileShape(v, place), v.type().dtype()), arg.name(), new Access(o, axes), 0,
					rangeOf(v)));
		}

		private List<Integer> tileShape(Value v, int[] place) {
			int[] s = new int[rank];
			Arrays.fill(s, 1);
			for (int j = 0; j < v.rank(); j++) {
				if (!v.type().dims().get(j).equals(Dim.ONE)) {
					s[place[j]] = size[place[j]];
				}
			}
			return toList(s);
		}

		/** Broadcasts {@code v} to the full tile (for stores and reductions): v + 0. */
		private TileValue expand(TileValue v, int[] full) {
			List<Integer> target = toList(full);
			if (v.type().shape().equals(target)) {
				return v;
			}
			TileValue zero = def(new Stmt.Full(value(target, v.type().dtype()), 0, SourceRange.NONE));
			return def(new Stmt.Binary(BinaryKind.ADD, value(target, v.type().dtype()), v, zero, SourceRange.NONE));
		}

		private KernelArg argFor(Value v) {
			String buffer = bufferHolding(v);
			Buffer b = buffers.stream().filter(x -> x.name().equals(buffer)).findFirst().orElseThrow();
			List<Dim> dims = v.type().dims();
			String name = b.shape().equals(dims) ? buffer : buffer + "_" + String.join("_", dims.stream().map(Dim::toString)
					.map(s -> s.replaceAll("[^A-Za-z0-9]+", "")).toList());
			return args.computeIfAbsent(name, k -> new KernelArg(name, buffer, dims, b.dtype(), false));
		}

		/** A run-time expression for dim d: the extent of an argument axis that has it. */
		private Index dimIndex(Dim d, SourceRange range) throws LoweringException {
			if (d.isConstant()) {
				return Index.of(d.constantValue().getAsLong());
			}
			for (int pass = 0; pass < 2; pass++) {
				for (KernelArg a : args.values()) {
					int axis = a.shape().indexOf(d);
					if (axis >= 0) {
						return new Index.Extent(a.name(), axis);
					}
				}
				for (Value in : group.inputs()) {
					if (in.type().dims().contains(d) && bufferHolding(in) != null) {
						argFor(in);
					}
				}
			}
			throw new LoweringException("internal: no argument of the kernel has the dim " + d, range);
		}

		private void tileSpace(List<Dim> dims, List<Integer> block) throws LoweringException {
			rank = dims.size();
			size = new int[rank];
			origin = new Index[rank];
			Index[] blocks = new Index[rank];
			for (int t = 0; t < rank; t++) {
				size[t] = block.get(t);
				blocks[t] = Index.cdiv(new Index.Extent(out.name(), t), size[t]);
			}
			Index[] at = blockIndices(blocks);
			for (int t = 0; t < rank; t++) {
				origin[t] = Index.mul(at[t], Index.of(size[t]));
			}
		}

		/**
		 * The index of the block each program works on along each grid axis, given how many blocks
		 * each axis has: the tiling's parallel axes become the grid's axes in its loop order (the
		 * last fastest), the others loops around the program's body, outermost first.
		 */
		private Index[] blockIndices(Index[] counts) {
			Index[] at = new Index[counts.length];
			for (int axis : group.tiling().order()) {
				if (group.tiling().isParallel(axis)) {
					at[axis] = new Index.ProgramId(grid.size());
					grid.add(counts[axis]);
				} else {
					String var = "b" + axis;
					at[axis] = new Index.LoopVar(var);
					sequential.add(Map.entry(var, counts[axis]));
				}
			}
			return at;
		}

		/** Wraps the body in the loops over the blocks of the grid axes that are not parallel. */
		private List<Stmt> wrapSequential(List<Stmt> body, SourceRange range) {
			for (int i = sequential.size() - 1; i >= 0; i--) {
				Map.Entry<String, Index> loop = sequential.get(i);
				body = List.of(new Stmt.For(loop.getKey(), Index.of(0), loop.getValue(), 1, List.of(), List.of(), body, List.of(),
						List.of(), range));
			}
			return body;
		}

		private boolean inMemory(Value v) {
			return bufferHolding(v) != null;
		}

		private void enterLoop() {
			bodies.push(new ArrayList<>());
			memo.push(new HashMap<>());
		}

		private List<Stmt> exitLoop() {
			memo.pop();
			return bodies.pop();
		}

		private TileValue def(Stmt.Def d) {
			add(d);
			return d.result();
		}

		private void add(Stmt s) {
			bodies.peek().add(s);
		}

		private TileValue value(List<Integer> shape, DType dtype) {
			return new TileValue(nextId++, new TileType(shape, dtype));
		}

		private List<Integer> shape() {
			return toList(size);
		}

		private List<Integer> ones() {
			int[] s = new int[rank];
			Arrays.fill(s, 1);
			return toList(s);
		}

		private SourceRange rangeOf(Value v) {
			Op d = definitions.get(v);
			return d == null ? SourceRange.NONE : d.range();
		}
	}

	private static List<Integer> broadcast(TileValue a, TileValue b) {
		List<Integer> s = new ArrayList<>();
		for (int i = 0; i < a.type().rank(); i++) {
			s.add(Math.max(a.type().shape().get(i), b.type().shape().get(i)));
		}
		return s;
	}

	/** Right-aligns an operand of rank {@code inner} under a value of rank {@code outer} (NumPy broadcasting). */
	private static int[] align(int[] place, int outer, int inner) {
		return Arrays.copyOfRange(place, outer - inner, outer);
	}

	private static int[] identity(int n) {
		int[] p = new int[n];
		for (int i = 0; i < n; i++) {
			p[i] = i;
		}
		return p;
	}

	private static List<Integer> range(int n) {
		return toList(identity(n));
	}

	private static List<Integer> toList(int[] a) {
		List<Integer> l = new ArrayList<>();
		for (int x : a) {
			l.add(x);
		}
		return l;
	}
}
