package dev.forge.profiler.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileInterpreter;
import dev.forge.profiler.HostRunner;
import dev.forge.profiler.HostTensor;
import dev.forge.profiler.Runner;
import dev.forge.profiler.Timing;
import dev.forge.profiler.cuda.SmokeKernels;
import dev.forge.targets.Target;
import dev.forge.targets.Targets;

/**
 * The tuner over a stand-in device: a candidate made wrong on purpose (its outputs damaged) is
 * rejected by the gate and never timed nor chosen, however fast it claims to be; repeats of another
 * candidate's Tile IR are pruned before compiling; the default is always timed.
 */
class TunerTest {

	/** Compiles to the candidate's name; runs with the Tile IR interpreter; "m=4" gives wrong results, and claims the best time. */
	private static final class FakeBackend implements Backend {
		final List<String> compiled = new ArrayList<>();
		final List<String> timed = new ArrayList<>();

		@Override
		public String artifactKind() {
			return "fake";
		}

		@Override
		public synchronized byte[] compile(TileFunction tile) {
			compiled.add(tile.kernels().get(0).schedule());
			return tile.kernels().get(0).schedule().getBytes(StandardCharsets.UTF_8);
		}

		@Override
		public Loaded open(TileFunction tile, byte[] artifact) {
			String name = new String(artifact, StandardCharsets.UTF_8);
			Runner.Executor executor = new Runner.Executor() {
				@Override
				public String device() {
					return "fake";
				}

				@Override
				public Map<String, HostTensor> execute(Map<String, HostTensor> inputs, Map<String, Long> dims) {
					Map<String, NdArray> arrays = new LinkedHashMap<>();
					inputs.forEach((n, t) -> arrays.put(n, t.toNdArray()));
					Map<String, HostTensor> out = new LinkedHashMap<>();
					TileInterpreter.run(tile, arrays, dims).forEach((n, a) -> {
						double[] values = a.data().clone();
						if (name.equals("m=4")) {
							values[0] += 1; // the sabotage: one element off
						}
						out.put(n, HostTensor.of(new NdArray(a.shape(), values), tile.buffer(n).dtype()));
					});
					return out;
				}

				@Override
				public Runner.Measured measure(Map<String, HostTensor> inputs, Map<String, Long> dims, boolean profile, boolean keep) {
					timed.add(name);
					double ms = name.equals("m=4") ? 0.001 : name.equals("m=2") ? 1.0 : 2.0; // m=2 is the honest winner
					return new Runner.Measured(Timing.ofMillis(new double[] { ms, ms, ms }), keep ? execute(inputs, dims) : null, List.of(), null);
				}
			};
			return new Loaded() {
				@Override
				public Runner.Executor executor() {
					return executor;
				}

				@Override
				public void close() {
				}
			};
		}
	}

	@Test
	void aWrongCandidateIsRejectedByTheGateAndNeverChosen() {
		TileFunction base = SmokeKernels.function();
		Target host = Targets.builtin().get("host");
		List<Candidate> candidates = List.of(new Candidate(Map.of("m", 1)), new Candidate(Map.of("m", 2)), new Candidate(Map.of("m", 4)),
				new Candidate(Map.of("m", 8)));
		FakeBackend backend = new FakeBackend();
		List<String> progress = new ArrayList<>();
		Tuner tuner = new Tuner(new Tuner.Settings(Duration.ofMinutes(5), 2, 10), backend, progress::add);
		HostRunner.Request request = new HostRunner.Request("vadd", base, null, Map.of("N", 1000L), 0, Map.of(), Map.of(), false, "host");
		Tuner.Result r = tuner.tune(request, host, candidates, Map.of("m", 1), c -> {
			String name = c.describe();
			// m=8 lowers to the same Tile IR as m=1: pruned before compiling.
			String hash = name.equals("m=8") ? "m=1" : name;
			return new Tuner.Lowered(renamed(base, name), null, null, hash);
		});
		assertEquals(Tuner.Status.REJECTED, r.outcomes().get(2).status(), r.outcomes().toString());
		assertTrue(r.outcomes().get(2).reason().startsWith("wrong results: 1 element differs"), r.outcomes().get(2).reason());
		assertTrue(!backend.timed.contains("m=4"), "a rejected candidate is never timed: " + backend.timed);
		assertEquals(Tuner.Status.PRUNED, r.outcomes().get(3).status());
		assertEquals("same Tile IR as #0", r.outcomes().get(3).reason());
		assertTrue(!backend.compiled.contains("m=8"));
		assertEquals(Tuner.Status.TIMED, r.outcomes().get(0).status());
		assertEquals(1, r.best(), "the honest fastest wins");
		assertNotEquals("m=4", new String(r.artifact(), StandardCharsets.UTF_8));
		assertTrue(progress.stream().anyMatch(l -> l.contains("rejected 1")), progress.toString());
	}

	/** {@code f} with its kernel's schedule line set to {@code schedule}: tells the fake backend which candidate it runs. */
	private static TileFunction renamed(TileFunction f, String schedule) {
		var k = f.kernels().get(0);
		var kernel = new dev.forge.compiler.tile.Kernel(k.name(), k.args(), k.grid(), k.body(), schedule, k.range(), k.threads());
		return new TileFunction(f.name(), f.buffers(), List.of(kernel));
	}
}
