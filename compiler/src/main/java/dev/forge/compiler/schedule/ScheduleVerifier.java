package dev.forge.compiler.schedule;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.Op;
import dev.forge.compiler.graph.Value;

/**
 * Checks that the kernels of a Schedule IR function compute the graph: every op of the graph that
 * is not a view is in some kernel, each kernel reads only values in memory by the time it runs,
 * each kernel's output is its last op (or, for a copy, a value in memory), a tiling fits its
 * output's rank, its loop order is an order of the grid axes, its parallel axes are grid axes, and
 * a pipeline has an inner loop to pipeline. Returns the problems; never throws.
 */
public final class ScheduleVerifier {

	private ScheduleVerifier() {
	}

	public static List<String> verify(ScheduleFunction s) {
		List<String> problems = new ArrayList<>();
		GraphFunction g = s.graph();
		Set<Value> inMemory = new HashSet<>();
		for (GraphFunction.Param p : g.params()) {
			inMemory.add(p.value());
		}
		Set<Value> covered = new HashSet<>(s.views().keySet());
		for (KernelGroup k : s.groups()) {
			for (Value in : k.inputs()) {
				if (!isAvailable(in, inMemory, s)) {
					problems.add("kernel @" + k.name() + " reads " + in + " before any kernel writes it");
				}
			}
			if (k.kind() != KernelGroup.Kind.COPY && (k.ops().isEmpty() || !k.ops().get(k.ops().size() - 1).result().equals(k.output()))) {
				problems.add("kernel @" + k.name() + ": its output " + k.output() + " is not its last op");
			}
			for (Op op : k.ops()) {
				covered.add(op.result());
			}
			if (k.tiling() != null) {
				loops(k, problems);
			}
			if (k.tiling() != null && k.tiling().block().size() != k.output().rank()
					&& k.kind() != KernelGroup.Kind.ROW_REDUCTION) {
				problems.add("kernel @" + k.name() + ": tiling " + k.tiling().block() + " does not fit rank " + k.output().rank());
			}
			inMemory.add(k.output());
		}
		for (Op op : g.body()) {
			if (!covered.contains(op.result()) && isNeeded(op.result(), s)) {
				problems.add(op.result() + " (" + Op.mnemonic(op) + ") is computed by no kernel");
			}
		}
		return problems;
	}

	private static void loops(KernelGroup k, List<String> problems) {
		Tiling t = k.tiling();
		String where = "kernel @" + k.name() + ": ";
		if (!new HashSet<>(t.order()).equals(new HashSet<>(Tiling.axes(k.gridAxes()))) || t.order().size() != k.gridAxes()) {
			problems.add(where + "loop order " + t.order() + " is not an order of its " + k.gridAxes() + " grid axes");
		}
		for (int axis : t.parallel()) {
			if (!t.order().contains(axis)) {
				problems.add(where + "parallel axis " + axis + " is not a grid axis");
			}
		}
		if (new HashSet<>(t.parallel()).size() != t.parallel().size()) {
			problems.add(where + "parallel axes " + t.parallel() + " repeat an axis");
		}
		if (t.warps() < 1 || t.stages() < 1 || t.vector() < 1) {
			problems.add(where + "warps, stages and vector must be at least 1: " + t);
		}
		if (t.stages() > 1 && (k.kind() != KernelGroup.Kind.MATMUL || t.inner() <= 0)) {
			problems.add(where + t.stages() + " pipeline stages need a matmul's inner loop to pipeline");
		}
	}

	private static boolean isAvailable(Value v, Set<Value> inMemory, ScheduleFunction s) {
		Value base = v;
		while (s.views().containsKey(base)) {
			base = s.views().get(base);
		}
		return inMemory.contains(base);
	}

	/** Ops only used inside kernels are covered there; an op nobody uses was removed by DCE. */
	private static boolean isNeeded(Value v, ScheduleFunction s) {
		return s.groups().stream().anyMatch(k -> k.inputs().contains(v)) || s.graph().results().contains(v);
	}
}
