package dev.forge.compiler.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.graph.Forge;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.targets.Targets;

/** The host cost model's matmul tilings: sized to L2, then fitted to the dims of a run. */
class DefaultScheduleTest {

	private static final String SOURCE = """
			@jit
			def gemm(a: Tensor["M", "K", f32], b: Tensor["K", "N", f32]) -> Tensor["M", "N", f32]:
			    return a @ b


			@jit
			def linear_gelu(x: Tensor["M", "K", f32], w: Tensor["K", "N", f32], bias: Tensor["N", f32]) -> Tensor["M", "N", f32]:
			    return gelu(x @ w + bias)
			""";

	private static Tiling matmulTiling(String fn, Map<String, Long> dims) throws LoweringException {
		Forge.Checked checked = Forge.check(SOURCE);
		ScheduleFunction s = Pipeline.compile(checked.lower(fn), Targets.builtin().get("host"), dims, (stage, text) -> {
		}).schedule();
		return s.groups().stream().filter(g -> g.kind() == KernelGroup.Kind.MATMUL).findFirst().orElseThrow().tiling();
	}

	private static void assertTiling(List<Integer> block, int inner, Tiling t) {
		assertEquals(block, t.block(), t.toString());
		assertEquals(inner, t.inner(), t.toString());
	}

	@Test
	void aPlainGemmTakesTheLargestTilesThatFitL2() throws LoweringException {
		assertTiling(List.of(512, 512), 128, matmulTiling("gemm", Map.of()));
		assertTiling(List.of(512, 512), 128, matmulTiling("gemm", Map.of("M", 2048L, "N", 2048L, "K", 2048L)));
		assertTiling(List.of(512, 512), 128, matmulTiling("gemm", Map.of("M", 1024L, "N", 1024L, "K", 1024L)));
	}

	@Test
	void anEpilogueKeepsItsTemporariesInL2() throws LoweringException {
		// add and gelu: two more [BM, BN] tiles beside the accumulator.
		assertTiling(List.of(256, 256), 128, matmulTiling("linear_gelu", Map.of()));
	}

	@Test
	void fittedTilesAvoidPaddingAndKeepEveryCoreBusy() throws LoweringException {
		// 768 = 3 x 256 rather than 2 x 512 with a third padding.
		assertTiling(List.of(256, 256), 128, matmulTiling("gemm", Map.of("M", 768L, "N", 768L, "K", 768L)));
		// 512 x 512 would be one program: four programs for two cores.
		assertTiling(List.of(256, 256), 128, matmulTiling("gemm", Map.of("M", 512L, "N", 512L, "K", 512L)));
		// Small dims: tiles cover them (powers of two), then split for the cores; K steps cover K.
		assertTiling(List.of(64, 64), 64, matmulTiling("gemm", Map.of("M", 100L, "N", 100L, "K", 40L)));
		// A tall skinny product: rows split, columns kept whole.
		assertTiling(List.of(512, 32), 128, matmulTiling("gemm", Map.of("M", 4096L, "N", 20L, "K", 300L)));
	}
}
