package dev.forge.profiler;

import java.time.Duration;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * Wall-clock timing of a body run many times: warm-up runs first (JIT, caches, lazy initialisation
 * and GPU clocks settle), then timed runs, each measured alone with {@link System#nanoTime}. The
 * median is the figure to report: it ignores the occasional run slowed down by the rest of the
 * machine, which the mean does not.
 *
 * @param medianMs the median run, in milliseconds
 * @param minMs    the fastest run
 * @param p90Ms    the 90th percentile (nearest rank): how slow the slow runs get
 * @param runs     the number of timed runs
 */
public record Timing(double medianMs, double minMs, double p90Ms, int runs) {

	/** The budget of {@code forge run}: a quick, stable median. */
	public static final Duration RUN_BUDGET = Duration.ofSeconds(1);
	/** The budget of {@code forge profile}: more runs for a tighter median and a meaningful p90. */
	public static final Duration PROFILE_BUDGET = Duration.ofSeconds(10);
	/** Fewest timed runs of the budgeted measurement, however slow the body. */
	public static final int MIN_RUNS = 5;
	/** Most timed runs of the budgeted measurement, however fast the body. */
	public static final int MAX_RUNS = 1000;
	/** The budgeted measurement warms up for at least this long (and at least one run). */
	public static final Duration WARM_UP = Duration.ofMillis(50);

	/** {@code warmUps} untimed runs, then {@code runs} timed runs. */
	public static Timing measure(Runnable body, int warmUps, int runs) {
		return measure(body, warmUps, runs, System::nanoTime);
	}

	/**
	 * Warms up for {@link #WARM_UP}, then runs as often as fits in {@code budget}, but at least
	 * {@link #MIN_RUNS} and at most {@link #MAX_RUNS} times.
	 */
	public static Timing measure(Runnable body, Duration budget) {
		return measure(body, budget, MIN_RUNS, MAX_RUNS, System::nanoTime);
	}

	static Timing measure(Runnable body, int warmUps, int runs, LongSupplier clock) {
		if (warmUps < 0 || runs < 1) {
			throw new IllegalArgumentException("need warmUps >= 0 and runs >= 1, got " + warmUps + " and " + runs);
		}
		for (int i = 0; i < warmUps; i++) {
			body.run();
		}
		long[] samples = new long[runs];
		for (int i = 0; i < runs; i++) {
			samples[i] = timeOnce(body, clock);
		}
		return of(samples);
	}

	/**
	 * The budgeted measurement with its limits and clock given (tests use a fake clock). The timed
	 * runs stop before the one that would, at the mean so far, overrun the budget.
	 */
	static Timing measure(Runnable body, Duration budget, int minRuns, int maxRuns, LongSupplier clock) {
		if (budget.isNegative() || budget.isZero() || minRuns < 1 || maxRuns < minRuns) {
			throw new IllegalArgumentException("need a positive budget and 1 <= minRuns <= maxRuns, got " + budget + ", " + minRuns + ", " + maxRuns);
		}
		long warmUpStart = clock.getAsLong();
		do {
			body.run();
		} while (clock.getAsLong() - warmUpStart < WARM_UP.toNanos());

		long budgetNanos = budget.toNanos();
		long[] samples = new long[maxRuns];
		long spent = 0;
		int runs = 0;
		while (runs < maxRuns && (runs < minRuns || spent + spent / runs <= budgetNanos)) {
			samples[runs] = timeOnce(body, clock);
			spent += samples[runs];
			runs++;
		}
		return of(Arrays.copyOf(samples, runs));
	}

	/** The statistics of run times in nanoseconds. */
	static Timing of(long[] samplesNanos) {
		long[] s = samplesNanos.clone();
		Arrays.sort(s);
		int n = s.length;
		double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
		long p90 = s[(int) Math.ceil(0.9 * n) - 1];
		return new Timing(median / 1e6, s[0] / 1e6, p90 / 1e6, n);
	}

	/** The statistics of run times in milliseconds taken elsewhere (a GPU's events). */
	public static Timing ofMillis(double[] samplesMs) {
		if (samplesMs.length == 0) {
			throw new IllegalArgumentException("no timed runs");
		}
		long[] nanos = new long[samplesMs.length];
		for (int i = 0; i < nanos.length; i++) {
			nanos[i] = Math.round(samplesMs[i] * 1e6);
		}
		return of(nanos);
	}

	private static long timeOnce(Runnable body, LongSupplier clock) {
		long start = clock.getAsLong();
		body.run();
		return clock.getAsLong() - start;
	}
}
