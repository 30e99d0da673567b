package dev.forge.compiler.host;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Benchmark of the JIT-compiled GEMM against numpy (OpenBLAS) in the same run. Not a test: run with
 * {@code java --enable-native-access=ALL-UNNAMED -cp ... dev.forge.compiler.host.GemmBench [n...]}.
 * Blocking overrides: {@code -Dgemm=mr,nr,mc,kc,nc,unroll}; {@code -Dthreads=2}; {@code -Dreps=10};
 * {@code -Dnumpy=false} skips numpy (for sweeps).
 */
public final class GemmBench {

	public static void main(String[] args) throws Exception {
		int threads = Integer.getInteger("threads", 2);
		int reps = Integer.getInteger("reps", 10);
		GemmConfig cfg = GemmConfig.avx512();
		String spec = System.getProperty("gemm");
		if (spec != null) {
			String[] p = spec.split(",");
			cfg = new GemmConfig(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]),
					Integer.parseInt(p[4]), Integer.parseInt(p[5]), 16);
		}
		int[] sizes = args.length == 0 ? new int[] { 1024, 2048 } : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
		long t0 = System.nanoTime();
		try (HostGemm gemm = HostGemm.compile(cfg, threads); Arena arena = Arena.ofShared()) {
			System.out.printf("compiled %s in %.0f ms (%d threads)%n", cfg, (System.nanoTime() - t0) / 1e6, threads);
			if (Boolean.getBoolean("asm")) {
				System.out.println(gemm.assembly());
			}
			for (int n : sizes) {
				double numpy = numpy(n, reps);
				MemorySegment a = random(arena, (long) n * n, 1), b = random(arena, (long) n * n, 2);
				MemorySegment c = arena.allocate((long) n * n * 4, 64);
				gemm.multiply(a, b, c, n, n, n); // warm-up and correctness
				double err = check(a, b, c, n);
				double best = Double.MAX_VALUE;
				for (int r = 0; r < reps; r++) {
					long s = System.nanoTime();
					gemm.multiply(a, b, c, n, n, n);
					best = Math.min(best, (System.nanoTime() - s) / 1e9);
				}
				double gflops = 2.0 * n * n * n / best / 1e9;
				double numpyAfter = numpy(n, reps);
				System.out.printf("n=%d  forge %.1f GFLOP/s  numpy %.1f / %.1f GFLOP/s  ratio %.2f  (max rel err %.1e)%n", n,
						gflops, numpy, numpyAfter, gflops / Math.max(numpy, numpyAfter), err);
			}
		}
	}

	private static MemorySegment random(Arena arena, long count, long seed) {
		MemorySegment s = arena.allocate(count * 4, 64);
		Random r = new Random(seed);
		for (long i = 0; i < count; i++) {
			s.setAtIndex(JAVA_FLOAT, i, r.nextFloat() - 0.5f);
		}
		return s;
	}

	/** Compares 200 sampled elements of C (= A@B after one multiply) with a double-precision dot. */
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

	/** numpy's best-of-reps GFLOP/s for an n x n x n f32 matmul, measured in a python3 subprocess. */
	static double numpy(int n, int reps) throws IOException, InterruptedException {
		if (!Boolean.parseBoolean(System.getProperty("numpy", "true"))) {
			return Double.NaN;
		}
		String py = "import numpy as np,time\n" + "n=" + n + "\n" + "a=np.random.rand(n,n).astype(np.float32);b=np.random.rand(n,n).astype(np.float32)\n"
				+ "a@b\nbest=1e9\n" + "for i in range(" + reps + "):\n t=time.perf_counter();a@b;best=min(best,time.perf_counter()-t)\n"
				+ "print(2*n**3/best/1e9)\n";
		Process p = new ProcessBuilder("python3", "-c", py).redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
		p.waitFor();
		try {
			return Double.parseDouble(out);
		} catch (NumberFormatException e) {
			return Double.NaN;
		}
	}
}
