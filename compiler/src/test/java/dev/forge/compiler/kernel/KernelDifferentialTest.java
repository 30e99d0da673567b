package dev.forge.compiler.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.graph.Forge;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.interp.Elementwise;
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileInterpreter;
import dev.forge.compiler.tile.TilePrinter;
import dev.forge.compiler.tile.TileVerifier;
import dev.forge.targets.Targets;
import dev.forge.types.DType;

/**
 * The lowered sample kernels run by the Tile IR interpreter against plain Java references of what
 * they compute, on small random inputs: sizes of 1, primes and other non-multiples of the blocks,
 * with the samples' schedules shrunk to small blocks so that every size crosses block edges.
 */
class KernelDifferentialTest {

	private static final Path DIR = Path.of("src/test/resources/kernel");

	/** The test copy of a sample, with its schedule statement replaced by a small one. */
	private static TileFunction lower(String file, String kernel, String schedule, String smallSchedule) {
		String source;
		try {
			source = Files.readString(DIR.resolve(file));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		if (schedule != null) {
			assertTrue(source.contains(schedule), () -> file + " no longer has the schedule " + schedule);
			source = source.replace(schedule, smallSchedule);
		}
		Forge.Checked checked = Forge.check(file, source);
		try {
			TileFunction f = KernelLowering.lower(checked.function(kernel), checked.types(), Targets.builtin().get("host"));
			assertEquals(List.of(), TileVerifier.verify(f), () -> TilePrinter.print(f));
			return f;
		} catch (LoweringException e) {
			throw new AssertionError(kernel + ": " + e.located(), e);
		}
	}

	/** Values on a grid of 1/4 in [-1, 1]: f16 and bf16 hold them, and their small sums, exactly. */
	private static NdArray quarters(Random rnd, long... shape) {
		return NdArray.of(shape, i -> (rnd.nextInt(9) - 4) / 4.0);
	}

	/** Random values rounded to {@code dtype}. */
	private static NdArray random(Random rnd, DType dtype, double scale, long... shape) {
		return NdArray.of(shape, i -> Elementwise.round((rnd.nextDouble() * 2 - 1) * scale, dtype));
	}

	private static void close(double expected, double actual, double abs, double rel, String where) {
		if (Double.isNaN(actual) || Math.abs(expected - actual) > abs + rel * Math.abs(expected)) {
			fail(where + ": expected " + expected + ", got " + actual);
		}
	}

	// ------------------------------------------------------------------ gemm

	@Test
	void gemmMatchesATripleLoop() {
		TileFunction f = lower("gemm.forge", "gemm", "gemm.schedule(block=(128, 128), k=32)", "gemm.schedule(block=(4, 8), k=4)");
		Random rnd = new Random(11);
		int runs = 0;
		for (long m : new long[] { 1, 7, 13 }) {
			for (long n : new long[] { 1, 8, 13 }) {
				for (long k : new long[] { 1, 4, 7, 13 }) {
					NdArray a = quarters(rnd, m, k);
					NdArray b = quarters(rnd, k, n);
					NdArray c = TileInterpreter.run(f, Map.of("A", a, "B", b), Map.of("M", m, "N", n, "K", k)).get("C");
					for (int i = 0; i < m; i++) {
						for (int j = 0; j < n; j++) {
							double s = 0;
							for (int q = 0; q < k; q++) {
								s += a.get(i, q) * b.get(q, j);
							}
							// Products and sums of quarters are exact in f32 and f16: no tolerance.
							assertEquals(Elementwise.round(s, DType.F16), c.get(i, j), 0, "M=" + m + " N=" + n + " K=" + k + " at " + i + "," + j);
						}
					}
					runs++;
				}
			}
		}
		assertEquals(36, runs);
	}

	@Test
	void gemmWithTheHostDefaultSchedule() {
		TileFunction f = lower("defaults.forge", "gemm_default", null, null);
		assertTrue(f.kernels().get(0).schedule().contains("default for host"), f.kernels().get(0).schedule());
		Random rnd = new Random(12);
		for (long[] mnk : new long[][] { { 1, 1, 1 }, { 7, 13, 5 }, { 13, 7, 300 } }) {
			NdArray a = quarters(rnd, mnk[0], mnk[2]);
			NdArray b = quarters(rnd, mnk[2], mnk[1]);
			NdArray c = TileInterpreter.run(f, Map.of("A", a, "B", b), Map.of("M", mnk[0], "N", mnk[1], "K", mnk[2])).get("C");
			for (int i = 0; i < mnk[0]; i++) {
				for (int j = 0; j < mnk[1]; j++) {
					double s = 0;
					for (int q = 0; q < mnk[2]; q++) {
						s += a.get(i, q) * b.get(q, j);
					}
					assertEquals(s, c.get(i, j), 0, "at " + i + "," + j);
				}
			}
		}
	}

	// ------------------------------------------------------------------ rmsnorm

	@Test
	void rmsnormRowsMatchesTheFormula() {
		TileFunction f = lower("rmsnorm.forge", "rmsnorm_rows", "rmsnorm_rows.schedule(block=(8, 512))", "rmsnorm_rows.schedule(block=(4, 8))");
		Random rnd = new Random(21);
		for (long r : new long[] { 1, 7, 13 }) {
			for (long d : new long[] { 1, 7, 13, 16 }) {
				for (double eps : new double[] { 1e-6, 0.5 }) {
					NdArray x = random(rnd, DType.BF16, 2, r, d);
					NdArray w = random(rnd, DType.BF16, 1, d);
					Map<String, NdArray> in = Map.of("X", x, "W", w, "eps", NdArray.scalar(eps));
					NdArray y = TileInterpreter.run(f, in, Map.of("R", r, "D", d)).get("Y");
					for (int i = 0; i < r; i++) {
						double ms = 0;
						for (int j = 0; j < d; j++) {
							ms += x.get(i, j) * x.get(i, j);
						}
						double inv = 1 / Math.sqrt(ms / d + eps);
						for (int j = 0; j < d; j++) {
							double ref = Elementwise.round(x.get(i, j) * inv * w.get(j), DType.BF16);
							// f32 statistics: at most one bf16 ulp from the f64 formula.
							close(ref, y.get(i, j), 1e-30, 0x1p-7, "R=" + r + " D=" + d + " eps=" + eps + " at " + i + "," + j);
						}
					}
				}
			}
		}
	}

	// ------------------------------------------------------------------ softmax

	@Test
	void softmaxRowsMatchesTheFormula() {
		TileFunction f = lower("softmax.forge", "softmax_rows", "softmax_rows.schedule(block=(4, 1024))", "softmax_rows.schedule(block=(4, 8))");
		Random rnd = new Random(31);
		for (long r : new long[] { 1, 7, 13 }) {
			for (long c : new long[] { 1, 7, 8, 13, 20 }) {
				NdArray x = random(rnd, DType.F32, 8, r, c);
				NdArray y = TileInterpreter.run(f, Map.of("X", x), Map.of("R", r, "C", c)).get("Y");
				for (int i = 0; i < r; i++) {
					double max = Double.NEGATIVE_INFINITY;
					for (int j = 0; j < c; j++) {
						max = Math.max(max, x.get(i, j));
					}
					double sum = 0;
					for (int j = 0; j < c; j++) {
						sum += Math.exp(x.get(i, j) - max);
					}
					for (int j = 0; j < c; j++) {
						close(Math.exp(x.get(i, j) - max) / sum, y.get(i, j), 1e-7, 1e-5, "R=" + r + " C=" + c + " at " + i + "," + j);
					}
				}
			}
		}
	}

	// ------------------------------------------------------------------ flash attention

	/** softmax(q k^T * scale) v in f64, over the first n rows of k and v. */
	private static double[][] attention(NdArray q, NdArray k, NdArray v, int m, int n, int dh, double scale) {
		double[][] o = new double[m][dh];
		for (int i = 0; i < m; i++) {
			double[] s = new double[n];
			double max = Double.NEGATIVE_INFINITY;
			for (int j = 0; j < n; j++) {
				for (int t = 0; t < dh; t++) {
					s[j] += q.get(i, t) * (j < k.shape()[0] ? k.get(j, t) : 0);
				}
				s[j] *= scale;
				max = Math.max(max, s[j]);
			}
			double sum = 0;
			for (int j = 0; j < n; j++) {
				s[j] = Math.exp(s[j] - max);
				sum += s[j];
			}
			for (int j = 0; j < n; j++) {
				for (int t = 0; t < dh; t++) {
					o[i][t] += s[j] / sum * (j < v.shape()[0] ? v.get(j, t) : 0);
				}
			}
		}
		return o;
	}

	@Test
	void flashAttentionMatchesSoftmaxAttention() {
		TileFunction f = lower("flash_attention.forge", "flash_attention", "flash_attention.schedule(block=(128, 64), d=64)",
				"flash_attention.schedule(block=(4, 4), d=8)");
		Random rnd = new Random(41);
		// The sample's keys come in whole blocks (its comment says N is a multiple of T.n); M and Dh are ragged.
		for (long m : new long[] { 1, 7, 13 }) {
			for (long n : new long[] { 4, 12 }) {
				for (long dh : new long[] { 1, 5, 8 }) {
					NdArray q = random(rnd, DType.F16, 1, m, dh);
					NdArray k = random(rnd, DType.F16, 1, n, dh);
					NdArray v = random(rnd, DType.F16, 1, n, dh);
					NdArray o = TileInterpreter.run(f, Map.of("Q", q, "K", k, "V", v), Map.of("M", m, "N", n, "Dh", dh)).get("O");
					double[][] ref = attention(q, k, v, (int) m, (int) n, (int) dh, 1 / Math.sqrt(dh));
					for (int i = 0; i < m; i++) {
						for (int t = 0; t < dh; t++) {
							// p is cast to f16 before p @ v, and O is f16.
							close(ref[i][t], o.get(i, t), 2e-3, 2e-3, "M=" + m + " N=" + n + " Dh=" + dh + " at " + i + "," + t);
						}
					}
				}
			}
		}
	}

	@Test
	void flashAttentionWithARaggedKeyBlockReadsZeroKeys() {
		// Faithful to the source: keys past N read fill=0, so they score 0 and add exp(0 - max) to the
		// normaliser with zero values, as attention over N rounded up to the block with zero keys.
		TileFunction f = lower("flash_attention.forge", "flash_attention", "flash_attention.schedule(block=(128, 64), d=64)",
				"flash_attention.schedule(block=(4, 4), d=8)");
		Random rnd = new Random(42);
		long m = 7;
		long n = 5;
		long dh = 8;
		NdArray q = random(rnd, DType.F16, 1, m, dh);
		NdArray k = random(rnd, DType.F16, 1, n, dh);
		NdArray v = random(rnd, DType.F16, 1, n, dh);
		NdArray o = TileInterpreter.run(f, Map.of("Q", q, "K", k, "V", v), Map.of("M", m, "N", n, "Dh", dh)).get("O");
		double[][] padded = attention(q, k, v, (int) m, 8, (int) dh, 1 / Math.sqrt(dh));
		for (int i = 0; i < m; i++) {
			for (int t = 0; t < dh; t++) {
				close(padded[i][t], o.get(i, t), 2e-3, 2e-3, "at " + i + "," + t);
			}
		}
	}

	@Test
	void onlineSoftmaxPrimitivesMatchSoftmaxAttention() {
		TileFunction f = lower("online_softmax.forge", "flash_attention", "flash_attention.schedule(block=(64, 64), d=64)",
				"flash_attention.schedule(block=(4, 4), d=8)");
		Random rnd = new Random(51);
		for (long m : new long[] { 1, 7, 13 }) {
			for (long n : new long[] { 4, 8, 12 }) {
				for (long d : new long[] { 1, 5, 8 }) {
					NdArray q = random(rnd, DType.F16, 1, m, d);
					NdArray k = random(rnd, DType.F16, 1, n, d);
					NdArray v = random(rnd, DType.F16, 1, n, d);
					NdArray o = TileInterpreter.run(f, Map.of("Q", q, "K", k, "V", v), Map.of("M", m, "N", n, "D", d)).get("result");
					// The blueprint scales by rsqrt(T.d), the block's head width.
					double[][] ref = attention(q, k, v, (int) m, (int) n, (int) d, 1 / Math.sqrt(8));
					for (int i = 0; i < m; i++) {
						for (int t = 0; t < d; t++) {
							close(ref[i][t], o.get(i, t), 1e-4, 0x1p-10, "M=" + m + " N=" + n + " D=" + d + " at " + i + "," + t);
						}
					}
				}
			}
		}
	}

	// ------------------------------------------------------------------ the other defaults kernels

	@Test
	void scaleRowsAndTheTunedAddAtTheirDefaults() {
		TileFunction scale = lower("defaults.forge", "scale_rows", null, null);
		TileFunction add = lower("defaults.forge", "add_tuned", null, null);
		Random rnd = new Random(61);
		for (long r : new long[] { 1, 9 }) {
			for (long c : new long[] { 1, 300 }) {
				NdArray x = random(rnd, DType.F32, 1, r, c);
				NdArray y = TileInterpreter.run(scale, Map.of("X", x, "alpha", NdArray.scalar(-1.5)), Map.of("R", r, "C", c)).get("Y");
				for (int i = 0; i < r * c; i++) {
					assertEquals((float) (x.flat(i) * -1.5), y.flat(i), 0);
				}
			}
		}
		for (long n : new long[] { 1, 127, 300 }) {
			NdArray x = random(rnd, DType.F32, 1, n);
			NdArray y = random(rnd, DType.F32, 1, n);
			Map<String, NdArray> in = new HashMap<>(Map.of("X", x, "Y", y));
			NdArray z = TileInterpreter.run(add, in, Map.of("N", n)).get("Z");
			for (int i = 0; i < n; i++) {
				assertEquals((float) (x.flat(i) + y.flat(i)), z.flat(i), 0);
			}
		}
	}
}
