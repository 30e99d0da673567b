package dev.forge.compiler.graph;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * The Graph IR passes in order, each followed by the verifier, with a hook that sees the IR after
 * any pass (`forge build --dump-after=NAME|all`; "lower" names the IR before the first pass).
 */
public final class GraphPipeline {

	/** The passes, in the order they run. */
	public static final List<GraphPass> PASSES = List.of(new ReductionsToLastAxis(), new DeadCodeElimination());

	private GraphPipeline() {
	}

	/** The names `--dump-after` accepts. */
	public static List<String> stageNames() {
		return java.util.stream.Stream.concat(java.util.stream.Stream.of("lower"), PASSES.stream().map(GraphPass::name)).toList();
	}

	/**
	 * Runs every pass on {@code lowered}; {@code afterStage} receives each stage's name and result. A
	 * pass that breaks the IR is a compiler bug: an IllegalStateException names the pass and the problem.
	 */
	public static GraphFunction run(GraphFunction lowered, BiConsumer<String, GraphFunction> afterStage) {
		afterStage.accept("lower", lowered);
		GraphFunction current = lowered;
		for (GraphPass pass : PASSES) {
			current = pass.apply(current);
			List<String> problems = GraphVerifier.verify(current);
			if (!problems.isEmpty()) {
				throw new IllegalStateException("the Graph IR pass '" + pass.name() + "' produced invalid IR: " + problems.get(0));
			}
			afterStage.accept(pass.name(), current);
		}
		return current;
	}
}
