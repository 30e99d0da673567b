package dev.forge.profiler.tune;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.schedule.ScheduleFunction;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.profiler.Gate;
import dev.forge.profiler.HostCapacity;
import dev.forge.profiler.HostRunner;
import dev.forge.profiler.Peaks;
import dev.forge.profiler.RunReport;
import dev.forge.profiler.Runner;
import dev.forge.targets.Target;

/**
 * The autotuner: lowers every candidate schedule to Tile IR (cheap), prunes those the chip cannot run
 * or that only repeat another's Tile IR, ranks the rest with the {@link CostModel}, generates their
 * code in parallel, then one at a time runs each through the correctness gate (the reference
 * interpreter's outputs, computed once) and times only those that pass: a wrong candidate is rejected
 * however fast it is. Timing runs with nothing compiling beside it. The default schedule is always
 * candidate 0 and always timed; at the end the best and the default are timed again, alternately, so
 * that the choice does not rest on one noisy measurement.
 */
public final class Tuner {

	/** A candidate lowered to Tile IR: its IR and the hash of its canonical text. */
	public record Lowered(TileFunction tile, GraphFunction graph, ScheduleFunction schedule, String hash) {
	}

	/** Lowers a candidate to Tile IR, or throws (with a message a person can read) when it does not lower. */
	public interface Lowerer {
		Lowered lower(Candidate candidate) throws Exception;
	}

	/** What became of a candidate. */
	public enum Status {
		/** Verified and timed. */
		TIMED,
		/** Compiled, but its outputs did not match the reference: never timed, never cached. */
		REJECTED,
		/** Not compiled: over the chip's limits, a repeat of another's Tile IR, or not worth it by the cost model. */
		PRUNED,
		/** Its code generation or run failed. */
		FAILED,
		/** Not reached within the budget. */
		SKIPPED
	}

	/**
	 * One candidate's fate.
	 *
	 * @param estimateSeconds the cost model's estimate (NaN when pruned before it)
	 * @param report          the verified run's report (TIMED), else null
	 * @param rooflinePercent the time against the roofline bound at the function's arithmetic intensity (NaN without peaks)
	 */
	public record Outcome(int id, Candidate candidate, Status status, String reason, double estimateSeconds, RunReport report,
			double rooflinePercent) {
	}

	/**
	 * @param outcomes    every candidate, in the order of the space (0 is the default)
	 * @param best        the id of the fastest verified candidate (0 when none beat the default)
	 * @param bestMs      the best's median time, from the final alternating measurement
	 * @param defaultMs   the default's, from the same measurement
	 * @param artifact    the best's compiled code
	 * @param lowered     the best's IR
	 */
	public record Result(List<Outcome> outcomes, int best, double bestMs, double defaultMs, byte[] artifact, Lowered lowered) {
		public Outcome bestOutcome() {
			return outcomes.get(best);
		}
	}

	/**
	 * @param budget         the whole tuning's wall time (the default is timed even past it)
	 * @param compileThreads code generators running at once
	 * @param maxCandidates  at most this many candidates, best estimates first, are compiled
	 */
	public record Settings(Duration budget, int compileThreads, int maxCandidates) {
	}

	/** Receives progress lines ("compiled 6/12, verified 4, rejected 1, timed 4, best 1.234 ms (m=128 ...)"). */
	public interface Progress {
		void update(String line);
	}

	private final Settings settings;
	private final Backend backend;
	private final Progress progress;

	public Tuner(Settings settings, Backend backend, Progress progress) {
		this.settings = settings;
		this.backend = backend;
		this.progress = progress;
	}

	/**
	 * Tunes {@code request}'s function (its tile is the default schedule's) over {@code candidates}
	 * (the default first) on {@code target}.
	 */
	public Result tune(HostRunner.Request request, Target target, List<Candidate> candidates, Map<String, Integer> defaults,
			Lowerer lowerer) {
		long start = System.nanoTime();
		long deadline = start + settings.budget().toNanos();
		Outcome[] outcomes = new Outcome[candidates.size()];
		Lowered[] lowered = new Lowered[candidates.size()];
		double[] estimate = new double[candidates.size()];
		Map<String, Integer> byHash = new HashMap<>();

		// 1. Lower, prune, estimate: no code generated yet.
		List<Integer> ranked = new ArrayList<>();
		for (int i = 0; i < candidates.size(); i++) {
			Candidate c = candidates.get(i);
			try {
				lowered[i] = lowerer.lower(c);
			} catch (Exception e) {
				outcomes[i] = new Outcome(i, c, Status.PRUNED, "does not lower: " + e.getMessage(), Double.NaN, null, Double.NaN);
				continue;
			}
			var limit = ChipLimits.violation(lowered[i].tile(), target);
			if (limit.isPresent()) {
				outcomes[i] = new Outcome(i, c, Status.PRUNED, limit.get(), Double.NaN, null, Double.NaN);
				continue;
			}
			Integer same = byHash.putIfAbsent(lowered[i].hash(), i);
			if (same != null) {
				outcomes[i] = new Outcome(i, c, Status.PRUNED, "same Tile IR as #" + same, Double.NaN, null, Double.NaN);
				continue;
			}
			CostModel.Estimate e = lowered[i].schedule() != null ? CostModel.of(lowered[i].schedule(), request.dims(), target)
					: CostModel.nearDefault(c.sizes(), defaults);
			estimate[i] = e.seconds();
			if (e.pruned().isPresent() && i != 0) {
				outcomes[i] = new Outcome(i, c, Status.PRUNED, e.pruned().get(), Double.NaN, null, Double.NaN);
				continue;
			}
			ranked.add(i);
		}
		ranked.sort(Comparator.comparingInt((Integer i) -> i == 0 ? 0 : 1).thenComparingDouble(i -> estimate[i]));
		if (ranked.isEmpty() || ranked.get(0) != 0) {
			throw new IllegalStateException("the default schedule did not lower: " + (outcomes[0] == null ? "?" : outcomes[0].reason()));
		}
		while (ranked.size() > settings.maxCandidates()) {
			int i = ranked.removeLast();
			outcomes[i] = new Outcome(i, candidates.get(i), Status.SKIPPED, "beyond the " + settings.maxCandidates() + " best estimates",
					estimate[i], null, Double.NaN);
		}
		progress.update(candidates.size() + " candidates: " + (candidates.size() - ranked.size()) + " pruned or skipped, " + ranked.size()
				+ " to compile (" + settings.compileThreads() + " at a time)");

		// 2. Generate code in parallel, for at most half the budget (the default always).
		byte[][] artifacts = new byte[candidates.size()][];
		compileAll(ranked, lowered, artifacts, outcomes, candidates, estimate, start + settings.budget().toNanos() / 2);

		// 3. Gate, then time, one at a time.
		Peaks peaks = Peaks.of(target, request.tile());
		Gate gate;
		try (Backend.Loaded first = backend.open(lowered[0].tile(), artifacts[0])) {
			gate = Gate.prepare(request, HostCapacity.current(), first.executor()::admit);
		}
		int compiled = 0, verified = 0, rejected = 0, timed = 0, best = -1;
		for (int i : ranked) {
			if (artifacts[i] != null) {
				compiled++;
			}
		}
		for (int i : ranked) {
			if (outcomes[i] != null) {
				continue; // failed to compile or skipped
			}
			if (i != 0 && System.nanoTime() > deadline) {
				outcomes[i] = new Outcome(i, candidates.get(i), Status.SKIPPED, "budget spent", estimate[i], null, Double.NaN);
				continue;
			}
			HostRunner.Request r = withTile(request, lowered[i]);
			try (Backend.Loaded loaded = backend.open(lowered[i].tile(), artifacts[i])) {
				Runner.Check check = gate.check(loaded.executor());
				if (!check.comparison().verified()) {
					rejected++;
					outcomes[i] = new Outcome(i, candidates.get(i), Status.REJECTED, wrong(check), estimate[i], null, Double.NaN);
				} else {
					verified++;
					HostRunner.Result result = Runner.time(r, loaded.executor(), peaks, check);
					timed++;
					outcomes[i] = new Outcome(i, candidates.get(i), Status.TIMED, null, estimate[i], result.report(), roofline(result.report(), peaks));
					if (best < 0 || result.report().medianMs() < outcomes[best].report().medianMs()) {
						best = i;
					}
				}
			} catch (RuntimeException e) {
				outcomes[i] = new Outcome(i, candidates.get(i), Status.FAILED, "run failed: " + e.getMessage(), estimate[i], null, Double.NaN);
			}
			progress.update(String.format(java.util.Locale.ROOT, "compiled %d/%d, verified %d, rejected %d, timed %d%s", compiled, ranked.size(),
					verified, rejected, timed, best < 0 ? "" : String.format(java.util.Locale.ROOT, ", best %.3f ms (%s)",
							outcomes[best].report().medianMs(), candidates.get(best).describe())));
		}
		if (outcomes[0].status() != Status.TIMED) {
			throw new IllegalStateException("the default schedule did not pass the gate: " + outcomes[0].reason());
		}

		// 4. The best against the default once more, alternately, in the same run.
		double bestMs = outcomes[best].report().medianMs();
		double defaultMs = outcomes[0].report().medianMs();
		if (best != 0) {
			double[] confirmed = confirm(request, lowered, artifacts, best, gate, peaks);
			defaultMs = confirmed[0];
			bestMs = confirmed[1];
			if (bestMs >= defaultMs) {
				progress.update(String.format(java.util.Locale.ROOT, "confirming: %s %.3f ms vs the default %.3f ms: keeping the default",
						candidates.get(best).describe(), bestMs, defaultMs));
				best = 0;
				bestMs = defaultMs;
			}
		}
		List<Outcome> list = new ArrayList<>(List.of(outcomes));
		return new Result(list, best, bestMs, defaultMs, artifacts[best], lowered[best]);
	}

	private void compileAll(List<Integer> ranked, Lowered[] lowered, byte[][] artifacts, Outcome[] outcomes, List<Candidate> candidates,
			double[] estimate, long stopAt) {
		ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, settings.compileThreads()), r -> {
			Thread t = new Thread(r, "forge-tune-compile");
			t.setDaemon(true);
			return t;
		});
		try {
			Map<Integer, Future<byte[]>> jobs = new java.util.LinkedHashMap<>();
			for (int i : ranked) {
				jobs.put(i, pool.submit(() -> i != 0 && System.nanoTime() > stopAt ? null : backend.compile(lowered[i].tile())));
			}
			int done = 0;
			for (Map.Entry<Integer, Future<byte[]>> job : jobs.entrySet()) {
				int i = job.getKey();
				try {
					artifacts[i] = job.getValue().get();
					if (artifacts[i] == null) {
						outcomes[i] = new Outcome(i, candidates.get(i), Status.SKIPPED, "budget spent before it compiled", estimate[i], null, Double.NaN);
					} else {
						done++;
					}
				} catch (ExecutionException e) {
					outcomes[i] = new Outcome(i, candidates.get(i), Status.FAILED, "code generation failed: " + e.getCause().getMessage(), estimate[i],
							null, Double.NaN);
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException("interrupted while compiling", e);
				}
				if (done > 0 && (done % 4 == 0 || done == ranked.size())) {
					progress.update("compiled " + done + "/" + ranked.size());
				}
			}
			if (artifacts[0] == null) {
				throw new IllegalStateException("the default schedule did not compile: " + outcomes[0].reason());
			}
		} finally {
			pool.shutdownNow();
		}
	}

	/** Two more alternating timings of the default and the best; the medians of all three of each. */
	private double[] confirm(HostRunner.Request request, Lowered[] lowered, byte[][] artifacts, int best, Gate gate, Peaks peaks) {
		List<Double> d = new ArrayList<>(), b = new ArrayList<>();
		try (Backend.Loaded def = backend.open(lowered[0].tile(), artifacts[0]); Backend.Loaded top = backend.open(lowered[best].tile(), artifacts[best])) {
			Runner.Check dc = gate.check(def.executor());
			Runner.Check bc = gate.check(top.executor());
			for (int round = 0; round < 2; round++) {
				d.add(Runner.time(withTile(request, lowered[0]), def.executor(), peaks, dc).report().medianMs());
				b.add(Runner.time(withTile(request, lowered[best]), top.executor(), peaks, bc).report().medianMs());
			}
		}
		return new double[] { median(d), median(b) };
	}

	private static double median(List<Double> xs) {
		List<Double> s = new ArrayList<>(xs);
		s.sort(null);
		return s.get(s.size() / 2);
	}

	private static HostRunner.Request withTile(HostRunner.Request r, Lowered l) {
		return new HostRunner.Request(r.function(), l.tile(), r.graph(), r.dims(), r.seed(), r.inputs(), r.scalarDefaults(), false, r.target());
	}

	private static String wrong(Runner.Check check) {
		var c = check.comparison();
		if (c.problem() != null) {
			return "wrong results: " + c.problem();
		}
		return String.format(java.util.Locale.ROOT, "wrong results: %d %s (max rel error %.1e)", c.mismatchCount(),
				c.mismatchCount() == 1 ? "element differs" : "elements differ", c.maxRelError());
	}

	/** The achieved rate against the roofline's bound at the run's arithmetic intensity, in percent. */
	static double roofline(RunReport report, Peaks peaks) {
		if (peaks == null || !(peaks.flopsPerSecond() > 0) || !(peaks.bytesPerSecond() > 0) || report.gbps() <= 0) {
			return Double.NaN;
		}
		double intensity = report.gflops() / report.gbps();
		double bound = Math.min(peaks.flopsPerSecond(), intensity * peaks.bytesPerSecond());
		return bound > 0 ? 100 * report.gflops() * 1e9 / bound : Double.NaN;
	}
}
