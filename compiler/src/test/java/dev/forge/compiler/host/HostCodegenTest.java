package dev.forge.compiler.host;

import static dev.forge.compiler.tile.TileBuilder.blockStart;
import static dev.forge.compiler.tile.TileBuilder.extent;
import static dev.forge.compiler.tile.TileBuilder.pid;
import static dev.forge.compiler.tile.TileBuilder.walk;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.Access;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.Index;
import dev.forge.compiler.tile.TileBuilder;
import dev.forge.compiler.tile.TileBuilder.KernelBuilder;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileInterpreter;
import dev.forge.compiler.tile.TilePrinter;
import dev.forge.compiler.tile.TileValue;
import dev.forge.compiler.tile.TileVerifier;
import dev.forge.types.DType;
import dev.forge.types.Dim;

/**
 * Hand-built Tile IR functions compiled for the host and run through the JIT, against plain Java
 * loops and the Tile IR interpreter, at sizes 1, primes and non-multiples of the tile sizes.
 */
class HostCodegenTest {

	private static final Dim M = Dim.symbol("M");
	private static final Dim N = Dim.symbol("N");
	private static final Dim K = Dim.symbol("K");

	/** Runs f on the host (2 threads) and returns every OUTPUT buffer as doubles. */
	static Map<String, double[]> runHost(TileFunction f, Map<String, NdArray> inputs, Map<String, Long> dims) {
		assertEquals(List.of(), TileVerifier.verify(f), () -> TilePrinter.print(f));
		try (HostExecutable exe = HostExecutable.compile(f); Arena arena = Arena.ofShared()) {
			Map<String, MemorySegment> mem = new HashMap<>();
			Map<String, Long> sizes = new HashMap<>();
			for (Buffer b : f.buffers()) {
				if (b.role() != Buffer.Role.INPUT && b.role() != Buffer.Role.OUTPUT) {
					continue;
				}
				long n = 1;
				for (Dim d : b.shape()) {
					n *= d.evaluate(dims).getAsLong();
				}
				sizes.put(b.name(), n);
				MemorySegment s = arena.allocate(Math.max(1, n) * KernelAbi.storageBytes(b.dtype()), 64);
				for (long i = 0; i < n; i++) {
					set(s, b.dtype(), i, b.role() == Buffer.Role.INPUT ? inputs.get(b.name()).flat((int) i) : f.atomicallyUpdated().contains(b.name()) ? 0 : Double.NaN);
				}
				mem.put(b.name(), s);
			}
			exe.run(mem, dims, 2);
			Map<String, double[]> out = new HashMap<>();
			for (Buffer b : f.buffers(Buffer.Role.OUTPUT)) {
				double[] d = new double[(int) (long) sizes.get(b.name())];
				for (int i = 0; i < d.length; i++) {
					d[i] = get(mem.get(b.name()), b.dtype(), i);
				}
				out.put(b.name(), d);
			}
			return out;
		}
	}

	static void set(MemorySegment s, DType t, long i, double v) {
		switch (t) {
			case F32 -> s.setAtIndex(JAVA_FLOAT, i, (float) v);
			case F64 -> s.setAtIndex(JAVA_DOUBLE, i, v);
			case I32 -> s.setAtIndex(JAVA_INT, i, (int) v);
			case I64 -> s.setAtIndex(JAVA_LONG, i, (long) v);
			case BF16 -> s.setAtIndex(JAVA_SHORT, i, (short) (Float.floatToRawIntBits((float) v) >>> 16)); // inputs are bf16-exact
			case F16 -> s.setAtIndex(JAVA_SHORT, i, Float.floatToFloat16((float) v)); // inputs are f16-exact
			default -> throw new IllegalArgumentException(t.toString());
		}
	}

	static double get(MemorySegment s, DType t, long i) {
		return switch (t) {
			case F32 -> s.getAtIndex(JAVA_FLOAT, i);
			case F64 -> s.getAtIndex(JAVA_DOUBLE, i);
			case I32 -> s.getAtIndex(JAVA_INT, i);
			case I64 -> s.getAtIndex(JAVA_LONG, i);
			case BF16 -> Float.intBitsToFloat((s.getAtIndex(JAVA_SHORT, i) & 0xffff) << 16);
			default -> throw new IllegalArgumentException(t.toString());
		};
	}

	static NdArray random(Random rnd, DType t, long... shape) {
		return NdArray.of(shape, i -> {
			double v = rnd.nextDouble() * 2 - 1;
			return t == DType.BF16 ? Float.intBitsToFloat(Float.floatToRawIntBits((float) v) & 0xffff0000)
					: t == DType.F16 ? Float.float16ToFloat(Float.floatToFloat16((float) v)) : (float) v;
		});
	}

	/** Host result vs interpreter: within rel * max(1, |want|) elementwise; NaN only where the interpreter has NaN. */
	static void assertClose(double[] want, double[] got, double rel, String what) {
		assertEquals(want.length, got.length, what);
		for (int i = 0; i < want.length; i++) {
			if (Double.isNaN(want[i])) {
				assertTrue(Double.isNaN(got[i]), what + " [" + i + "]: want NaN, got " + got[i]);
				continue;
			}
			assertEquals(want[i], got[i], rel * Math.max(1, Math.abs(want[i])), what + " [" + i + "]");
		}
	}

	static double[] interp(TileFunction f, Map<String, NdArray> inputs, Map<String, Long> dims, String out) {
		NdArray r = TileInterpreter.run(f, inputs, dims).get(out);
		double[] d = new double[r.size()];
		for (int i = 0; i < d.length; i++) {
			d[i] = r.flat(i);
		}
		return d;
	}

	// ------------------------------------------------------------------ elementwise

	/** y = exp(x) * 0.5 + x in tiles of 64, ragged at the end. */
	static TileFunction expAxpy() {
		TileBuilder fb = new TileBuilder("exp_axpy").input("x", DType.F32, N).output("y", DType.F32, N);
		KernelBuilder k = fb.kernel("k", Index.cdiv(extent("y", 0), 64)).reads("x").writes("y");
		Access at = walk(blockStart(0, 64));
		TileValue x = k.load("x", at, List.of(64));
		TileValue e = k.unary(UnaryKind.EXP, x);
		TileValue h = k.binary(BinaryKind.MUL, e, k.full(List.of(1), DType.F32, 0.5));
		k.store("y", at, k.binary(BinaryKind.ADD, h, x));
		return fb.build();
	}

	@Test
	void elementwiseWithRaggedEdges() {
		Random rnd = new Random(1);
		for (long n : new long[] { 1, 7, 63, 64, 65, 97, 1000 }) {
			NdArray x = random(rnd, DType.F32, n);
			double[] y = runHost(expAxpy(), Map.of("x", x), Map.of("N", n)).get("y");
			for (int i = 0; i < n; i++) {
				float xi = (float) x.flat(i);
				assertEquals((float) (Math.exp(xi) * 0.5 + xi), y[i], 4e-7 * Math.max(1, Math.abs(y[i])), "n=" + n + " i=" + i);
			}
		}
	}

	// ------------------------------------------------------------------ softmax rows

	/** Row softmax: one program per row, a [1, 128] tile with -inf padding, max, exp, sum, divide. */
	static TileFunction softmax() {
		TileBuilder fb = new TileBuilder("softmax").input("x", DType.F32, M, N).output("y", DType.F32, M, N);
		KernelBuilder k = fb.kernel("rows", extent("y", 0)).reads("x").writes("y");
		Access at = walk(pid(0), Index.of(0));
		TileValue x = k.load("x", at, List.of(1, 128), Double.NEGATIVE_INFINITY);
		TileValue mx = k.reduce(ReduceKind.MAX, x, 1);
		TileValue e = k.unary(UnaryKind.EXP, k.binary(BinaryKind.SUB, x, mx));
		TileValue s = k.reduce(ReduceKind.SUM, e, 1);
		k.store("y", at, k.binary(BinaryKind.DIV, e, s));
		return fb.build();
	}

	@Test
	void softmaxRowsMatchJava() {
		Random rnd = new Random(2);
		for (long[] mn : new long[][] { { 1, 1 }, { 3, 13 }, { 5, 100 }, { 2, 128 } }) {
			long m = mn[0], n = mn[1];
			NdArray x = random(rnd, DType.F32, m, n);
			double[] y = runHost(softmax(), Map.of("x", x), Map.of("M", m, "N", n)).get("y");
			for (int r = 0; r < m; r++) {
				double max = Double.NEGATIVE_INFINITY, sum = 0;
				for (int c = 0; c < n; c++) {
					max = Math.max(max, x.flat((int) (r * n + c)));
				}
				for (int c = 0; c < n; c++) {
					sum += Math.exp(x.flat((int) (r * n + c)) - max);
				}
				for (int c = 0; c < n; c++) {
					double want = Math.exp(x.flat((int) (r * n + c)) - max) / sum;
					assertEquals(want, y[(int) (r * n + c)], 1e-6, "softmax " + m + "x" + n + " at " + r + "," + c);
				}
			}
		}
	}

	// ------------------------------------------------------------------ matmul

	/** C = A @ B (f32 or bf16 operands, f32 accumulator): [bm, bn] tiles, a k loop of bk. */
	static TileFunction matmul(DType in, int bm, int bn, int bk) {
		TileBuilder fb = new TileBuilder("matmul").input("a", in, M, K).input("b", in, K, N).output("c", DType.F32, M, N);
		KernelBuilder k = fb.kernel("mm", Index.cdiv(extent("c", 0), bm), Index.cdiv(extent("c", 1), bn)).reads("a").reads("b")
				.writes("c");
		TileValue zero = k.full(List.of(bm, bn), DType.F32, 0);
		List<TileValue> acc = k.loop("k", Index.of(0), extent("a", 1), bk, List.of(zero), (kv, carried) -> {
			TileValue a = k.load("a", walk(blockStart(0, bm), kv), List.of(bm, bk));
			TileValue b = k.load("b", walk(kv, blockStart(1, bn)), List.of(bk, bn));
			if (in != DType.F32) {
				a = k.cast(a, DType.F32);
				b = k.cast(b, DType.F32);
			}
			return List.of(k.dot(a, b, carried.get(0)));
		});
		k.store("c", walk(blockStart(0, bm), blockStart(1, bn)), acc.get(0));
		return fb.build();
	}

	private static void checkMatmul(DType in, int bm, int bn, int bk, long m, long n, long kk, long seed) {
		Random rnd = new Random(seed);
		NdArray a = random(rnd, in, m, kk), b = random(rnd, in, kk, n);
		double[] c = runHost(matmul(in, bm, bn, bk), Map.of("a", a, "b", b), Map.of("M", m, "N", n, "K", kk)).get("c");
		for (int i = 0; i < m; i++) {
			for (int j = 0; j < n; j++) {
				double want = 0;
				for (int p = 0; p < kk; p++) {
					want += a.flat((int) (i * kk + p)) * b.flat((int) (p * n + j));
				}
				assertEquals(want, c[(int) (i * n + j)], 2e-6 * kk, in + " " + m + "x" + n + "x" + kk + " tiles " + bm + "x" + bn + "x" + bk
						+ " at " + i + "," + j);
			}
		}
	}

	@Test
	void matmulMicroKernelPathAtPrimeSizes() {
		long[][] sizes = { { 1, 1, 1 }, { 13, 31, 7 }, { 67, 97, 53 }, { 32, 64, 32 }, { 130, 33, 129 } };
		for (long[] s : sizes) {
			checkMatmul(DType.F32, 16, 32, 16, s[0], s[1], s[2], s[0]);
		}
	}

	@Test
	void matmulGenericPathAndBf16Operands() {
		checkMatmul(DType.F32, 8, 24, 8, 29, 50, 17, 5); // N tile not a multiple of the vector width
		checkMatmul(DType.BF16, 16, 64, 32, 37, 71, 45, 6);
		checkMatmul(DType.F32, 4, 16, 4, 1, 17, 3, 7);
	}

	@Test
	void matmulMicroKernelShapesAndUnrollRemainders() {
		// bm 13: one block of 13 rows; bm 26: blocks of 9 and 8 rows (even split); bm 64 with 4-vector
		// columns; bk 7 and 5: k loops with a remainder after the unroll by 4.
		checkMatmul(DType.F32, 13, 48, 7, 40, 100, 23, 11);
		checkMatmul(DType.F32, 26, 32, 5, 53, 64, 12, 12);
		checkMatmul(DType.F32, 64, 64, 9, 70, 70, 19, 13);
		checkMatmul(DType.F32, 4, 64, 8, 9, 130, 17, 14);
		checkMatmul(DType.F32, 16, 32, 8, 5, 40, 0, 15); // K = 0: the loop never runs, c = 0
		// bk 20: the streamed a's rows copied as one vector of 16 columns (transposed) and 4 single columns.
		checkMatmul(DType.F32, 24, 32, 20, 50, 64, 45, 16);
		checkMatmul(DType.BF16, 24, 32, 20, 50, 64, 45, 17);
		checkMatmul(DType.F16, 24, 32, 20, 50, 64, 45, 18);
	}

	/**
	 * c = a @ b^T with b stored [N, K] (a transposed load that still feeds the dot as b, packed) and,
	 * carried beside the accumulator, s = sum over k steps of the accumulator before each step (the
	 * carried tile is read twice, so the dot cannot accumulate in place), and a pair of carried
	 * tiles that swap places every step.
	 */
	static TileFunction matmulTransposedB(int bm, int bn, int bk) {
		TileBuilder fb = new TileBuilder("mmt").input("a", DType.F32, M, K).input("b", DType.F32, N, K).output("c", DType.F32, M, N)
				.output("s", DType.F32, M, N).output("w", DType.F32, M, N);
		KernelBuilder k = fb.kernel("mm", Index.cdiv(extent("c", 0), bm), Index.cdiv(extent("c", 1), bn)).reads("a").reads("b")
				.writes("c").writes("s").writes("w");
		TileValue zero = k.full(List.of(bm, bn), DType.F32, 0);
		TileValue one = k.full(List.of(bm, bn), DType.F32, 1);
		List<TileValue> out = k.loop("k", Index.of(0), extent("a", 1), bk, List.of(zero, zero, zero, one), (kv, c) -> {
			TileValue a = k.load("a", walk(blockStart(0, bm), kv), List.of(bm, bk));
			Access bt = new Access(List.of(blockStart(1, bn), kv), List.of(1, 0));
			TileValue b = k.load("b", bt, List.of(bk, bn));
			TileValue acc = k.dot(a, b, c.get(0));
			TileValue s = k.binary(BinaryKind.ADD, c.get(1), c.get(0));
			return List.of(acc, s, c.get(3), k.binary(BinaryKind.ADD, c.get(2), c.get(3)));
		});
		Access at = walk(blockStart(0, bm), blockStart(1, bn));
		k.store("c", at, out.get(0));
		k.store("s", at, out.get(1));
		k.store("w", at, out.get(2));
		return fb.build();
	}

	@Test
	void transposedAndSharedAccumulatorsMatchTheInterpreter() {
		Random rnd = new Random(21);
		for (long[] s : new long[][] { { 37, 50, 29 }, { 16, 32, 16 }, { 5, 17, 40 } }) {
			long m = s[0], n = s[1], kk = s[2];
			Map<String, NdArray> in = Map.of("a", random(rnd, DType.F32, m, kk), "b", random(rnd, DType.F32, n, kk));
			Map<String, Long> dims = Map.of("M", m, "N", n, "K", kk);
			TileFunction f = matmulTransposedB(16, 32, 8);
			Map<String, double[]> host = runHost(f, in, dims);
			String what = "mmt " + m + "x" + n + "x" + kk;
			assertClose(interp(f, in, dims, "c"), host.get("c"), 1e-5, what + " c");
			assertClose(interp(f, in, dims, "s"), host.get("s"), 1e-5, what + " s");
			assertClose(interp(f, in, dims, "w"), host.get("w"), 0, what + " w");
		}
	}

	/**
	 * c = a^T @ b with a stored [K, M] (a transposed a load, which the dot streams row block by row
	 * block without a contiguous row to prefetch), and d = x @ b twice over (x read by two dots, so
	 * it is materialized, not streamed), in blocks of 12 and 11 rows with ragged edges.
	 */
	static TileFunction matmulStreamedOperands(int bm, int bn, int bk) {
		TileBuilder fb = new TileBuilder("mms").input("a", DType.F32, K, M).input("x", DType.F32, M, K).input("b", DType.F32, K, N)
				.output("c", DType.F32, M, N).output("d", DType.F32, M, N);
		KernelBuilder k = fb.kernel("mm", Index.cdiv(extent("c", 0), bm), Index.cdiv(extent("c", 1), bn)).reads("a").reads("x")
				.reads("b").writes("c").writes("d");
		TileValue zero = k.full(List.of(bm, bn), DType.F32, 0);
		List<TileValue> out = k.loop("k", Index.of(0), extent("b", 0), bk, List.of(zero, zero), (kv, c) -> {
			TileValue a = k.load("a", new Access(List.of(kv, blockStart(0, bm)), List.of(1, 0)), List.of(bm, bk));
			TileValue x = k.load("x", walk(blockStart(0, bm), kv), List.of(bm, bk));
			TileValue b = k.load("b", walk(kv, blockStart(1, bn)), List.of(bk, bn));
			TileValue d = k.dot(x, b, k.dot(x, b, c.get(1)));
			return List.of(k.dot(a, b, c.get(0)), d);
		});
		Access at = walk(blockStart(0, bm), blockStart(1, bn));
		k.store("c", at, out.get(0));
		k.store("d", at, out.get(1));
		return fb.build();
	}

	@Test
	void streamedAndSharedDotOperandsMatchTheInterpreter() {
		Random rnd = new Random(33);
		for (long[] s : new long[][] { { 1, 16, 1 }, { 47, 50, 29 }, { 23, 32, 40 }, { 70, 97, 33 } }) {
			long m = s[0], n = s[1], kk = s[2];
			Map<String, NdArray> in = Map.of("a", random(rnd, DType.F32, kk, m), "x", random(rnd, DType.F32, m, kk), "b",
					random(rnd, DType.F32, kk, n));
			Map<String, Long> dims = Map.of("M", m, "N", n, "K", kk);
			TileFunction f = matmulStreamedOperands(46, 32, 8);
			Map<String, double[]> host = runHost(f, in, dims);
			String what = "mms " + m + "x" + n + "x" + kk;
			assertClose(interp(f, in, dims, "c"), host.get("c"), 1e-5, what + " c");
			assertClose(interp(f, in, dims, "d"), host.get("d"), 1e-5, what + " d");
		}
	}

	// ------------------------------------------------------------------ against the interpreter

	/**
	 * Transposed load (axis map), iota with a mask by select, broadcasting against a [1, 16] row,
	 * integer ops, mean with keepdims, bf16 output: y[j, i] = bf16(mean_row(...) ...).
	 */
	static TileFunction mixed() {
		TileBuilder fb = new TileBuilder("mixed").input("x", DType.F32, M, N).input("w", DType.F32, M).output("y", DType.BF16, N, M)
				.output("cnt", DType.I32, N);
		KernelBuilder k = fb.kernel("k", Index.cdiv(extent("y", 0), 16), Index.cdiv(extent("y", 1), 8)).reads("x").reads("w")
				.writes("y").writes("cnt");
		// tile [16 (n), 8 (m)] reading x[m, n] transposed: x axis 0 walked by tile axis 1.
		Access xt = new Access(List.of(blockStart(1, 8), blockStart(0, 16)), List.of(1, 0));
		TileValue x = k.load("x", xt, List.of(16, 8), 0);
		TileValue w = k.reshape(k.load("w", walk(blockStart(1, 8)), List.of(8), 1), List.of(1, 8));
		TileValue xw = k.binary(BinaryKind.MUL, x, w);
		TileValue mean = k.reduce(ReduceKind.MEAN, xw, 1, extent("x", 0));
		TileValue cols = k.iota(List.of(16, 8), DType.I32, 1, blockStart(1, 8));
		TileValue even = k.binary(BinaryKind.EQ, k.binary(BinaryKind.MUL, k.binary(BinaryKind.DIV, cols, k.full(List.of(1, 1), DType.I32, 2)),
				k.full(List.of(1, 1), DType.I32, 2)), cols);
		TileValue v = k.select(even, k.unary(UnaryKind.TANH, xw), k.binary(BinaryKind.SUB, xw, mean));
		k.store("y", new Access(List.of(blockStart(0, 16), blockStart(1, 8)), List.of(0, 1)), k.cast(v, DType.BF16));
		// A second kernel: per column, how many of the first 8 rows are positive (int reduce, cast of bool).
		KernelBuilder c = fb.kernel("count", Index.cdiv(extent("cnt", 0), 16)).reads("x").writes("cnt");
		TileValue x0 = c.load("x", new Access(List.of(Index.of(0), blockStart(0, 16)), List.of(1, 0)), List.of(16, 8), 0);
		TileValue pos = c.cast(c.binary(BinaryKind.GT, x0, c.full(List.of(1, 1), DType.F32, 0)), DType.I32);
		c.store("cnt", walk(blockStart(0, 16)), c.reshape(c.reduce(ReduceKind.SUM, pos, 1), List.of(16)));
		return fb.build();
	}

	@Test
	void mixedOpsMatchTheInterpreter() {
		Random rnd = new Random(3);
		for (long[] mn : new long[][] { { 1, 1 }, { 8, 16 }, { 11, 23 }, { 3, 40 } }) {
			long m = mn[0], n = mn[1];
			NdArray x = random(rnd, DType.F32, m, n), w = random(rnd, DType.F32, m);
			Map<String, NdArray> in = Map.of("x", x, "w", w);
			Map<String, Long> dims = Map.of("M", m, "N", n);
			TileFunction f = mixed();
			Map<String, double[]> host = runHost(f, in, dims);
			String what = "mixed " + m + "x" + n;
			assertClose(interp(f, in, dims, "y"), host.get("y"), 1.0 / 128, what + " y");
			assertClose(interp(f, in, dims, "cnt"), host.get("cnt"), 0, what + " cnt");
			double[] cnt = host.get("cnt");
			for (int j = 0; j < n; j++) {
				int c = 0;
				for (int i = 0; i < Math.min(8, m); i++) {
					c += x.flat((int) (i * n + j)) > 0 ? 1 : 0;
				}
				assertEquals(c, cnt[j], what + " cnt[" + j + "]");
			}
		}
	}

	// ------------------------------------------------------------------ emission

	@Test
	void emitsLlvmAssemblyAndObjectsWithTheDotAsAVectorMicroKernel() {
		TileFunction f = matmul(DType.F32, 16, 32, 16);
		String ll = HostEmit.llvmIr(f, false);
		assertTrue(ll.contains("define void @matmul__mm(i64 %0, i64 %1, ptr noalias %2)"), ll);
		assertTrue(ll.contains("@llvm.fma.v"), "the dot is not the vector micro-kernel");
		String asm = HostEmit.assembly(f);
		assertTrue(asm.contains("vfmadd231ps") && asm.contains("zmm"), "no 512-bit FMAs");
		byte[] obj = HostEmit.object(f);
		assertEquals(0x7f, obj[0]);
		assertEquals('E', obj[1]);
		assertEquals(HostEmit.Kind.ASM, HostEmit.Kind.of("asm"));
	}
}
