package dev.forge.compiler.tile;

import static dev.forge.compiler.tile.TileBuilder.blockStart;
import static dev.forge.compiler.tile.TileBuilder.extent;
import static dev.forge.compiler.tile.TileBuilder.pid;
import static dev.forge.compiler.tile.TileBuilder.walk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.compiler.graph.SourceRange;
import dev.forge.compiler.interp.Elementwise;
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.TileBuilder.KernelBuilder;
import dev.forge.types.DType;
import dev.forge.types.Dim;

/**
 * The Tile IR interpreter on hand-built kernels against values computed here: naive loops and
 * direct formulas, with ragged edges (sizes that tiles do not divide) everywhere.
 */
class TileInterpreterTest {

	private static final Dim M = Dim.symbol("M");
	private static final Dim N = Dim.symbol("N");
	private static final Dim K = Dim.symbol("K");
	private static final Dim R = Dim.symbol("R");
	private static final Dim C = Dim.symbol("C");

	/** Verifies, prints and runs {@code f}. */
	private static Map<String, NdArray> run(TileFunction f, Map<String, NdArray> inputs, Map<String, Long> dims) {
		assertEquals(List.of(), TileVerifier.verify(f), () -> TilePrinter.print(f));
		assertTrue(TilePrinter.print(f).contains("kernel @"));
		return TileInterpreter.run(f, inputs, dims);
	}

	/** Random values that f32 holds exactly. */
	private static NdArray random(Random rnd, long... shape) {
		return NdArray.of(shape, i -> (float) (rnd.nextDouble() * 2 - 1));
	}

	private static double f32(double x) {
		return (float) x;
	}

	/** z = x + y in tiles of 4. */
	private static TileFunction add() {
		TileBuilder fb = new TileBuilder("add").input("x", DType.F32, N).input("y", DType.F32, N).output("z", DType.F32, N);
		KernelBuilder k = fb.kernel("add", Index.cdiv(extent("z", 0), 4)).reads("x").reads("y").writes("z");
		Access at = walk(blockStart(0, 4));
		k.store("z", at, k.binary(BinaryKind.ADD, k.load("x", at, List.of(4)), k.load("y", at, List.of(4))));
		return fb.build();
	}

	@Test
	void elementwiseAddWithARaggedEdge() {
		Random rnd = new Random(1);
		for (long n : new long[] { 1, 4, 7, 9 }) {
			NdArray x = random(rnd, n);
			NdArray y = random(rnd, n);
			NdArray z = run(add(), Map.of("x", x, "y", y), Map.of("N", n)).get("z");
			assertArrayEquals(new long[] { n }, z.shape());
			for (int i = 0; i < n; i++) {
				assertEquals(f32(x.flat(i) + y.flat(i)), z.flat(i), 0, "n=" + n + " i=" + i);
			}
		}
	}

	/** s = sum(x, axis=1) and m = mean(x, axis=1): rows in blocks of 2, a loop over blocks of 4 columns. */
	private static TileFunction rowSumAndMean() {
		TileBuilder fb = new TileBuilder("rows").input("x", DType.F32, R, C).output("s", DType.F32, R).output("m", DType.F32, R);
		KernelBuilder k = fb.kernel("rows", Index.cdiv(extent("x", 0), 2)).reads("x").writes("s").writes("m");
		TileValue zero = k.full(List.of(2, 1), DType.F32, 0);
		List<TileValue> acc = k.loop("c", Index.of(0), extent("x", 1), 4, List.of(zero, zero), (c, carried) -> {
			TileValue block = k.load("x", walk(blockStart(0, 2), c), List.of(2, 4));
			TileValue sum = k.binary(BinaryKind.ADD, carried.get(0), k.reduce(ReduceKind.SUM, block, 1));
			// partial means over the whole row length add up to the row's mean
			TileValue mean = k.binary(BinaryKind.ADD, carried.get(1), k.reduce(ReduceKind.MEAN, block, 1, extent("x", 1)));
			return List.of(sum, mean);
		});
		Access rows = new Access(List.of(blockStart(0, 2)), List.of(0));
		k.store("s", rows, acc.get(0));
		k.store("m", rows, acc.get(1));
		return fb.build();
	}

	@Test
	void rowSumWithALoopOverColumnBlocks() {
		Random rnd = new Random(2);
		for (long[] rc : new long[][] { { 5, 10 }, { 4, 4 }, { 1, 3 }, { 3, 0 } }) {
			NdArray x = random(rnd, rc);
			Map<String, NdArray> out = run(rowSumAndMean(), Map.of("x", x), Map.of("R", rc[0], "C", rc[1]));
			for (int r = 0; r < rc[0]; r++) {
				double sum = 0;
				for (int c = 0; c < rc[1]; c++) {
					sum += x.get(r, c);
				}
				assertEquals(sum, out.get("s").flat(r), 1e-6, "row " + r);
				// a loop that runs zero times yields its inits: 0, not NaN
				assertEquals(rc[1] == 0 ? 0 : sum / rc[1], out.get("m").flat(r), 1e-6, "row " + r);
			}
		}
	}

	/** c = a @ b with tiles of 4x4, K in steps of 4, in the inputs' dtype with an f32 accumulator. */
	private static TileFunction matmul(DType dtype) {
		TileBuilder fb = new TileBuilder("matmul").input("a", dtype, M, K).input("b", dtype, K, N).output("c", DType.F32, M, N);
		KernelBuilder k = fb.kernel("matmul", Index.cdiv(extent("c", 0), 4), Index.cdiv(extent("c", 1), 4)).reads("a").reads("b")
				.writes("c");
		TileValue zero = k.full(List.of(4, 4), DType.F32, 0);
		TileValue acc = k.loop("k", Index.of(0), extent("a", 1), 4, List.of(zero), (kk, carried) -> {
			TileValue a = k.load("a", walk(blockStart(0, 4), kk), List.of(4, 4));
			TileValue b = k.load("b", walk(kk, blockStart(1, 4)), List.of(4, 4));
			return List.of(k.dot(a, b, carried.get(0)));
		}).get(0);
		k.store("c", walk(blockStart(0, 4), blockStart(1, 4)), acc);
		return fb.build();
	}

	@Test
	void tiledMatmulWithKNotAMultipleOfTheTile() {
		Random rnd = new Random(3);
		long m = 5;
		long kk = 10;
		long n = 6;
		NdArray a = random(rnd, m, kk);
		NdArray b = random(rnd, kk, n);
		NdArray c = run(matmul(DType.F32), Map.of("a", a, "b", b), Map.of("M", m, "K", kk, "N", n)).get("c");
		assertArrayEquals(new long[] { m, n }, c.shape());
		for (int i = 0; i < m; i++) {
			for (int j = 0; j < n; j++) {
				double s = 0;
				for (int q = 0; q < kk; q++) {
					s += a.get(i, q) * b.get(q, j);
				}
				assertEquals(s, c.get(i, j), 1e-5, "c[" + i + "][" + j + "]");
			}
		}
	}

	@Test
	void dotSumsInF64AndRoundsOnceToTheAccumulator() {
		// bf16 inputs, f32 accumulator. Summed in f32 step by step, 1 + 2^-30 would round to 1 and
		// the first block would give 0; summed in f64 it gives 2^-30, which f32 holds.
		double tiny = Math.scalb(1.0, -30);
		NdArray a = new NdArray(new long[] { 1, 8 }, new double[] { 1, 1, 1, 1, 1, 1, 1, 1 });
		NdArray b = new NdArray(new long[] { 8, 1 }, new double[] { 1, tiny, -1, 0, tiny, tiny, 0, 0 });
		NdArray c = run(matmul(DType.BF16), Map.of("a", a, "b", b), Map.of("M", 1L, "K", 8L, "N", 1L)).get("c");
		// block 1: 1 + tiny - 1 + 0 = tiny; block 2 adds tiny + tiny
		assertEquals(3 * tiny, c.flat(0), 0);
	}

	/** y = transpose(x) twice: by a transposed load, and by a load and a transpose statement. */
	@Test
	void transposedLoadAndTransposeStatement() {
		TileBuilder fb = new TileBuilder("t").input("x", DType.F32, C, R).output("y", DType.F32, R, C).output("y2", DType.F32, R, C);
		KernelBuilder k = fb.kernel("by_load", Index.cdiv(extent("y", 0), 4), Index.cdiv(extent("y", 1), 4)).reads("x").writes("y");
		Access transposed = new Access(List.of(blockStart(1, 4), blockStart(0, 4)), List.of(1, 0));
		k.store("y", walk(blockStart(0, 4), blockStart(1, 4)), k.load("x", transposed, List.of(4, 4)));
		KernelBuilder k2 = fb.kernel("by_stmt", Index.cdiv(extent("y2", 0), 4), Index.cdiv(extent("y2", 1), 4)).reads("x")
				.writes("y2");
		TileValue block = k2.load("x", walk(blockStart(1, 4), blockStart(0, 4)), List.of(4, 4));
		k2.store("y2", walk(blockStart(0, 4), blockStart(1, 4)), k2.transpose(block, List.of(1, 0)));
		NdArray x = NdArray.of(new long[] { 3, 5 }, i -> i);
		Map<String, NdArray> out = run(fb.build(), Map.of("x", x), Map.of("R", 5L, "C", 3L));
		for (NdArray y : out.values()) {
			assertArrayEquals(new long[] { 5, 3 }, y.shape());
			for (int r = 0; r < 5; r++) {
				for (int c = 0; c < 3; c++) {
					assertEquals(x.get(c, r), y.get(r, c));
				}
			}
		}
	}

	/** out = (x + bias) * N: bias broadcast along the rows of the tile, N from a dim buffer broadcast everywhere. */
	@Test
	void broadcastLoadsOfAVectorAndADimScalar() {
		TileBuilder fb = new TileBuilder("bias").input("x", DType.F32, R, N).input("bias", DType.F32, N).output("out", DType.F32, R, N)
				.dim("n", DType.I64, N);
		KernelBuilder k = fb.kernel("bias", Index.cdiv(extent("x", 0), 2), Index.cdiv(extent("x", 1), 4)).reads("x").reads("bias")
				.reads("n").writes("out");
		Access tile = walk(blockStart(0, 2), blockStart(1, 4));
		TileValue x = k.load("x", tile, List.of(2, 4));
		TileValue bias = k.load("bias", new Access(List.of(blockStart(1, 4)), List.of(1)), List.of(2, 4));
		TileValue n = k.cast(k.load("n", new Access(List.of(), List.of()), List.of(1, 1)), DType.F32);
		k.store("out", tile, k.binary(BinaryKind.MUL, k.binary(BinaryKind.ADD, x, bias), n));
		Random rnd = new Random(4);
		NdArray xs = random(rnd, 3, 5);
		NdArray bs = random(rnd, 5);
		NdArray out = run(fb.build(), Map.of("x", xs, "bias", bs), Map.of("R", 3L, "N", 5L)).get("out");
		for (int r = 0; r < 3; r++) {
			for (int c = 0; c < 5; c++) {
				assertEquals(f32(f32(xs.get(r, c) + bs.flat(c)) * 5), out.get(r, c), 0);
			}
		}
	}

	/** Row softmax over C <= 8 columns: masked with iota and select, not with the load's other. */
	@Test
	void maskedSoftmaxWithIotaAndSelect() {
		TileBuilder fb = new TileBuilder("softmax").input("x", DType.F32, R, C).output("y", DType.F32, R, C);
		KernelBuilder k = fb.kernel("softmax", extent("x", 0)).reads("x").writes("y");
		Access row = walk(pid(0), Index.of(0));
		TileValue x = k.load("x", row, List.of(1, 8));
		// column i - C < 0 exactly for the columns inside the row
		TileValue col = k.iota(List.of(1, 8), DType.I32, 1, new Index.Binary(Index.Operator.SUB, Index.of(0), extent("x", 1)));
		TileValue inside = k.binary(BinaryKind.LT, col, k.full(List.of(1, 1), DType.I32, 0));
		TileValue masked = k.select(inside, x, k.full(List.of(1, 1), DType.F32, Double.NEGATIVE_INFINITY));
		TileValue e = k.unary(UnaryKind.EXP, k.binary(BinaryKind.SUB, masked, k.reduce(ReduceKind.MAX, masked, 1)));
		k.store("y", row, k.binary(BinaryKind.DIV, e, k.reduce(ReduceKind.SUM, e, 1)));
		Random rnd = new Random(5);
		NdArray xs = random(rnd, 3, 5);
		NdArray y = run(fb.build(), Map.of("x", xs), Map.of("R", 3L, "C", 5L)).get("y");
		for (int r = 0; r < 3; r++) {
			double max = Double.NEGATIVE_INFINITY;
			for (int c = 0; c < 5; c++) {
				max = Math.max(max, xs.get(r, c));
			}
			double sum = 0;
			for (int c = 0; c < 5; c++) {
				sum += Math.exp(xs.get(r, c) - max);
			}
			for (int c = 0; c < 5; c++) {
				assertEquals(Math.exp(xs.get(r, c) - max) / sum, y.get(r, c), 1e-6);
			}
		}
	}

	/** [4] -> [2x2] -> transpose -> [4]: a permutation of each block. */
	@Test
	void reshapeAndTransposeKeepRowMajorOrder() {
		TileBuilder fb = new TileBuilder("perm").input("x", DType.I32, N).output("y", DType.I32, N);
		KernelBuilder k = fb.kernel("perm", Index.cdiv(extent("x", 0), 4)).reads("x").writes("y");
		Access at = walk(blockStart(0, 4));
		TileValue square = k.reshape(k.load("x", at, List.of(4)), List.of(2, 2));
		k.store("y", at, k.reshape(k.transpose(square, List.of(1, 0)), List.of(4)));
		NdArray x = NdArray.of(new long[] { 8 }, i -> 10 + i);
		NdArray y = run(fb.build(), Map.of("x", x), Map.of("N", 8L)).get("y");
		assertArrayEquals(new double[] { 10, 12, 11, 13, 14, 16, 15, 17 }, y.data(), 0);
	}

	@Test
	void bf16ResultsRoundToNearestEven() {
		TileBuilder fb = new TileBuilder("bf").input("x", DType.BF16, N).output("y", DType.BF16, N).output("w", DType.F32, N);
		KernelBuilder k = fb.kernel("bf", Index.cdiv(extent("x", 0), 8)).reads("x").writes("y").writes("w");
		Access at = walk(blockStart(0, 8));
		TileValue x = k.load("x", at, List.of(8));
		TileValue eps = k.full(List.of(1), DType.BF16, Math.scalb(1.0, -8));
		k.store("y", at, k.binary(BinaryKind.ADD, x, eps));
		// the same sum in f32 keeps the 2^-8
		k.store("w", at, k.binary(BinaryKind.ADD, k.cast(x, DType.F32), k.cast(eps, DType.F32)));
		double u = Math.scalb(1.0, -7); // the spacing of bf16 in [1, 2)
		// the input 1 + 2^-9 is not a bf16 either: it is stored as 1
		NdArray xs = new NdArray(new long[] { 4 }, new double[] { 1, 1 + u, 3, 1 + Math.scalb(1.0, -9) });
		Map<String, NdArray> out = run(fb.build(), Map.of("x", xs), Map.of("N", 4L));
		// 1 + u/2 is a tie: to even (1); 1 + u + u/2 ties to 1 + 2u; 3 + u/2 is below half of 3's spacing
		assertArrayEquals(new double[] { 1, 1 + 2 * u, 3, 1 }, out.get("y").data(), 0);
		assertArrayEquals(new double[] { 1 + u / 2, 1 + 1.5 * u, 3 + u / 2, 1 + u / 2 }, out.get("w").data(), 0);
	}

	@Test
	void roundingToEachDType() {
		Random rnd = new Random(6);
		for (int i = 0; i < 10_000; i++) {
			float f = Float.intBitsToFloat(rnd.nextInt());
			if (Float.isNaN(f)) {
				continue;
			}
			assertEquals(Float.float16ToFloat(Float.floatToFloat16(f)), Elementwise.round(f, DType.F16), 0, () -> "f16 of " + f);
		}
		assertEquals(1.0, Elementwise.round(1 + Math.scalb(1.0, -24), DType.F32));
		assertEquals(1.0, Elementwise.round(1 + Math.scalb(1.0, -8), DType.BF16));
		assertEquals(1 + Math.scalb(1.0, -6), Elementwise.round(1 + 3 * Math.scalb(1.0, -8), DType.BF16));
		assertEquals(Double.POSITIVE_INFINITY, Elementwise.round(65520, DType.F16));
		assertEquals(Double.NaN, Elementwise.round(1000, DType.FP8E4M3));
		assertEquals(-2.0, Elementwise.round(-2.9, DType.I32));
		assertEquals(-128.0, Elementwise.round(128, DType.I8));
		assertEquals(255.0, Elementwise.round(-1, DType.U8));
		assertEquals(1.0, Elementwise.round(-0.5, DType.BOOL));
	}

	@Test
	void anElementNoProgramWritesStaysNaN() {
		TileFunction f = add();
		Kernel k = f.kernels().get(0);
		// one program of 4 for 7 elements: the last 3 are never written
		TileFunction oneProgram = new TileFunction(f.name(), f.buffers(),
				List.of(new Kernel(k.name(), k.args(), List.of(Index.of(1)), k.body(), k.schedule(), k.range())));
		NdArray ones = NdArray.of(new long[] { 7 }, i -> 1);
		NdArray z = run(oneProgram, Map.of("x", ones, "y", ones), Map.of("N", 7L)).get("z");
		assertArrayEquals(new double[] { 2, 2, 2, 2, Double.NaN, Double.NaN, Double.NaN }, z.data(), 0);
	}

	@Test
	void inputsAreCheckedByBufferName() {
		NdArray seven = NdArray.of(new long[] { 7 }, i -> i);
		NdArray six = NdArray.of(new long[] { 6 }, i -> i);
		TileInterpreterException e = assertThrows(TileInterpreterException.class,
				() -> TileInterpreter.run(add(), Map.of("x", seven, "y", six), Map.of("N", 7L)));
		assertEquals("input 'y' of @add must have shape [7] ([N]), got [6]", e.getMessage());
		e = assertThrows(TileInterpreterException.class, () -> TileInterpreter.run(add(), Map.of("x", seven), Map.of("N", 7L)));
		assertEquals("no input for buffer 'y' of @add", e.getMessage());
		e = assertThrows(TileInterpreterException.class,
				() -> TileInterpreter.run(add(), Map.of("x", seven, "y", seven, "z", seven), Map.of("N", 7L)));
		assertEquals("input 'z' is not an input buffer of @add", e.getMessage());
		e = assertThrows(TileInterpreterException.class, () -> TileInterpreter.run(add(), Map.of("x", seven, "y", seven), Map.of()));
		assertEquals("buffer 'x' of @add: dim N is not bound (bind [N])", e.getMessage());
	}

	@Test
	void aViewWhoseElementCountDiffersAtRunTimeIsAnError() {
		Dim heads = Dim.symbol("heads");
		TileBuilder fb = new TileBuilder("split").input("x", DType.F32, N).output("y", DType.F32, N);
		KernelBuilder k = fb.kernel("split", extent("v", 0)).arg("v", "x", false, heads, N.floorDiv(heads)).arg("w", "y", true, heads,
				N.floorDiv(heads));
		Access row = walk(pid(0), Index.of(0));
		k.store("w", row, k.load("v", row, List.of(1, 4)));
		TileFunction f = fb.build();
		NdArray x = NdArray.of(new long[] { 8 }, i -> i);
		assertArrayEquals(x.data(), run(f, Map.of("x", x), Map.of("N", 8L, "heads", 2L)).get("y").data(), 0);
		NdArray x7 = NdArray.of(new long[] { 7 }, i -> i);
		TileInterpreterException e = assertThrows(TileInterpreterException.class,
				() -> TileInterpreter.run(f, Map.of("x", x7), Map.of("N", 7L, "heads", 2L)));
		assertEquals("kernel @split: argument 'v' views buffer 'x' of shape [7] as [2, 3] ([heads,N//heads]): the element counts differ",
				e.getMessage());
	}

	@Test
	void twoProgramsWritingOneElementIsAnError() {
		TileFunction f = add();
		Kernel k = f.kernels().get(0);
		Stmt.Store store = (Stmt.Store) k.body().get(3);
		// every program stores to the first block
		List<Stmt> body = List.of(k.body().get(0), k.body().get(1), k.body().get(2),
				new Stmt.Store("z", walk(Index.of(0)), store.value(), SourceRange.NONE));
		TileFunction racy = new TileFunction(f.name(), f.buffers(), List.of(new Kernel(k.name(), k.args(), k.grid(), body, "", k.range())));
		NdArray ones = NdArray.of(new long[] { 7 }, i -> 1);
		TileInterpreterException e = assertThrows(TileInterpreterException.class,
				() -> TileInterpreter.run(racy, Map.of("x", ones, "y", ones), Map.of("N", 7L)));
		assertEquals("kernel @add, program [1]: store z[i0], %2: element [0] of buffer 'z' is written by programs [0] and [1]",
				e.getMessage());
	}

	@Test
	void aStatementErrorNamesKernelProgramLoopVariableAndStatement() {
		TileBuilder fb = new TileBuilder("bad").input("x", DType.F32, R, C).output("y", DType.F32, R);
		KernelBuilder k = fb.kernel("bad", extent("x", 0)).reads("x").writes("y");
		TileValue zero = k.full(List.of(1), DType.F32, 0);
		TileValue sum = k.loop("c", Index.of(0), extent("x", 1), 4, List.of(zero), (c, carried) -> {
			// one index for a rank-2 argument: the verifier reports it, the interpreter must not crash
			TileValue row = k.at(new SourceRange(10, 5, 3, 7)).load("x", walk(c), List.of(4));
			k.at(SourceRange.NONE);
			return List.of(k.binary(BinaryKind.ADD, carried.get(0), k.reduce(ReduceKind.SUM, row, 0)));
		}).get(0);
		k.store("y", walk(pid(0)), sum);
		TileFunction f = fb.build();
		assertEquals(1, TileVerifier.verify(f).size(), () -> TileVerifier.verify(f).toString());
		NdArray x = NdArray.of(new long[] { 2, 5 }, i -> i);
		TileInterpreterException e = assertThrows(TileInterpreterException.class,
				() -> TileInterpreter.run(f, Map.of("x", x), Map.of("R", 2L, "C", 5L)));
		assertEquals("kernel @bad, program [0] (c = 0): %2 = load x[c + i0] : [4] f32  // 3:7: access to 'x' has 1 indices for a rank-2 argument",
				e.getMessage());
	}

	@Test
	void aLoopBodyValueIsNotVisibleAfterTheLoop() {
		TileBuilder fb = new TileBuilder("scope").input("x", DType.F32, N).output("y", DType.F32, N);
		KernelBuilder k = fb.kernel("scope", Index.of(1)).reads("x").writes("y");
		TileValue[] inner = new TileValue[1];
		k.loop("i", Index.of(0), Index.of(2), 1, i -> inner[0] = k.load("x", walk(Index.of(0)), List.of(4)));
		k.store("y", walk(Index.of(0)), inner[0]);
		Map<String, Long> dims = new HashMap<>(Map.of("N", 4L));
		TileInterpreterException e = assertThrows(TileInterpreterException.class,
				() -> TileInterpreter.run(fb.build(), Map.of("x", NdArray.of(new long[] { 4 }, i -> i)), dims));
		assertTrue(e.getMessage().startsWith("kernel @scope, program [0]: store y[i0], %0: %0 is not defined here"), e.getMessage());
	}
}
