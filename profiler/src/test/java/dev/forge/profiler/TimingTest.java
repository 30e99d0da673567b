package dev.forge.profiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Timing} with a fake clock that the body advances, so counts and statistics are exact and the
 * test does not depend on the machine's load; one test on the real clock.
 */
class TimingTest {

	/** A clock in nanoseconds that only the body moves; the n-th call of the body takes {@code costs[n % length]}. */
	private static final class FakeBody implements Runnable {
		long now;
		int calls;
		private final long[] costs;

		FakeBody(long... costs) {
			this.costs = costs;
		}

		@Override
		public void run() {
			now += costs[calls++ % costs.length];
		}

		long now() {
			return now;
		}
	}

	private static final long MS = 1_000_000;

	@Test
	void fixedCountsRunTheWarmUpsUntimed() {
		FakeBody body = new FakeBody(100 * MS, 100 * MS, 1 * MS, 2 * MS, 3 * MS, 4 * MS, 50 * MS);
		Timing t = Timing.measure(body, 2, 5, body::now);
		assertEquals(7, body.calls);
		assertEquals(5, t.runs());
		assertEquals(1.0, t.minMs());
		assertEquals(3.0, t.medianMs());
		assertEquals(50.0, t.p90Ms()); // nearest rank: the 5th of 5
	}

	@Test
	void statisticsOfSamples() {
		Timing even = Timing.of(new long[] { 4 * MS, 1 * MS, 3 * MS, 2 * MS });
		assertEquals(2.5, even.medianMs()); // the mean of the two middle ones
		assertEquals(1.0, even.minMs());
		assertEquals(4.0, even.p90Ms());
		long[] hundred = new long[100];
		for (int i = 0; i < 100; i++) {
			hundred[i] = (100 - i) * MS;
		}
		Timing t = Timing.of(hundred);
		assertEquals(90.0, t.p90Ms());
		assertEquals(50.5, t.medianMs());
		assertEquals(100, t.runs());
	}

	@ParameterizedTest(name = "{0} ms a run, budget {1} ms -> {2} runs")
	@CsvSource({
			"2,    100,  50", // fits the budget exactly
			"3,    100,  33",
			"30,   100,   5", // at least 5, over budget
			"500,  100,   5",
			"0.01, 100, 1000", // at most 1000
			"1,   1000, 1000" })
	void adaptsTheRunCountToTheBudget(double msPerRun, long budgetMs, int runs) {
		FakeBody body = new FakeBody((long) (msPerRun * MS));
		Timing t = Timing.measure(body, Duration.ofMillis(budgetMs), Timing.MIN_RUNS, Timing.MAX_RUNS, body::now);
		assertEquals(runs, t.runs());
		assertEquals(msPerRun, t.medianMs(), 1e-9);
	}

	@Test
	void warmsUpForFiftyMillisecondsAndAtLeastOnce() {
		FakeBody fast = new FakeBody(10 * MS);
		Timing t = Timing.measure(fast, Duration.ofMillis(100), 5, 1000, fast::now);
		assertEquals(5 + 10, fast.calls); // 5 warm-ups fill 50 ms, then 10 timed runs fill 100 ms
		assertEquals(10, t.runs());

		FakeBody slow = new FakeBody(200 * MS);
		Timing.measure(slow, Duration.ofMillis(100), 5, 1000, slow::now);
		assertEquals(1 + 5, slow.calls);
	}

	@Test
	void stopsEarlyWhenRunsGetSlower() {
		// 1 ms runs while warming up, then every run takes 10 ms: the budget still holds.
		FakeBody body = new FakeBody(1 * MS);
		AtomicInteger calls = new AtomicInteger();
		Runnable slowing = () -> {
			body.run();
			if (calls.incrementAndGet() > 50) {
				body.now += 9 * MS;
			}
		};
		Timing t = Timing.measure(slowing, Duration.ofMillis(200), 5, 1000, body::now);
		assertEquals(20, t.runs());
		assertEquals(10.0, t.medianMs());
	}

	@Test
	void refusesNonsense() {
		assertThrows(IllegalArgumentException.class, () -> Timing.measure(() -> {}, 0, 0));
		assertThrows(IllegalArgumentException.class, () -> Timing.measure(() -> {}, -1, 5));
		assertThrows(IllegalArgumentException.class, () -> Timing.measure(() -> {}, Duration.ZERO));
	}

	@Test
	void timesARealBody() {
		AtomicInteger n = new AtomicInteger();
		Timing t = Timing.measure(() -> {
			try {
				Thread.sleep(2);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			n.incrementAndGet();
		}, Duration.ofMillis(100));
		assertTrue(t.runs() >= Timing.MIN_RUNS && t.runs() <= 50, "runs " + t.runs());
		assertTrue(t.minMs() >= 2 && t.minMs() <= t.medianMs() && t.medianMs() <= t.p90Ms(), t.toString());
		assertTrue(n.get() > t.runs()); // the warm-up ran too
	}
}
