package dev.forge.profiler;

import static dev.forge.profiler.Types.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.forge.compiler.graph.GraphBuilder;
import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.SourceRange;
import dev.forge.compiler.graph.Value;
import dev.forge.compiler.interp.Interpreter;
import dev.forge.compiler.interp.NdArray;
import dev.forge.types.DType;

class RandomInputsTest {

	private static final Map<String, Long> DIMS = Map.of("B", 2L, "S", 3L, "D", 4L);

	/** {@code f(x: [B,S,D] bf16, w: [D] bf16, k: [S] i32, eps: f64 = 1e-5) -> x * w}. */
	private static GraphFunction function() {
		GraphBuilder b = new GraphBuilder("f");
		Value x = b.param("x", tensor(DType.BF16, "B", "S", "D"), null);
		Value w = b.param("w", tensor(DType.BF16, "D"), null);
		b.param("k", tensor(DType.I32, "S"), null);
		b.param("eps", tensor(DType.F64), 1e-5);
		return b.build(List.of(b.binary(BinaryKind.MUL, x, w, SourceRange.NONE)));
	}

	@Test
	void givesEveryParameterItsShapeAndKeepsDefaults() {
		Map<String, NdArray> in = RandomInputs.generate(function(), DIMS, 42);
		assertEquals(List.of("x", "w", "k", "eps"), List.copyOf(in.keySet()));
		assertArrayEquals(new long[] { 2, 3, 4 }, in.get("x").shape());
		assertArrayEquals(new long[] { 4 }, in.get("w").shape());
		assertArrayEquals(new long[] { 3 }, in.get("k").shape());
		assertEquals(1e-5, in.get("eps").flat(0));
		// The interpreter takes them as they are.
		assertArrayEquals(new long[] { 2, 3, 4 }, Interpreter.run(function(), DIMS, in).get(0).shape());
	}

	@Test
	void isDeterministicForASeed() {
		Map<String, NdArray> a = RandomInputs.generate(function(), DIMS, 42);
		Map<String, NdArray> b = RandomInputs.generate(function(), DIMS, 42);
		Map<String, NdArray> c = RandomInputs.generate(function(), DIMS, 43);
		for (String name : List.of("x", "w", "k")) {
			assertArrayEquals(a.get(name).data(), b.get(name).data(), name);
		}
		assertFalse(Arrays.equals(a.get("x").data(), c.get("x").data()));
	}

	@Test
	void aParameterDoesNotDependOnTheSizeOfEarlierOnes() {
		Map<String, NdArray> small = RandomInputs.generate(function(), DIMS, 5);
		Map<String, NdArray> large = RandomInputs.generate(function(), Map.of("B", 7L, "S", 3L, "D", 4L), 5);
		assertArrayEquals(small.get("w").data(), large.get("w").data());
	}

	@ParameterizedTest
	@EnumSource(value = DType.class, names = { "F64", "F32", "F16", "BF16", "FP8E4M3", "FP8E5M2" })
	void floatsAreUniformInMinusOneToOneAndExactInTheirDtype(DType dtype) {
		double[] v = RandomInputs.tensor(new long[] { 100_000 }, dtype, new SplittableRandom(1)).data();
		double sum = 0;
		int negative = 0;
		for (double x : v) {
			assertTrue(x >= -1 && x < 1, () -> dtype + ": " + x);
			assertTrue(Rounding.isRepresentable(x, dtype), () -> dtype + ": " + x + " is not a " + dtype.sourceName());
			sum += x;
			negative += x < 0 ? 1 : 0;
		}
		assertEquals(0, sum / v.length, 0.02, "mean");
		assertEquals(0.5, negative / (double) v.length, 0.02, "share of negatives");
		assertTrue(new HashSet<>(Arrays.stream(v).boxed().toList()).size() > (dtype.bits() <= 8 ? 50 : 200), "distinct values");
	}

	@ParameterizedTest
	@EnumSource(value = DType.class, names = { "I8", "I16", "I32", "I64", "U8", "BOOL" })
	void integersAreSmallAndBoolsZeroOrOne(DType dtype) {
		double[] v = RandomInputs.tensor(new long[] { 10_000 }, dtype, new SplittableRandom(2)).data();
		Set<Double> seen = new HashSet<>();
		for (double x : v) {
			seen.add(x);
		}
		Set<Double> want = switch (dtype) {
			case BOOL -> Set.of(0.0, 1.0);
			case U8 -> Set.of(0.0, 1.0, 2.0, 3.0, 4.0);
			default -> Set.of(-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0);
		};
		assertEquals(want, seen);
	}

	@ParameterizedTest
	@EnumSource(value = DType.class, names = { "I8", "U8", "BOOL" })
	void neverAllZeros(DType dtype) {
		SplittableRandom random = new SplittableRandom(3);
		for (int n = 0; n < 200; n++) {
			double[] v = RandomInputs.tensor(new long[] { 2 }, dtype, random).data();
			assertFalse(v[0] == 0 && v[1] == 0, "draw " + n);
		}
		assertEquals(0, RandomInputs.tensor(new long[] { 0, 3 }, dtype, random).size());
	}

	@Test
	void saysWhichDimsAreMissing() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RandomInputs.generate(function(), Map.of("B", 2L), 0));
		assertEquals("missing dims: S, D (pass --dims S=...,D=...)", e.getMessage());
	}

	@ParameterizedTest
	@EnumSource(value = DType.class, names = { "F64", "F32", "F16", "BF16", "I8", "I16", "I32", "I64", "U8", "BOOL" })
	void drawingIntoNativeMemoryGivesTheSameValues(DType dtype) {
		long[] shape = { 37, 29 };
		double[] want = RandomInputs.tensor(shape, dtype, new SplittableRandom(11)).data();
		HostTensor t = HostTensor.allocate(Arena.ofAuto(), shape, dtype);
		RandomInputs.fill(t, new SplittableRandom(11), 1);
		assertArrayEquals(want, t.toNdArray().data(), 0.0);
		// scaled as a weight: each drawn value times the scale, rounded to the dtype
		RandomInputs.fill(t, new SplittableRandom(11), 0.125);
		for (int i = 0; i < want.length; i++) {
			assertEquals(Rounding.round(want[i] * 0.125, dtype), t.get(i), 0.0, "element " + i);
		}
	}

	@Test
	void theFirstValuesOfASeedStayPinned() {
		// What the first input of `forge run --seed 0` has always started with: (float) SplittableRandom(0).split().nextDouble(-1, 1)
		SplittableRandom first = new SplittableRandom(0).split();
		double[] v = RandomInputs.tensor(new long[] { 4 }, DType.F32, first).data();
		assertArrayEquals(PINNED_F32, v, 0.0, Arrays.toString(v));
	}

	private static final double[] PINNED_F32 = { -0.8101677298545837, 0.6291890740394592, 0.5414360761642456, -0.8968551754951477 };
}
