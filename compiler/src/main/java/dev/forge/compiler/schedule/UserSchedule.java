package dev.forge.compiler.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Schedule IR -> Schedule IR: what a {@code @jit} function's {@code NAME.schedule(block=(m, n), k=)
 * .warps(w).stages(s).vector(v)} statements set, over the default tilings. A matmul kernel takes
 * the block as its output tile, k as its K step, the warps, stages and vector; a row kernel takes n
 * as its column block, the warps and vector; an elementwise kernel the block as its tile of the
 * last two axes, the warps and vector. What the statements do not set stays the default. On a CPU
 * (no threads within a program, no asynchronous copies) warps and stages stay 1.
 *
 * @param sizes the fields the statements set: m, n, k, warps, stages, vector
 * @param origin where they are ("user: line 6")
 */
public record UserSchedule(Map<String, Integer> sizes, String origin) {

	public UserSchedule {
		sizes = Map.copyOf(sizes);
	}

	public ScheduleFunction apply(ScheduleFunction s, boolean gpu) {
		List<KernelGroup> groups = new ArrayList<>();
		for (KernelGroup g : s.groups()) {
			groups.add(g.withTiling(override(g, g.tiling(), gpu)));
		}
		return s.withGroups(groups);
	}

	private Tiling override(KernelGroup g, Tiling t, boolean gpu) {
		List<Integer> block = new ArrayList<>(t.block());
		int inner = t.inner();
		int rank = block.size();
		boolean matmul = g.kind() == KernelGroup.Kind.MATMUL;
		if (g.kind() == KernelGroup.Kind.ROW_REDUCTION) {
			inner = sizes.getOrDefault("n", inner);
		} else {
			if (rank >= 2 && sizes.containsKey("m")) {
				block.set(rank - 2, sizes.get("m"));
			}
			if (rank >= 1 && sizes.containsKey("n")) {
				block.set(rank - 1, sizes.get("n"));
			}
			if (matmul) {
				inner = sizes.getOrDefault("k", inner);
			}
		}
		int warps = gpu ? sizes.getOrDefault("warps", t.warps()) : t.warps();
		int stages = gpu && matmul ? sizes.getOrDefault("stages", t.stages()) : t.stages();
		return new Tiling(block, inner, sizes.getOrDefault("vector", t.vector()), t.threads(), t.order(), t.parallel(), warps, stages,
				origin);
	}
}
