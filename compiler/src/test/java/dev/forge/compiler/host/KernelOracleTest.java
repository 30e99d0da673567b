package dev.forge.compiler.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forge.compiler.interp.Philox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.function.IntToDoubleFunction;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.graph.Forge;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.kernel.KernelLowering;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.targets.Targets;
import dev.forge.types.DType;

/**
 * Kernels written with the kernel layer's index tiles, masks and tile.where (issue 10), compiled for
 * the host and run through the JIT, against plain Java computations of the same math in f64 (an
 * oracle that shares nothing with the compiler), and against the Tile IR interpreter. Sizes cross
 * the block edges: a row of 37 in blocks of 64, of 100 in two blocks, of 1.
 */
class KernelOracleTest {

	private static TileFunction lower(Path file, String kernel, String replace, String with) throws IOException {
		String source = Files.readString(file);
		if (replace != null) {
			assertTrue(source.contains(replace), () -> file + " no longer contains " + replace);
			source = source.replace(replace, with);
		}
		Forge.Checked checked = Forge.check(file.getFileName().toString(), source);
		try {
			return KernelLowering.lower(checked.function(kernel), checked.types(), Targets.builtin().get("host"));
		} catch (LoweringException e) {
			throw new AssertionError(kernel + ": " + e.located(), e);
		}
	}

	private static final Path SAMPLE = Path.of("../samples/layernorm_kernel.forge");
	private static final Path KERNELS = Path.of("src/test/resources/kernel");

	/** Layer norm of each row in f64: the two-pass mean and (biased) variance, then the affine map. */
	private static double[] layerNorm(NdArray x, NdArray w, NdArray b, int rows, int width, double eps) {
		double[] y = new double[rows * width];
		for (int r = 0; r < rows; r++) {
			double mean = 0;
			for (int c = 0; c < width; c++) {
				mean += x.get(r, c);
			}
			mean /= width;
			double var = 0;
			for (int c = 0; c < width; c++) {
				var += (x.get(r, c) - mean) * (x.get(r, c) - mean);
			}
			var /= width;
			for (int c = 0; c < width; c++) {
				y[r * width + c] = (x.get(r, c) - mean) / Math.sqrt(var + eps) * w.get(c) + b.get(c);
			}
		}
		return y;
	}

	private static Map<String, double[]> runLayerNorm(TileFunction f, NdArray x, NdArray w, NdArray b, int rows, int width) {
		Map<String, NdArray> inputs = Map.of("X", x, "W", w, "B", b, "eps", NdArray.of(new long[0], i -> 1e-5));
		return HostCodegenTest.runHost(f, inputs, Map.of("R", (long) rows, "D", (long) width));
	}

	@Test
	void theSampleLayerNormKernelMatchesPlainJavaOnRaggedRows() throws IOException {
		TileFunction f = lower(SAMPLE, "layer_norm_rows", null, null);
		Random rnd = new Random(10);
		for (int[] rd : new int[][] { { 5, 37 }, { 3, 100 }, { 1, 1 }, { 9, 64 }, { 4, 129 } }) {
			int rows = rd[0];
			int width = rd[1];
			// Rows with an offset, so that the mean is far from the zeros a ragged load pads with.
			NdArray x = NdArray.of(new long[] { rows, width }, i -> (float) (3 + rnd.nextDouble() * 2 - 1));
			NdArray w = HostCodegenTest.random(rnd, DType.F32, width);
			NdArray b = HostCodegenTest.random(rnd, DType.F32, width);
			double[] want = layerNorm(x, w, b, rows, width, 1e-5);
			double[] host = runLayerNorm(f, x, w, b, rows, width).get("Y");
			String where = "R=" + rows + ", D=" + width;
			HostCodegenTest.assertClose(want, host, 2e-4, "host vs plain Java at " + where);
			Map<String, NdArray> inputs = Map.of("X", x, "W", w, "B", b, "eps", NdArray.of(new long[0], i -> 1e-5));
			double[] interp = HostCodegenTest.interp(f, inputs, Map.of("R", (long) rows, "D", (long) width), "Y");
			HostCodegenTest.assertClose(want, interp, 2e-4, "interpreter vs plain Java at " + where);
		}
	}

	@Test
	void withoutTheWhereTheVarianceCountsThePadding() throws IOException {
		// The bug of issue 10: after x - mean, the zero-filled columns past the row's end hold -mean.
		TileFunction f = lower(SAMPLE, "layer_norm_rows", "tile.where(cols[None, :] < width, x - row_mean[:, None], 0.0)", "x - row_mean[:, None]");
		Random rnd = new Random(11);
		int rows = 2;
		int width = 37;
		NdArray x = NdArray.of(new long[] { rows, width }, i -> (float) (3 + rnd.nextDouble() * 2 - 1));
		NdArray w = NdArray.of(new long[] { width }, i -> 1);
		NdArray b = NdArray.of(new long[] { width }, i -> 0);
		double[] want = layerNorm(x, w, b, rows, width, 1e-5);
		double[] host = runLayerNorm(f, x, w, b, rows, width).get("Y");
		double worst = 0;
		for (int i = 0; i < want.length; i++) {
			worst = Math.max(worst, Math.abs(want[i] - host[i]));
		}
		assertTrue(worst > 0.1, "the unmasked variance should be visibly wrong, max error " + worst);
	}

	/** Runs {@code kernel} of a test file on the host and checks its output {@code Y} element by element. */
	private static void check(String file, String kernel, Map<String, NdArray> inputs, Map<String, Long> dims, IntToDoubleFunction want, double rel)
			throws IOException {
		TileFunction f = lower(KERNELS.resolve(file), kernel, null, null);
		double[] host = HostCodegenTest.runHost(f, inputs, dims).get("Y");
		double[] expected = new double[host.length];
		for (int i = 0; i < expected.length; i++) {
			expected[i] = want.applyAsDouble(i);
		}
		HostCodegenTest.assertClose(expected, host, rel, kernel + " on the host at " + dims);
		HostCodegenTest.assertClose(expected, HostCodegenTest.interp(f, inputs, dims, "Y"), rel, kernel + " in the interpreter at " + dims);
	}

	@Test
	void elementwiseMathMatchesJavaMath() throws IOException {
		int n = 37;
		Random rnd = new Random(12);
		NdArray x = NdArray.of(new long[] { n }, i -> (float) (rnd.nextDouble() * 6 - 3));
		check("tile_math.forge", "math", Map.of("X", x), Map.of("N", (long) n), i -> {
			double v = x.flat(i);
			double a = Math.log(Math.abs(v) + 1) + Math.log(Math.abs(v) + 1) / Math.log(2) + Math.pow(2, v);
			double b = 1 / (1 + Math.exp(-v)) * Math.tanh(v) + Math.pow(Math.abs(v), 1.5);
			double c = Math.floor(4 * v) + Math.ceil(4 * v) + v * v + 1;
			return Math.max(a, b) - Math.min(b, c) + Math.min(v, 0) + erfBySimpson(v);
		}, 1e-5);
	}

	/** erf(x) as 2/sqrt(pi) times the integral of e^-t^2 over [0, x] by Simpson's rule: independent of Forge's erf. */
	static double erfBySimpson(double x) {
		int n = 2000;
		double h = x / n, sum = 0;
		for (int i = 0; i <= n; i++) {
			double w = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
			sum += w * Math.exp(-(i * h) * (i * h));
		}
		return 2 / Math.sqrt(Math.PI) * sum * h / 3;
	}

	@Test
	void randomWordsAreRandom123sPhilox() throws IOException {
		int n = 37;
		long seed = 0x1f31d0a4093822L; // both key words non-zero, exact in the harness's doubles
		check("tile_math.forge", "random_words", Map.of("seed", NdArray.of(new long[0], i -> 0)), Map.of("N", (long) n), i -> Philox.bits(0, i), 0);
		assertEquals(0x6627e8d5L, Philox.bits(0, 0), "Random123's known answer for counter 0, key 0");
		check("tile_math.forge", "random_words", Map.of("seed", NdArray.of(new long[0], i -> seed)), Map.of("N", (long) n),
				i -> Philox.bits(seed, i), 0);
		check("tile_math.forge", "uniforms", Map.of("seed", NdArray.of(new long[0], i -> 7)), Map.of("N", (long) n),
				i -> Philox.uniform(Philox.bits(7, i)), 0);
	}

	@Test
	void dotAccumulatesIntoItsAccAndReadsTransposedOperands() throws IOException {
		int m = 37, n = 21, k = 50;
		Random rnd = new Random(9);
		NdArray a = NdArray.of(new long[] { m, k }, i -> (float) (rnd.nextDouble() * 2 - 1));
		NdArray b = NdArray.of(new long[] { n, k }, i -> (float) (rnd.nextDouble() * 2 - 1));
		TileFunction f = lower(KERNELS.resolve("tile_math.forge"), "dot_acc_trans", null, null);
		double[] host = HostCodegenTest.runHost(f, Map.of("A", a, "B", b), Map.of("M", (long) m, "N", (long) n, "K", (long) k)).get("C");
		double[] want = new double[m * n];
		for (int i = 0; i < m; i++) {
			for (int j = 0; j < n; j++) {
				double s = 1;
				for (int q = 0; q < k; q++) {
					s += a.get(i, q) * b.get(j, q);
				}
				want[i * n + j] = s;
			}
		}
		HostCodegenTest.assertClose(want, host, 1e-5, "1 + A @ B^T on the host");
	}

	@Test
	void argmaxAndArgminPickTheFirstExtreme() throws IOException {
		int rows = 9, cols = 13;
		Random rnd = new Random(4);
		// Few distinct values, so that ties are common: the first index must win.
		NdArray x = NdArray.of(new long[] { rows, cols }, i -> rnd.nextInt(5));
		check("tile_math.forge", "arg_extremes", Map.of("X", x), Map.of("R", (long) rows, "C", (long) cols), r -> {
			int hi = 0, lo = 0;
			for (int c = 1; c < cols; c++) {
				hi = x.get(r, c) > x.get(r, hi) ? c : hi;
				lo = x.get(r, c) < x.get(r, lo) ? c : lo;
			}
			return 100 * hi + lo;
		}, 0);
	}

	@Test
	void bitwiseOperatorsOnIntTilesAreJavas() throws IOException {
		check("tile_math.forge", "bit_ops", Map.of(), Map.of("N", 300L), i -> (((i << 3) | 5) ^ (i >> 1)) & ~2, 0);
	}

	@Test
	void atomicsAccumulateAcrossProgramsFromZero() throws IOException {
		int rows = 37, cols = 50, bins = 5;
		Random rnd = new Random(6);
		NdArray x = NdArray.of(new long[] { rows, cols }, i -> (float) (rnd.nextDouble() * 1.2 - 0.1));
		TileFunction f = lower(KERNELS.resolve("tile_math.forge"), "split_k_sums", null, null);
		Map<String, Long> dims = Map.of("R", (long) rows, "C", (long) cols, "B", (long) bins);
		Map<String, double[]> host = HostCodegenTest.runHost(f, Map.of("X", x), dims);
		double[] sums = new double[rows], peaks = new double[rows], hist = new double[bins];
		for (int r = 0; r < rows; r++) {
			for (int c = 0; c < cols; c++) {
				double v = (float) x.get(r, c);
				sums[r] += v;
				peaks[r] = Math.max(peaks[r], v); // an atomically updated output starts at 0
				int b = (int) Math.floor(v * bins);
				if (b >= 0 && b < bins) {
					hist[b]++;
				}
			}
		}
		HostCodegenTest.assertClose(sums, host.get("Y"), 1e-5, "split-K row sums on the host");
		HostCodegenTest.assertClose(peaks, host.get("Peak"), 0, "atomic row maxima on the host");
		HostCodegenTest.assertClose(hist, host.get("Hist"), 0, "atomic histogram on the host");
		HostCodegenTest.assertClose(sums, HostCodegenTest.interp(f, Map.of("X", x), dims, "Y"), 1e-5, "split-K row sums in the interpreter");
		HostCodegenTest.assertClose(hist, HostCodegenTest.interp(f, Map.of("X", x), dims, "Hist"), 0, "histogram in the interpreter");
	}

	@Test
	void cumsumIsAnInclusivePrefixSum() throws IOException {
		int rows = 10, cols = 13; // blocks of 4 x 16: ragged in both axes
		Random rnd = new Random(3);
		NdArray x = NdArray.of(new long[] { rows, cols }, i -> (float) (rnd.nextDouble() * 2 - 1));
		check("tile_math.forge", "prefix_sums", Map.of("X", x), Map.of("R", (long) rows, "C", (long) cols), i -> {
			int r = i / cols, c = i % cols;
			double s = 0;
			for (int j = 0; j <= c; j++) {
				s += x.get(r, j);
			}
			int positive = 0;
			for (int q = r / 4 * 4; q <= r; q++) {
				positive += x.get(q, c) > 0 ? 1 : 0;
			}
			return s + positive;
		}, 1e-5);
	}

	@Test
	void maskedStoresWriteExactlyWhereTheMaskHolds() throws IOException {
		int n = 37;
		Random rnd = new Random(5);
		NdArray x = NdArray.of(new long[] { n }, i -> rnd.nextDouble() * 2 - 1);
		check("masks.forge", "positive_part", Map.of("X", x), Map.of("N", (long) n), i -> Math.max((float) x.flat(i), 0), 0);
	}

	@Test
	void floorDivisionAndRemainderOfIndexTilesArePythons() throws IOException {
		int n = 37;
		NdArray x = NdArray.of(new long[] { n }, i -> 0.25 * i);
		check("tile_math.forge", "index_math", Map.of("X", x), Map.of("N", (long) n), i -> {
			int lane = Math.floorMod(i, 4) - Math.floorDiv(i, 4) + Math.floorDiv(i - 7, -3) + Math.floorMod(i - 7, -3);
			return x.flat(i) + lane + i / 2.0;
		}, 0);
	}

	@Test
	void minReductionReshapesBroadcastAndNumPrograms() throws IOException {
		int rows = 7;
		int cols = 4;
		Random rnd = new Random(13);
		NdArray x = HostCodegenTest.random(rnd, DType.F32, rows, cols);
		long programs = (rows + 1) / 2;
		check("tile_math.forge", "shapes", Map.of("X", x), Map.of("R", (long) rows, "C", (long) cols), i -> {
			int r = i / cols;
			double min = Double.POSITIVE_INFINITY;
			for (int c = 0; c < cols; c++) {
				min = Math.min(min, x.get(r, c));
			}
			return x.flat(i) - min + (r % 2) * (programs - 1);
		}, 1e-6);
	}

	@Test
	void masksCombineAndLoadsReadTheFillWhereTheyAreFalse() throws IOException {
		int rows = 5;
		int cols = 7;
		Random rnd = new Random(14);
		NdArray x = HostCodegenTest.random(rnd, DType.F32, rows, cols);
		check("masks.forge", "masks", Map.of("X", x), Map.of("R", (long) rows, "C", (long) cols), i -> {
			int c = i % cols;
			boolean band = 1 <= c && c < 5;
			boolean keep = !band ^ (c == 0);
			double v = keep ? x.flat(i) : -1.0;
			return v > 0.5 ? 1.0 : v;
		}, 0);
		check("masks.forge", "centered_sum_sq", Map.of("X", x), Map.of("R", (long) rows, "C", (long) cols), r -> {
			double mean = 0;
			for (int c = 0; c < cols; c++) {
				mean += x.get(r, c);
			}
			mean /= cols;
			double s = 0;
			for (int c = 0; c < cols; c++) {
				s += (x.get(r, c) - mean) * (x.get(r, c) - mean);
			}
			return s;
		}, 1e-5);
	}
}
