package dev.forge.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.graph.Forge;
import dev.forge.compiler.graph.GraphFunction;

/**
 * The reference interpreter against values computed independently here: hand-computed cases,
 * naive loops, direct formulas and algebraic identities, on random shapes that include 1 and primes.
 */
class InterpreterTest {

	private static final long[] SIZES = { 1, 2, 3, 5, 7 };
	private static final double TOL = 1e-12;

	private static final Forge.Checked SRC = Forge.check("interp.forge", """
			def linear(x: Tensor["B", "K", f32], w: Tensor["K", "N", f32], b: Tensor["N", f32]) -> Tensor["B", "N", f32]:
			    return x @ w + b

			def by_dims(x: Tensor["S", "D", f32]) -> Tensor["S", "D", f32]:
			    return maximum(x / sqrt(float(x.shape[-1])) + float(int(-2.7)) + float(int(x.shape[0]) // 2), float("-inf"))

			def bmm(a: Tensor["B", "M", "K", f32], b: Tensor["K", "N", f32]) -> Tensor["B", "M", "N", f32]:
			    return a @ b

			def bmm2(a: Tensor["B", 1, "M", "K", f32], b: Tensor["H", "K", "N", f32]) -> Tensor["B", "H", "M", "N", f32]:
			    return a @ b

			def soft(x: Tensor["B", "S", "V", f32]) -> Tensor["B", "S", "V", f32]:
			    return softmax(x)

			def soft0(x: Tensor["R", "C", f32]) -> Tensor["R", "C", f32]:
			    return softmax(x, axis=0)

			def logsoft(x: Tensor["R", "C", f32]) -> Tensor["R", "C", f32]:
			    return log_softmax(x)

			def rms(x: Tensor["B", "S", "D", f32], w: Tensor["D", f32]) -> Tensor["B", "S", "D", f32]:
			    return rmsnorm(x, w, eps=1e-5)

			def ln(x: Tensor["S", "D", f32], w: Tensor["D", f32], b: Tensor["D", f32]) -> Tensor["S", "D", f32]:
			    return layernorm(x, w, b)

			def split(x: Tensor["B", "S", "D", f32], *, heads: int) -> Tensor["B", "heads", "S", "D//heads", f32]:
			    return transpose(reshape(x, ("B", "S", "heads", "D//heads")), (0, 2, 1, 3))

			def join(a: Tensor["N", "M", f32], b: Tensor["N", "K", f32]) -> Tensor["N", "M+K", f32]:
			    return concat((a, b), axis=1)

			def reductions(x: Tensor["A", "B", "C", f32]) -> tuple[Tensor["B", f32], Tensor["A", 1, "C", f32], Tensor[f32]]:
			    return sum(x, axis=(0, 2)), max(x, axis=1, keepdims=True), min(x)

			def acts(x: Tensor["N", f32]) -> tuple[Tensor["N", f32], Tensor["N", f32], Tensor["N", f32], Tensor["N", f32]]:
			    return gelu(x), gelu(x, approximate=True), silu(x), relu(-x) + sigmoid(x)

			def scaled(x: Tensor["N", f32], *, t: float = 2.0) -> Tensor["N", f32]:
			    return x / t

			def mixed(x: Tensor["N", f32], k: Tensor["N", i32]) -> tuple[Tensor["N", i32], Tensor["N", bool]]:
			    return cast(x, i32) + k, x >= 0.0
			""");

	private final Random random = new Random(20250101);

	private NdArray rand(long... shape) {
		return NdArray.of(shape, i -> random.nextGaussian());
	}

	private long pick() {
		return SIZES[random.nextInt(SIZES.length)];
	}

	private static List<NdArray> run(String fn, Map<String, Long> dims, Map<String, NdArray> inputs) {
		return Interpreter.run(SRC.lower(fn), dims, inputs);
	}

	@Test
	void linearByHand() {
		NdArray x = new NdArray(new long[] { 2, 3 }, new double[] { 1, 2, 3, 4, 5, 6 });
		NdArray w = new NdArray(new long[] { 3, 2 }, new double[] { 1, 0, 0, 1, 1, 1 });
		NdArray b = new NdArray(new long[] { 2 }, new double[] { 10, 20 });
		NdArray y = run("linear", Map.of("B", 2L, "K", 3L, "N", 2L), Map.of("x", x, "w", w, "b", b)).get(0);
		// row 0: [1+3, 2+3] + [10, 20]; row 1: [4+6, 5+6] + [10, 20]
		assertArrayEquals(new long[] { 2, 2 }, y.shape());
		assertArrayEquals(new double[] { 14, 25, 20, 31 }, y.data(), TOL);
	}

	/** float() of a dim is its run-time value; int() truncates toward zero and keeps a dim a dim (Python's semantics). */
	@Test
	void floatAndIntOfDimsAndNumbers() {
		for (long d : new long[] { 1, 3, 7 }) {
			long rows = d + 2;
			NdArray x = rand(rows, d);
			NdArray y = run("by_dims", Map.of("S", rows, "D", d), Map.of("x", x)).get(0);
			for (long i = 0; i < rows; i++) {
				for (long j = 0; j < d; j++) {
					assertEquals(x.get(i, j) / Math.sqrt(d) - 2.0 + rows / 2, y.get(i, j), 1e-6);
				}
			}
		}
	}

	@Test
	void matmulAgainstANaiveTripleLoop() {
		for (int trial = 0; trial < 20; trial++) {
			long bs = pick(), m = pick(), k = pick(), n = pick();
			NdArray a = rand(bs, m, k);
			NdArray b = rand(k, n);
			NdArray c = run("bmm", Map.of("B", bs, "M", m, "K", k, "N", n), Map.of("a", a, "b", b)).get(0);
			assertArrayEquals(new long[] { bs, m, n }, c.shape());
			for (long p = 0; p < bs; p++) {
				for (long i = 0; i < m; i++) {
					for (long j = 0; j < n; j++) {
						double acc = 0;
						for (long q = 0; q < k; q++) {
							acc += a.get(p, i, q) * b.get(q, j);
						}
						assertEquals(acc, c.get(p, i, j), 1e-9);
					}
				}
			}
		}
	}

	@Test
	void matmulBroadcastsBatchDims() {
		for (int trial = 0; trial < 10; trial++) {
			long bs = pick(), h = pick(), m = pick(), k = pick(), n = pick();
			NdArray a = rand(bs, 1, m, k);
			NdArray b = rand(h, k, n);
			NdArray c = run("bmm2", Map.of("B", bs, "H", h, "M", m, "K", k, "N", n), Map.of("a", a, "b", b)).get(0);
			assertArrayEquals(new long[] { bs, h, m, n }, c.shape());
			for (long p = 0; p < bs; p++) {
				for (long g = 0; g < h; g++) {
					for (long i = 0; i < m; i++) {
						for (long j = 0; j < n; j++) {
							double acc = 0;
							for (long q = 0; q < k; q++) {
								acc += a.get(p, 0, i, q) * b.get(g, q, j);
							}
							assertEquals(acc, c.get(p, g, i, j), 1e-9);
						}
					}
				}
			}
		}
	}

	@Test
	void softmaxRowsSumToOneAndMatchTheFormula() {
		for (int trial = 0; trial < 20; trial++) {
			long b = pick(), s = pick(), v = pick();
			NdArray x = rand(b, s, v);
			NdArray y = run("soft", Map.of("B", b, "S", s, "V", v), Map.of("x", x)).get(0);
			for (long i = 0; i < b; i++) {
				for (long j = 0; j < s; j++) {
					double total = 0;
					double denom = 0;
					for (long q = 0; q < v; q++) {
						denom += Math.exp(x.get(i, j, q));
					}
					for (long q = 0; q < v; q++) {
						total += y.get(i, j, q);
						assertEquals(Math.exp(x.get(i, j, q)) / denom, y.get(i, j, q), 1e-12);
					}
					assertEquals(1.0, total, 1e-12);
				}
			}
		}
	}

	@Test
	void softmaxIsSafeForHugeLogitsAndHonoursTheAxis() {
		NdArray x = new NdArray(new long[] { 2, 2 }, new double[] { 1000, 0, 1000, 0 });
		NdArray y = run("soft0", Map.of("R", 2L, "C", 2L), Map.of("x", x)).get(0);
		assertArrayEquals(new double[] { 0.5, 0.5, 0.5, 0.5 }, y.data(), TOL); // columns: equal entries
		NdArray l = run("logsoft", Map.of("R", 2L, "C", 2L), Map.of("x", x)).get(0);
		assertArrayEquals(new double[] { 0, -1000, 0, -1000 }, l.data(), 1e-9);
	}

	@Test
	void rmsnormAgainstTheDirectFormula() {
		for (int trial = 0; trial < 10; trial++) {
			long b = pick(), s = pick(), d = pick();
			NdArray x = rand(b, s, d);
			NdArray w = rand(d);
			NdArray y = run("rms", Map.of("B", b, "S", s, "D", d), Map.of("x", x, "w", w)).get(0);
			for (long i = 0; i < b; i++) {
				for (long j = 0; j < s; j++) {
					double ms = 0;
					for (long q = 0; q < d; q++) {
						ms += x.get(i, j, q) * x.get(i, j, q);
					}
					ms /= d;
					for (long q = 0; q < d; q++) {
						assertEquals(x.get(i, j, q) / Math.sqrt(ms + 1e-5) * w.get(q), y.get(i, j, q), 1e-12);
					}
				}
			}
		}
	}

	@Test
	void layernormAgainstTheDirectFormula() {
		long s = 3, d = 7;
		NdArray x = rand(s, d);
		NdArray w = rand(d);
		NdArray b = rand(d);
		NdArray y = run("ln", Map.of("S", s, "D", d), Map.of("x", x, "w", w, "b", b)).get(0);
		for (long i = 0; i < s; i++) {
			double mu = 0;
			for (long q = 0; q < d; q++) {
				mu += x.get(i, q) / d;
			}
			double var = 0;
			for (long q = 0; q < d; q++) {
				var += (x.get(i, q) - mu) * (x.get(i, q) - mu) / d;
			}
			for (long q = 0; q < d; q++) {
				assertEquals((x.get(i, q) - mu) / Math.sqrt(var + 1e-5) * w.get(q) + b.get(q), y.get(i, q), 1e-12);
			}
		}
	}

	@Test
	void splitHeadsMovesEachElementWhereNumPyWould() {
		long b = 2, s = 3, heads = 2, d = 10;
		NdArray x = NdArray.of(new long[] { b, s, d }, i -> i);
		NdArray y = run("split", Map.of("B", b, "S", s, "D", d, "heads", heads), Map.of("x", x)).get(0);
		assertArrayEquals(new long[] { b, heads, s, d / heads }, y.shape());
		for (long i = 0; i < b; i++) {
			for (long h = 0; h < heads; h++) {
				for (long j = 0; j < s; j++) {
					for (long e = 0; e < d / heads; e++) {
						assertEquals(x.get(i, j, h * (d / heads) + e), y.get(i, h, j, e));
					}
				}
			}
		}
	}

	@Test
	void concatAndReductionsByHand() {
		NdArray a = new NdArray(new long[] { 2, 1 }, new double[] { 1, 2 });
		NdArray b = new NdArray(new long[] { 2, 2 }, new double[] { 3, 4, 5, 6 });
		NdArray c = run("join", Map.of("N", 2L, "M", 1L, "K", 2L), Map.of("a", a, "b", b)).get(0);
		assertArrayEquals(new double[] { 1, 3, 4, 2, 5, 6 }, c.data(), 0);

		NdArray x = NdArray.of(new long[] { 2, 3, 2 }, i -> i); // x[a][b][c] = 6a + 2b + c
		List<NdArray> r = run("reductions", Map.of("A", 2L, "B", 3L, "C", 2L), Map.of("x", x));
		assertArrayEquals(new double[] { 0 + 1 + 6 + 7, 2 + 3 + 8 + 9, 4 + 5 + 10 + 11 }, r.get(0).data(), 0);
		assertArrayEquals(new long[] { 2, 1, 2 }, r.get(1).shape());
		assertArrayEquals(new double[] { 4, 5, 10, 11 }, r.get(1).data(), 0);
		assertArrayEquals(new long[0], r.get(2).shape());
		assertEquals(0, r.get(2).flat(0));
	}

	@Test
	void erfAndActivationsAgainstKnownValues() {
		assertEquals(0.5204998778130465, Elementwise.erf(0.5), 1e-13);
		assertEquals(0.8427007929497149, Elementwise.erf(1.0), 1e-13);
		assertEquals(0.9953222650189527, Elementwise.erf(2.0), 1e-13);
		assertEquals(-0.9999779095030014, Elementwise.erf(-3.0), 1e-13);
		assertEquals(0.9999999845827421, Elementwise.erf(4.0), 1e-13);
		NdArray x = new NdArray(new long[] { 3 }, new double[] { -1, 0, 1 });
		List<NdArray> r = run("acts", Map.of("N", 3L), Map.of("x", x));
		assertArrayEquals(new double[] { -0.15865525393145707, 0, 0.8413447460685429 }, r.get(0).data(), 1e-12);
		double t = Math.tanh(Math.sqrt(2 / Math.PI) * (1 + 0.044715));
		assertArrayEquals(new double[] { -0.5 * (1 - t), 0, 0.5 * (1 + t) }, r.get(1).data(), 1e-15);
		double sig1 = 1 / (1 + Math.exp(-1));
		assertArrayEquals(new double[] { -(1 - sig1), 0, sig1 }, r.get(2).data(), 1e-15);
		assertArrayEquals(new double[] { 1 + (1 - sig1), 0.5, sig1 }, r.get(3).data(), 1e-15);
	}

	@Test
	void scalarParametersTakeTheirDefaultOrAValue() {
		NdArray x = new NdArray(new long[] { 2 }, new double[] { 3, -4 });
		assertArrayEquals(new double[] { 1.5, -2 }, run("scaled", Map.of("N", 2L), Map.of("x", x)).get(0).data(), 0);
		Map<String, NdArray> in = new HashMap<>(Map.of("x", x, "t", NdArray.scalar(-1)));
		assertArrayEquals(new double[] { -3, 4 }, run("scaled", Map.of("N", 2L), in).get(0).data(), 0);
	}

	@Test
	void integerAndBoolDtypes() {
		NdArray x = new NdArray(new long[] { 3 }, new double[] { 1.7, -1.7, 0 });
		NdArray k = new NdArray(new long[] { 3 }, new double[] { 1, 1, 1 });
		List<NdArray> r = run("mixed", Map.of("N", 3L), Map.of("x", x, "k", k));
		assertArrayEquals(new double[] { 2, 0, 1 }, r.get(0).data(), 0); // truncation toward zero
		assertArrayEquals(new double[] { 1, 0, 1 }, r.get(1).data(), 0);
	}

	@Test
	void wrongInputsAreReportedClearly() {
		GraphFunction f = SRC.lower("linear");
		NdArray x = rand(2, 3);
		NdArray w = rand(4, 2);
		NdArray b = rand(2);
		var e = assertThrows(InterpreterException.class, () -> Interpreter.run(f, Map.of("B", 2L, "K", 3L, "N", 2L), Map.of("x", x, "w", w, "b", b)));
		assertTrue(e.getMessage().contains("parameter 'w' must have shape [3, 2]"), e::getMessage);
		var unbound = assertThrows(InterpreterException.class, () -> Interpreter.run(f, Map.of("B", 2L, "K", 3L), Map.of("x", x, "w", w, "b", b)));
		assertTrue(unbound.getMessage().contains("not bound"), unbound::getMessage);
		var missing = assertThrows(InterpreterException.class, () -> Interpreter.run(f, Map.of("B", 2L, "K", 3L, "N", 2L), Map.of("x", x)));
		assertTrue(missing.getMessage().contains("no input for parameter 'w'"), missing::getMessage);
		// heads must divide D: the reshape's element count is checked at run time
		var split = assertThrows(InterpreterException.class,
				() -> run("split", Map.of("B", 1L, "S", 1L, "D", 5L, "heads", 2L), Map.of("x", rand(1, 1, 5))));
		assertTrue(split.getMessage().contains("changes the element count"), split::getMessage);
	}
}
