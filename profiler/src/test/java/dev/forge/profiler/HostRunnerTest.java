package dev.forge.profiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.forge.profiler.cuda.SmokeKernels;

/** The host CPU through the shared Runner: the GPU smoke test's vector add, JIT-compiled for this machine. */
class HostRunnerTest {

	@Test
	void theVectorAddVerifiesAndIsTimed() {
		HostRunner.Result r = HostRunner.run(new HostRunner.Request("vadd", SmokeKernels.function(), null, Map.of("N", 1003L), 0, Map.of(),
				Map.of(), true, "host"));
		assertTrue(r.report().verified(), r.report().toText());
		assertEquals("Tile IR interpreter in f64, same inputs", r.report().reference());
		assertNull(r.report().device(), "the host says no device line");
		assertTrue(r.report().runs() >= Timing.MIN_RUNS);
		assertEquals(1, r.kernels().size());
		assertEquals(4, r.kernels().get(0).programs()); // cdiv(1003, 256)
		assertEquals(1003, r.outputs().get("out").size());
	}
}
