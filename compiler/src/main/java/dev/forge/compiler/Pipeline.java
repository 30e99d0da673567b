package dev.forge.compiler;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.GraphPipeline;
import dev.forge.compiler.graph.GraphPrinter;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.schedule.DefaultSchedule;
import dev.forge.compiler.schedule.Fusion;
import dev.forge.compiler.schedule.ScheduleFunction;
import dev.forge.compiler.schedule.SchedulePrinter;
import dev.forge.compiler.schedule.ScheduleVerifier;
import dev.forge.compiler.schedule.UserSchedule;
import dev.forge.compiler.tile.LayoutAssignment;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileLowering;
import dev.forge.compiler.tile.TilePrinter;
import dev.forge.compiler.tile.TileVerifier;
import dev.forge.targets.Target;

/**
 * The whole path from a lowered Graph IR function to Tile IR: the Graph IR passes, fusion, the
 * default schedule, the lowering to tiles, and their layouts over the target's threads. The verifier of each IR runs after every stage;
 * {@code afterStage} sees each stage's name and printed IR (for {@code --dump-after}).
 */
public final class Pipeline {

	/** The IRs of one function after the last stage of each level. */
	public record Compiled(GraphFunction graph, ScheduleFunction schedule, TileFunction tile) {
	}

	private Pipeline() {
	}

	/** The names {@code --dump-after} accepts, in order. */
	public static List<String> stageNames() {
		return java.util.stream.Stream.concat(GraphPipeline.stageNames().stream(), java.util.stream.Stream.of("fuse", "schedule", "tile", "layout"))
				.toList();
	}

	public static Compiled compile(GraphFunction lowered, Target target, BiConsumer<String, String> afterStage)
			throws LoweringException {
		return compile(lowered, target, Map.of(), afterStage);
	}

	/**
	 * As above, with the dim values the code will mostly run at ({@code forge run --dims}) as hints
	 * for the cost model: the Tile IR stays correct for every dim, its tiles fit those sizes.
	 */
	public static Compiled compile(GraphFunction lowered, Target target, Map<String, Long> dimHints,
			BiConsumer<String, String> afterStage) throws LoweringException {
		return compile(lowered, target, dimHints, null, afterStage);
	}

	/** As above, with what the function's {@code .schedule(...)} statements set (null: none) over the defaults. */
	public static Compiled compile(GraphFunction lowered, Target target, Map<String, Long> dimHints, UserSchedule user,
			BiConsumer<String, String> afterStage) throws LoweringException {
		GraphFunction graph = GraphPipeline.run(lowered, (stage, g) -> afterStage.accept(stage, GraphPrinter.print(g)));
		ScheduleFunction fused = Fusion.apply(graph);
		check("fuse", ScheduleVerifier.verify(fused));
		afterStage.accept("fuse", SchedulePrinter.print(fused));
		ScheduleFunction scheduled = DefaultSchedule.apply(fused, target, dimHints);
		if (user != null) {
			scheduled = user.apply(scheduled, target.isGpu());
		}
		check("schedule", ScheduleVerifier.verify(scheduled));
		afterStage.accept("schedule", SchedulePrinter.print(scheduled));
		TileFunction tile = TileLowering.apply(scheduled);
		check("tile", TileVerifier.verify(tile));
		afterStage.accept("tile", TilePrinter.print(tile));
		tile = LayoutAssignment.apply(tile, target);
		check("layout", TileVerifier.verify(tile));
		afterStage.accept("layout", TilePrinter.print(tile));
		return new Compiled(graph, scheduled, tile);
	}

	public static Compiled compile(GraphFunction lowered, Target target) throws LoweringException {
		return compile(lowered, target, (stage, text) -> {
		});
	}

	private static void check(String stage, List<String> problems) {
		if (!problems.isEmpty()) {
			throw new IllegalStateException("the stage '" + stage + "' produced invalid IR: " + problems.get(0));
		}
	}
}
