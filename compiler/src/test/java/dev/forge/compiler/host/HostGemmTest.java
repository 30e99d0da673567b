package dev.forge.compiler.host;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The JIT-compiled GEMM against a plain Java triple loop, at edge sizes: 1, primes, non-multiples of every block. */
class HostGemmTest {

	private static void check(HostGemm gemm, int m, int n, int k) {
		Random rnd = new Random(m * 31L + n * 7L + k);
		try (Arena arena = Arena.ofShared()) {
			float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
			for (int i = 0; i < a.length; i++) {
				a[i] = rnd.nextFloat() - 0.5f;
			}
			for (int i = 0; i < b.length; i++) {
				b[i] = rnd.nextFloat() - 0.5f;
			}
			for (int i = 0; i < c.length; i++) {
				c[i] = rnd.nextFloat(); // C += A @ B: the old C must survive
			}
			MemorySegment as = arena.allocateFrom(JAVA_FLOAT, a), bs = arena.allocateFrom(JAVA_FLOAT, b), cs = arena.allocateFrom(JAVA_FLOAT, c);
			gemm.multiply(as, bs, cs, m, n, k);
			for (int i = 0; i < m; i++) {
				for (int j = 0; j < n; j++) {
					double want = c[i * n + j];
					for (int p = 0; p < k; p++) {
						want += (double) a[i * k + p] * b[p * n + j];
					}
					assertEquals(want, cs.getAtIndex(JAVA_FLOAT, (long) i * n + j), 1e-5 * Math.max(1, Math.sqrt(k)),
							m + "x" + n + "x" + k + " at " + i + "," + j);
				}
			}
		}
	}

	@Test
	void edgeSizesWithTheDefaultBlocking() {
		try (HostGemm gemm = HostGemm.compile(GemmConfig.avx512(), 2)) {
			int[][] sizes = { { 1, 1, 1 }, { 1, 33, 5 }, { 13, 1, 17 }, { 12, 32, 4 }, { 37, 61, 3 }, { 101, 67, 389 }, { 25, 97, 1 },
					{ 200, 200, 200 } };
			for (int[] s : sizes) {
				check(gemm, s[0], s[1], s[2]);
			}
		}
	}

	@Test
	void smallBlocksCrossEveryBlockBoundary() {
		// mc, kc, nc far below the sizes so that every loop of the driver runs several ragged blocks.
		try (HostGemm gemm = HostGemm.compile(new GemmConfig(6, 32, 12, 8, 64, 4, 16), 3)) {
			check(gemm, 29, 131, 23);
			check(gemm, 7, 65, 9);
		}
	}

	@Test
	void microKernelKeepsAccumulatorsInRegisters() {
		try (HostGemm gemm = HostGemm.compile(GemmConfig.avx512(), 1)) {
			String asm = gemm.assembly();
			assertTrue(asm.contains("vfmadd231ps\t%zmm"), "no 512-bit FMAs");
			int micro = asm.indexOf("vfmadd231ps");
			String loop = asm.substring(micro, asm.indexOf("\n\tj", micro)); // up to the loop's branch
			assertFalse(loop.contains("(%rsp)"), "the micro-kernel loop spills:\n" + loop);
		}
	}
}
