package dev.forge.compiler.host;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Random;

import dev.forge.compiler.tile.TileFunction;
import dev.forge.types.DType;

/**
 * Benchmark of the Tile IR matmul (the {@code forge run} path: one program per [bm, bn] tile of C, a
 * k loop of bk) compiled for the host, against numpy in the same run. Not a test: run with
 * {@code java --enable-native-access=ALL-UNNAMED -cp ... dev.forge.compiler.host.TileGemmBench [n...]}.
 * Options: {@code -Dtile=bm,bn,bk} (default 512,512,128, the host schedule of a plain GEMM); {@code -Dthreads=2}; {@code -Dreps=10};
 * {@code -Dnumpy=false}. Prints wall time (best and median) and the CPU time of all threads, which
 * on a busy machine says more about the code than the wall time does.
 */
public final class TileGemmBench {

	public static void main(String[] args) throws Exception {
		int threads = Integer.getInteger("threads", 2);
		int reps = Integer.getInteger("reps", 10);
		String[] t = System.getProperty("tile", "512,512,128").split(",");
		int bm = Integer.parseInt(t[0]), bn = Integer.parseInt(t[1]), bk = Integer.parseInt(t[2]);
		int[] sizes = args.length == 0 ? new int[] { 1024, 2048 } : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
		TileFunction f = HostCodegenTest.matmul(DType.F32, bm, bn, bk);
		long t0 = System.nanoTime();
		try (HostExecutable exe = HostExecutable.compile(f); Arena arena = Arena.ofShared()) {
			System.out.printf("compiled tiles %dx%dx%d in %.0f ms (%d threads)%n", bm, bn, bk, (System.nanoTime() - t0) / 1e6, threads);
			for (int n : sizes) {
				double numpy = GemmBench.numpy(n, reps);
				MemorySegment a = random(arena, (long) n * n, 1), b = random(arena, (long) n * n, 2);
				MemorySegment c = arena.allocate((long) n * n * 4, 64);
				Map<String, MemorySegment> mem = Map.of("a", a, "b", b, "c", c);
				Map<String, Long> dims = Map.of("M", (long) n, "N", (long) n, "K", (long) n);
				exe.run(mem, dims, threads);
				double err = check(a, b, c, n);
				double[] times = new double[reps];
				double[] cpu = new double[reps];
				for (int r = 0; r < reps; r++) {
					long c0 = cpuNanos();
					long s = System.nanoTime();
					exe.run(mem, dims, threads);
					times[r] = (System.nanoTime() - s) / 1e9;
					cpu[r] = (cpuNanos() - c0) / 1e9;
				}
				java.util.Arrays.sort(times);
				java.util.Arrays.sort(cpu);
				System.out.printf("n=%d  cpu time: best %.2f ms / median %.2f ms (%.1f / %.1f GFLOP/s per core)%n", n, cpu[0] * 1e3,
						cpu[reps / 2] * 1e3, 2.0 * n * n * n / cpu[0] / 1e9, 2.0 * n * n * n / cpu[reps / 2] / 1e9);
				double best = times[0], median = times[reps / 2];
				double gflops = 2.0 * n * n * n / best / 1e9;
				double numpyAfter = GemmBench.numpy(n, reps);
				System.out.printf("n=%d  forge best %.1f / median %.1f GFLOP/s (%.2f ms)  numpy %.1f / %.1f GFLOP/s  ratio %.2f  (max rel err %.1e)%n",
						n, gflops, 2.0 * n * n * n / median / 1e9, best * 1e3, numpy, numpyAfter, gflops / Math.max(numpy, numpyAfter), err);
			}
		}
	}

	/** CPU time of every Java thread (the workers and the caller), in ns. */
	static long cpuNanos() {
		java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
		long sum = 0;
		for (long id : mx.getAllThreadIds()) {
			long t = mx.getThreadCpuTime(id);
			sum += Math.max(0, t);
		}
		return sum;
	}

	private static MemorySegment random(Arena arena, long count, long seed) {
		MemorySegment s = arena.allocate(count * 4, 64);
		Random r = new Random(seed);
		for (long i = 0; i < count; i++) {
			s.setAtIndex(JAVA_FLOAT, i, r.nextFloat() - 0.5f);
		}
		return s;
	}

	private static double check(MemorySegment a, MemorySegment b, MemorySegment c, int n) {
		Random r = new Random(3);
		double worst = 0;
		for (int s = 0; s < 200; s++) {
			int i = r.nextInt(n), j = r.nextInt(n);
			double ref = 0, mag = 0;
			for (int k = 0; k < n; k++) {
				double p = (double) a.getAtIndex(JAVA_FLOAT, (long) i * n + k) * b.getAtIndex(JAVA_FLOAT, (long) k * n + j);
				ref += p;
				mag += Math.abs(p);
			}
			worst = Math.max(worst, Math.abs(c.getAtIndex(JAVA_FLOAT, (long) i * n + j) - ref) / mag);
		}
		return worst;
	}
}
