package dev.forge.compiler.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What the lowering refuses, and how it says so: the construct by name, at its line and column. */
class LoweringTest {

	private static LoweringException failure(String source, String function) {
		Forge.Checked c = Forge.check(source);
		return assertThrows(LoweringException.class, () -> Lowering.lower(c.function(function), c.types()));
	}

	@Test
	void unsupportedStatementIsNamedWithItsLine() {
		LoweringException e = failure("""
				def f(x: Tensor["N", f32]) -> Tensor["N", f32]:
				    y = x
				    while True:
				        y = y * 2.0
				    return y
				""", "f");
		assertEquals("3:5: 'while' loop is not supported by the Graph IR lowering yet", e.located());
	}

	@Test
	void unsupportedConstructInsideAnInlinedCalleePointsIntoTheCallee() {
		LoweringException e = failure("""
				def g(x: Tensor["N", f32]) -> Tensor["N", f32]:
				    return x if True else x

				def f(x: Tensor["N", f32]) -> Tensor["N", f32]:
				    return g(x)
				""", "f");
		assertEquals("2:12: conditional expression ('a if c else b') is not supported by the Graph IR lowering yet", e.located());
	}

	@Test
	void intOfARunTimeFloatSaysHowToStayAnInt() {
		LoweringException e = failure("""
				def f(x: Tensor["N", f32], *, scale: float = 0.5) -> Tensor["N", f32]:
				    return x * int(scale)
				""", "f");
		assertEquals("2:16: int() of a float known only at run time: use // on ints (a dim // 2) to stay an int", e.located());
	}

	@Test
	void typeErrorsStopTheLowering() {
		LoweringException e = failure("""
				def f(x: Tensor["N", f32], w: Tensor["M", "K", f32]) -> Tensor["N", f32]:
				    return x @ w
				""", "f");
		assertTrue(e.getMessage().contains("type errors"), e::getMessage);
	}

	@Test
	void recursionIsRefused() {
		LoweringException e = failure("""
				def f(x: Tensor["N", f32]) -> Tensor["N", f32]:
				    return f(x)
				""", "f");
		assertTrue(e.getMessage().startsWith("recursive call of 'f'"), e::getMessage);
	}

	@Test
	void inliningSubstitutesTheCalleesDims() {
		Forge.Checked c = Forge.check("""
				def proj(x: Tensor["P", "Q", f32], w: Tensor["Q", "R", f32]) -> Tensor["P", "R", f32]:
				    h = x @ w
				    return h

				def f(a: Tensor["B", "D", f32], w1: Tensor["D", "F", f32], w2: Tensor["F", "D", f32]) -> Tensor["B", "D", f32]:
				    return proj(proj(a, w1), w2)
				""");
		GraphFunction g = c.lower("f");
		assertEquals("""
				func @f(%0 a: [B,D] f32, %1 w1: [D,F] f32, %2 w2: [F,D] f32) -> ([B,D] f32) {
				  %3 = matmul %0, %1 : [B,D] f32, [D,F] f32 -> [B,F] f32  // 2:9
				  %4 = matmul %3, %2 : [B,F] f32, [F,D] f32 -> [B,D] f32  // 2:9
				  return %4
				}
				""", GraphPrinter.print(g));
	}

	@Test
	void rangesCoverTheExpression() {
		Forge.Checked c = Forge.check("""
				def f(x: Tensor["N", f32]) -> Tensor["N", f32]:
				    return exp(x)
				""");
		Op op = c.lower("f").body().get(0);
		assertEquals(new SourceRange(59, 6, 2, 12), op.range());
	}
}
