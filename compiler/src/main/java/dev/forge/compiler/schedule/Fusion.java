package dev.forge.compiler.schedule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.graph.Op;
import dev.forge.compiler.graph.Value;
import dev.forge.compiler.schedule.KernelGroup.Kind;

/**
 * Graph IR -> Schedule IR: decides which values live in memory and cuts the rest into kernels.
 *
 * <p>A value is <em>materialized</em> (written to memory) when it is a parameter or result, the
 * operand of a matmul or a reshape (they read contiguous memory), a matmul not fused as the
 * producer of an elementwise epilogue, or a reduction that its consumers cannot recompute in the
 * same row kernel. Every other value is computed inside the kernel of each materialized value that
 * needs it (an elementwise op is cheaper to recompute than to store and load again). So an
 * elementwise chain fuses into its producer or consumer, softmax and RMSNorm become one row kernel
 * each, and a matmul takes its bias, activation and residual as an epilogue.
 */
public final class Fusion {

	private final GraphFunction graph;
	private final Map<Value, Op> definitions = new HashMap<>();
	private final Map<Value, List<Op>> uses = new HashMap<>();
	private final Set<Value> results;
	private final Set<Value> params = new HashSet<>();
	private final Set<Value> materialized = new LinkedHashSet<>();
	private final Map<Value, Value> views = new LinkedHashMap<>();

	private Fusion(GraphFunction graph) {
		this.graph = graph;
		this.results = new LinkedHashSet<>(graph.results());
	}

	public static ScheduleFunction apply(GraphFunction graph) throws LoweringException {
		return new Fusion(graph).run();
	}

	private ScheduleFunction run() throws LoweringException {
		for (GraphFunction.Param p : graph.params()) {
			params.add(p.value());
			materialized.add(p.value());
		}
		for (Op op : graph.body()) {
			definitions.put(op.result(), op);
			for (Value o : op.operands()) {
				uses.computeIfAbsent(o, k -> new ArrayList<>()).add(op);
			}
		}
		materialized.addAll(results);
		for (Op op : graph.body()) {
			switch (op) {
				case Op.MatMul m -> {
					requireMemory(m.lhs());
					requireMemory(m.rhs());
					materialized.add(m.result());
				}
				case Op.Reshape r -> {
					Value x = r.x();
					// A reshape of contiguous memory is free: a view.
					if (!(definitions.get(x) instanceof Op.Reshape)) {
						materialized.add(x);
					}
					views.put(r.result(), x);
				}
				case Op.Reduce r -> {
					if (!r.axes().equals(List.of(r.x().rank() - 1))) {
						throw new LoweringException("reductions over other axes than the last one are not supported by the "
								+ "kernel compiler yet (this one reduces axes " + r.axes() + " of a rank-" + r.x().rank()
								+ " tensor)", r.range());
					}
				}
				// Each input is loaded from memory at a shifted origin, so the inputs live in memory.
				case Op.Concat c -> materialized.addAll(c.inputs());
				// A slice reads its operand at an offset origin, from memory.
				case Op.Slice s -> materialized.add(s.x());
				default -> {
				}
			}
		}
		fuseEpilogues();
		while (splitUnfusable()) {
			// Each round materializes at least one more value, so this ends.
		}
		return new ScheduleFunction(graph, groups(), views);
	}

	/** A matmul operand is read tile by tile from memory, possibly through transposes and broadcasts. */
	private void requireMemory(Value v) {
		Value base = v;
		while (definitions.get(base) instanceof Op.Transpose || definitions.get(base) instanceof Op.BroadcastTo) {
			base = definitions.get(base).operands().get(0);
		}
		materialized.add(base);
	}

	/** A matmul whose result flows through single-use elementwise ops of its shape fuses them as its epilogue. */
	private void fuseEpilogues() {
		for (Op op : graph.body()) {
			if (!(op instanceof Op.MatMul m) || results.contains(m.result())) {
				continue;
			}
			Value end = m.result();
			while (!results.contains(end) && uses.getOrDefault(end, List.of()).size() == 1) {
				Op use = uses.get(end).get(0);
				boolean elementwise = use instanceof Op.Unary || use instanceof Op.Binary || use instanceof Op.Cast
						|| use instanceof Op.Select;
				if (!elementwise || !use.result().type().dims().equals(m.result().type().dims()) || views.containsKey(use.result())) {
					break;
				}
				end = use.result();
			}
			if (end != m.result()) {
				materialized.remove(m.result());
				materialized.add(end);
			}
		}
	}

	/**
	 * Materializes what a kernel cannot compute in place: a reduction whose input has another shape
	 * than the kernel's output, a reduction or matmul needed by several kernels, a second matmul or a
	 * reduction in a matmul's epilogue. Returns whether it changed anything.
	 */
	private boolean splitUnfusable() {
		Map<Value, Integer> neededBy = new HashMap<>();
		for (Value root : roots()) {
			for (Value v : tree(root)) {
				neededBy.merge(v, 1, Integer::sum);
			}
		}
		for (Value root : roots()) {
			List<Value> inside = tree(root);
			List<Value> matmuls = inside.stream().filter(v -> definitions.get(v) instanceof Op.MatMul).toList();
			List<Value> reductions = inside.stream().filter(v -> definitions.get(v) instanceof Op.Reduce).toList();
			for (Value v : inside) {
				Op def = definitions.get(v);
				boolean expensive = def instanceof Op.MatMul || def instanceof Op.Reduce;
				if (v != root && expensive && neededBy.get(v) > 1) {
					materialized.add(v);
					return true;
				}
			}
			if (!matmuls.isEmpty() && (matmuls.size() > 1 || !reductions.isEmpty())) {
				materialized.add(!reductions.isEmpty() ? reductions.get(0) : matmuls.get(1));
				return true;
			}
			for (Value r : reductions) {
				Value input = definitions.get(r).operands().get(0);
				if (r != root && !input.type().dims().equals(root.type().dims())) {
					materialized.add(r);
					return true;
				}
			}
			// A reduction computed in the kernel has the tile layout of its own rows: a use that
			// transposes it or broadcasts it along another axis reads it from memory instead.
			Map<Value, Set<List<Integer>>> places = new HashMap<>();
			place(root, identity(root.rank()), root, places);
			for (Value r : reductions) {
				if (r != root && places.getOrDefault(r, Set.of()).stream().anyMatch(p -> !p.equals(identity(r.rank())))) {
					materialized.add(r);
					return true;
				}
			}
		}
		return false;
	}

	/**
	 * The tile axes each value of root's kernel is computed on (value axis j on tile axis
	 * place[j]), propagated from the root as TileLowering emits them: operands right-aligned,
	 * transposes permuting, a reduction's input on the kernel's own axes.
	 */
	private void place(Value v, List<Integer> place, Value root, Map<Value, Set<List<Integer>>> places) {
		if ((v != root && inMemory(v)) || !definitions.containsKey(v) || !places.computeIfAbsent(v, k -> new HashSet<>()).add(place)) {
			return;
		}
		switch (definitions.get(v)) {
			case Op.Transpose t -> {
				Integer[] inner = new Integer[t.x().rank()];
				for (int i = 0; i < t.perm().size(); i++) {
					inner[t.perm().get(i)] = place.get(i);
				}
				place(t.x(), List.of(inner), root, places);
			}
			case Op.Reduce r -> place(r.x(), identity(r.x().rank()), root, places);
			case Op.MatMul m -> {
				// its operands are read from memory
			}
			case Op.Slice s -> {
				// its operand is read from memory
			}
			case Op op -> {
				for (Value o : op.operands()) {
					place(o, place.subList(place.size() - o.rank(), place.size()), root, places);
				}
			}
		}
	}

	private static List<Integer> identity(int n) {
		List<Integer> p = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			p.add(i);
		}
		return p;
	}

	/** Values computed in memory by a kernel: materialized, neither parameters nor views. */
	private List<Value> roots() {
		List<Value> roots = new ArrayList<>();
		for (Op op : graph.body()) {
			if (materialized.contains(op.result()) && !views.containsKey(op.result())) {
				roots.add(op.result());
			}
		}
		return roots;
	}

	/** The values the kernel of {@code root} computes: root and, recursively, its operands that are not in memory. */
	private List<Value> tree(Value root) {
		Set<Value> seen = new LinkedHashSet<>();
		collect(root, root, seen);
		List<Value> inBodyOrder = new ArrayList<>();
		for (Op op : graph.body()) {
			if (seen.contains(op.result())) {
				inBodyOrder.add(op.result());
			}
		}
		return inBodyOrder;
	}

	private void collect(Value v, Value root, Set<Value> seen) {
		if ((v != root && inMemory(v)) || !seen.add(v) || !definitions.containsKey(v)) {
			return;
		}
		for (Value o : definitions.get(v).operands()) {
			collect(o, root, seen);
		}
	}

	private boolean inMemory(Value v) {
		return materialized.contains(v) || views.containsKey(v) || params.contains(v);
	}

	private List<KernelGroup> groups() {
		List<KernelGroup> groups = new ArrayList<>();
		String base = graph.name();
		for (Value root : roots()) {
			List<Value> inside = tree(root);
			List<Op> ops = inside.stream().map(definitions::get).toList();
			Kind kind = ops.stream().anyMatch(o -> o instanceof Op.MatMul) ? Kind.MATMUL
					: ops.stream().anyMatch(o -> o instanceof Op.Reduce) ? Kind.ROW_REDUCTION : Kind.ELEMENTWISE;
			groups.add(new KernelGroup(base + "_" + groups.size(), kind, root, ops, inputsOf(inside), null));
		}
		// A result that is a parameter, a view, or returned twice still needs its own buffer: the
		// kernel computing a result writes its first occurrence, a copy fills every other one.
		Set<Value> computed = new HashSet<>();
		for (KernelGroup g : groups) {
			computed.add(g.output());
		}
		Set<Value> seen = new HashSet<>();
		for (Value r : graph.results()) {
			if (seen.add(r) && computed.contains(r)) {
				continue;
			}
			groups.add(new KernelGroup(base + "_" + groups.size(), Kind.COPY, r, List.of(), List.of(r), null));
		}
		return groups;
	}

	private List<Value> inputsOf(List<Value> inside) {
		Set<Value> in = new LinkedHashSet<>();
		for (Value v : inside) {
			for (Value o : definitions.get(v).operands()) {
				if (!inside.contains(o) && inMemory(o)) {
					in.add(o);
				}
			}
		}
		return new ArrayList<>(in);
	}
}
