package dev.forge.compiler.tile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.graph.Forge;
import dev.forge.compiler.graph.GraphPipeline;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.schedule.DefaultSchedule;
import dev.forge.compiler.schedule.Fusion;
import dev.forge.compiler.schedule.KernelGroup;
import dev.forge.compiler.schedule.ScheduleFunction;
import dev.forge.targets.Target;
import dev.forge.targets.Targets;

/**
 * A matmul's K loop pipelined over 2-4 stages of asynchronous copies computes exactly what the
 * plain loop computes (the Tile IR interpreter, which also rejects reading a copy before it is
 * waited for), at K a multiple of the step, ragged, and shorter than the pipeline; and the
 * schedule's loop order and sequential axes give the same results as the default grid.
 */
class SoftwarePipelineTest {

	private static final Target H100 = Targets.builtin().get("h100");
	private static final String SOURCE = """
			@jit
			def linear_relu(x: Tensor["M", "K", f32], w: Tensor["K", "N", f32], b: Tensor["N", f32]) -> Tensor["M", "N", f32]:
			    return relu(x @ w + b)
			""";

	private static ScheduleFunction scheduled() throws LoweringException {
		Forge.Checked checked = Forge.check("pipeline.forge", SOURCE);
		return DefaultSchedule.apply(Fusion.apply(GraphPipeline.run(checked.lower("linear_relu"), (stage, g) -> {
		})), H100);
	}

	/** Every kernel's tiling changed by {@code change}, lowered and verified. */
	private static TileFunction lowered(java.util.function.UnaryOperator<dev.forge.compiler.schedule.Tiling> change) throws LoweringException {
		ScheduleFunction s = scheduled();
		List<KernelGroup> groups = new ArrayList<>();
		for (KernelGroup g : s.groups()) {
			groups.add(g.withTiling(change.apply(g.tiling())));
		}
		TileFunction f = TileLowering.apply(s.withGroups(groups));
		assertEquals(List.of(), TileVerifier.verify(f), () -> TilePrinter.print(f));
		return f;
	}

	private static Map<String, NdArray> run(TileFunction f, long m, long k, long n) {
		Random rnd = new Random(m * 1_000_000 + k * 1000 + n);
		return TileInterpreter.run(f, Map.of("x", NdArray.of(new long[] { m, k }, i -> (float) (rnd.nextDouble() * 2 - 1)),
				"w", NdArray.of(new long[] { k, n }, i -> (float) (rnd.nextDouble() * 2 - 1)),
				"b", NdArray.of(new long[] { n }, i -> (float) (rnd.nextDouble() * 2 - 1))), Map.of("M", m, "K", k, "N", n));
	}

	@Test
	void pipelinedLoopComputesWhatThePlainLoopComputes() throws LoweringException {
		TileFunction plain = lowered(t -> t.withThreadsAndStages(t.warps(), 1));
		assertTrue(TilePrinter.print(plain).contains("= load x["), TilePrinter.print(plain));
		long[][] dims = { { 37, 70, 45 }, { 1, 1, 1 }, { 5, 10, 130 }, { 64, 96, 64 }, { 3, 200, 7 } };
		for (int stages = 2; stages <= 4; stages++) {
			int depth = stages;
			TileFunction pipelined = lowered(t -> t.withThreadsAndStages(t.warps(), depth));
			String text = TilePrinter.print(pipelined);
			assertEquals(2 * stages, text.split("async_copy", -1).length - 1, text);
			// Two loads: the copies of the stages - 1 newer iterations, two each, may stay in flight.
			assertTrue(text.contains("async_wait " + 2 * (stages - 1) + " ") && text.contains("async_wait 0"), text);
			for (long[] d : dims) {
				assertArrayEquals(run(plain, d[0], d[1], d[2]).get("result").data(), run(pipelined, d[0], d[1], d[2]).get("result").data(),
						stages + " stages at M,K,N = " + java.util.Arrays.toString(d));
			}
		}
	}

	@Test
	void readingACopyBeforeWaitingForItIsAnError() throws LoweringException {
		TileFunction pipelined = lowered(t -> t.withThreadsAndStages(t.warps(), 3));
		Kernel k = pipelined.kernels().get(0);
		List<Stmt> body = new ArrayList<>();
		for (Stmt s : k.body()) {
			if (s instanceof Stmt.For f) {
				List<Stmt> inner = f.body().stream().filter(x -> !(x instanceof Stmt.AsyncWait)).toList();
				s = new Stmt.For(f.var(), f.lo(), f.hi(), f.step(), f.carried(), f.inits(), inner, f.yielded(), f.results(), f.range());
			}
			body.add(s);
		}
		TileFunction noWait = new TileFunction(pipelined.name(), pipelined.buffers(),
				List.of(new Kernel(k.name(), k.args(), k.grid(), body, k.schedule(), k.range(), k.threads())));
		TileInterpreterException e = assertThrows(TileInterpreterException.class, () -> run(noWait, 8, 64, 8));
		assertTrue(e.getMessage().contains("before its asynchronous copy completes"), e.getMessage());
	}

	@Test
	void loopOrderAndSequentialAxesComputeTheSameResult() throws LoweringException {
		TileFunction grid = lowered(t -> t.withThreadsAndStages(t.warps(), 1));
		TileFunction swapped = lowered(t -> t.withThreadsAndStages(t.warps(), 1).withLoops(List.of(1, 0), List.of(1, 0)));
		TileFunction rowsInProgram = lowered(t -> t.withThreadsAndStages(t.warps(), 1).withLoops(List.of(0, 1), List.of(1)));
		assertTrue(TilePrinter.print(swapped).contains("grid [cdiv(result.shape[1], 64), cdiv(result.shape[0], 64)]"),
				TilePrinter.print(swapped));
		assertTrue(TilePrinter.print(rowsInProgram).contains("for b0 in range(0, cdiv(result.shape[0], 64), 1)"),
				TilePrinter.print(rowsInProgram));
		for (long[] d : new long[][] { { 37, 70, 150 }, { 130, 5, 3 } }) {
			double[] expected = run(grid, d[0], d[1], d[2]).get("result").data();
			assertArrayEquals(expected, run(swapped, d[0], d[1], d[2]).get("result").data());
			assertArrayEquals(expected, run(rowsInProgram, d[0], d[1], d[2]).get("result").data());
		}
	}
}
