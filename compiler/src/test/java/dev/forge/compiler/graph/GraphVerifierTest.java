package dev.forge.compiler.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.types.DType;
import dev.forge.types.Dim;
import dev.forge.types.Type;

/** The verifier accepts well-formed Graph IR and lists what is wrong with broken IR, never throwing. */
class GraphVerifierTest {

	private static final SourceRange R = SourceRange.NONE;

	private static Type.Tensor t(DType dtype, String... dims) {
		List<Dim> d = new ArrayList<>();
		for (String s : dims) {
			d.add(s.matches("\\d+") ? Dim.of(Long.parseLong(s)) : Dim.symbol(s));
		}
		return new Type.Tensor(d, dtype);
	}

	/** x @ w + b, then softmax-like steps: a small function using most op kinds. */
	private static GraphFunction valid() {
		GraphBuilder b = new GraphBuilder("f");
		Value x = b.param("x", t(DType.F32, "B", "K"), null);
		Value w = b.param("w", t(DType.F32, "K", "N"), null);
		Value bias = b.param("bias", t(DType.F32, "N"), null);
		Value y = b.binary(BinaryKind.ADD, b.matmul(x, w, R), bias, R);
		Value m = b.reduce(ReduceKind.MAX, y, List.of(1), true, R);
		Value e = b.unary(UnaryKind.EXP, b.binary(BinaryKind.SUB, y, m, R), R);
		Value s = b.reduce(ReduceKind.SUM, e, List.of(1), true, R);
		Value p = b.binary(BinaryKind.DIV, e, s, R);
		Value c = b.cast(b.transpose(p, List.of(1, 0), R), DType.BF16, R);
		return b.build(List.of(c));
	}

	private static GraphFunction withBody(GraphFunction f, List<Op> body, List<Value> results) {
		return new GraphFunction(f.name(), f.params(), body, results);
	}

	@Test
	void wellFormedFunctionHasNoProblems() {
		assertEquals(List.of(), GraphVerifier.verify(valid()));
	}

	@Test
	void useBeforeDefinitionIsReported() {
		GraphFunction f = valid();
		List<Op> body = new ArrayList<>(f.body());
		Op first = body.remove(0); // the matmul, now after its user
		body.add(1, first);
		List<String> problems = GraphVerifier.verify(withBody(f, body, f.results()));
		assertTrue(problems.stream().anyMatch(p -> p.contains("used before it is defined")), problems::toString);
	}

	@Test
	void doubleDefinitionIsReported() {
		GraphFunction f = valid();
		List<Op> body = new ArrayList<>(f.body());
		body.add(body.get(0));
		List<String> problems = GraphVerifier.verify(withBody(f, body, f.results()));
		assertTrue(problems.stream().anyMatch(p -> p.contains("defined twice")), problems::toString);
	}

	@Test
	void wrongResultTypeIsReported() {
		GraphFunction f = valid();
		Op.MatMul mm = (Op.MatMul) f.body().get(0);
		Value wrong = new Value(mm.result().id(), t(DType.F32, "B", "K"));
		List<Op> body = new ArrayList<>(f.body());
		body.set(0, new Op.MatMul(wrong, mm.lhs(), mm.rhs(), R));
		List<String> problems = GraphVerifier.verify(withBody(f, body, f.results()));
		assertTrue(problems.stream().anyMatch(p -> p.contains("shape rule gives [B,N] f32")), problems::toString);
		// the user of %3 still refers to the [B,N] value: reported as a type clash at the use
		assertTrue(problems.stream().anyMatch(p -> p.contains("but defined as [B,K] f32")), problems::toString);
	}

	@Test
	void shapeRuleViolationsAreReported() {
		GraphBuilder b = new GraphBuilder("g");
		Value x = b.param("x", t(DType.F32, "M", "K"), null);
		Value y = b.param("y", t(DType.F32, "N", "K"), null);
		Value h = b.param("h", t(DType.F16, "M", "K"), null);
		List<Op> body = List.of(
				new Op.MatMul(new Value(3, t(DType.F32, "M", "K")), x, y, R), // inner dims K vs N
				new Op.Binary(BinaryKind.ADD, new Value(4, t(DType.F32, "M", "K")), x, h, R), // dtypes differ
				new Op.Transpose(new Value(5, t(DType.F32, "K", "M")), x, List.of(1, 1), R), // not a permutation
				new Op.Reduce(ReduceKind.SUM, new Value(6, t(DType.F32, "M")), x, List.of(2), false, R), // axis out of range
				new Op.Binary(BinaryKind.ADD, new Value(7, t(DType.F32, "M", "K")), x, y, R), // M vs N do not broadcast
				new Op.Reshape(new Value(8, t(DType.F32, "M")), x, R), // element count changes
				new Op.Constant(new Value(9, t(DType.F32, "M")), 1.0, R), // a constant is a scalar
				new Op.Concat(new Value(10, t(DType.F32, "M", "K")), List.of(x, h), 0, R)); // dtypes differ
		List<String> problems = GraphVerifier.verify(new GraphFunction("g", b.build(List.of(x)).params(), body, List.of(new Value(42, x.type()))));
		List<String> expected = List.of("matmul inner dims differ", "operand dtypes differ", "not a permutation", "out of range", "do not broadcast",
				"element count", "a constant is a scalar", "concat inputs differ", "%42 is used before it is defined");
		for (String e : expected) {
			assertTrue(problems.stream().anyMatch(p -> p.contains(e)), () -> "no problem mentions '" + e + "': " + problems);
		}
		assertEquals(expected.size(), problems.size(), problems::toString);
	}

	@Test
	void missingAndNullPartsAreProblemsNotExceptions() {
		GraphFunction f = new GraphFunction("h", List.of(new GraphFunction.Param("x", new Value(0, new Type.Tensor(null, DType.F32)), null)),
				List.of(new Op.Unary(UnaryKind.EXP, new Value(1, new Type.Tensor(null, DType.F32)), new Value(0, new Type.Tensor(null, DType.F32)), R)),
				List.of());
		List<String> problems = GraphVerifier.verify(f);
		assertFalse(problems.isEmpty());
		assertTrue(problems.stream().anyMatch(p -> p.contains("returns nothing")), problems::toString);
		assertTrue(problems.stream().anyMatch(p -> p.contains("not a concrete tensor type")), problems::toString);
	}

	@Test
	void builderRejectsOperandsThatDoNotFit() {
		GraphBuilder b = new GraphBuilder("k");
		Value x = b.param("x", t(DType.F32, "M", "K"), null);
		Value y = b.param("y", t(DType.F32, "N", "K"), null);
		assertThrows(IllegalArgumentException.class, () -> b.matmul(x, y, R));
		assertThrows(IllegalArgumentException.class, () -> b.binary(BinaryKind.MUL, x, y, R));
	}

	@Test
	void deadCodeEliminationKeepsAVerifiedFunction() {
		GraphBuilder b = new GraphBuilder("d");
		Value x = b.param("x", t(DType.F32, "N"), null);
		b.unary(UnaryKind.EXP, x, R); // dead
		Value y = b.unary(UnaryKind.TANH, x, R);
		GraphFunction f = b.build(List.of(y));
		GraphFunction g = new DeadCodeElimination().apply(f);
		assertEquals(1, g.body().size());
		assertEquals(List.of(), GraphVerifier.verify(g));
		assertEquals("func @d(%0 x: [N] f32) -> ([N] f32) {\n  %2 = tanh %0 : [N] f32 -> [N] f32\n  return %2\n}\n", GraphPrinter.print(g));
	}
}
