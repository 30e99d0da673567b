package dev.forge.compiler.graph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Removes ops whose result no returned value depends on (every Graph IR op is pure). */
public final class DeadCodeElimination implements GraphPass {

	@Override
	public String name() {
		return "dce";
	}

	@Override
	public GraphFunction apply(GraphFunction f) {
		Set<Integer> live = new HashSet<>();
		f.results().forEach(v -> live.add(v.id()));
		List<Op> kept = new ArrayList<>();
		for (int i = f.body().size() - 1; i >= 0; i--) {
			Op op = f.body().get(i);
			if (live.contains(op.result().id())) {
				kept.add(0, op);
				op.operands().forEach(v -> live.add(v.id()));
			}
		}
		return kept.size() == f.body().size() ? f : new GraphFunction(f.name(), f.params(), kept, f.results());
	}
}
