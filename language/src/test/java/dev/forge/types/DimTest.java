package dev.forge.types;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class DimTest {

	private static final Dim S = Dim.symbol("S");
	private static final Dim T = Dim.symbol("T");
	private static final Dim D = Dim.symbol("D");
	private static final Dim HEADS = Dim.symbol("heads");

	private static Dim p(String text) {
		return DimParser.parse(text);
	}

	// ------------------------------------------------------------ factories and queries

	@Test
	void constants() {
		assertEquals(Dim.ZERO, Dim.of(0));
		assertEquals(Dim.ONE, Dim.of(1));
		assertTrue(Dim.of(7).isConstant());
		assertEquals(OptionalLong.of(7), Dim.of(7).constantValue());
		assertEquals(OptionalLong.of(0), Dim.ZERO.constantValue());
		assertTrue(Dim.ZERO.isZero());
		assertFalse(S.isConstant());
		assertEquals(OptionalLong.empty(), S.constantValue());
		assertEquals(OptionalLong.of(-4), Dim.of(-7).floorDiv(Dim.of(2)).constantValue());
		assertEquals("-7", Dim.of(-7).toString());
	}

	@Test
	void symbolNamesAreChecked() {
		assertEquals("heads_2", Dim.symbol("heads_2").toString());
		assertEquals("_x", Dim.symbol("_x").toString());
		for (String bad : new String[] { "", "2x", "a b", "a-b", "é", "a.b" }) {
			assertThrows(IllegalArgumentException.class, () -> Dim.symbol(bad), bad);
		}
		assertThrows(IllegalArgumentException.class, () -> Dim.symbol(null));
	}

	@Test
	void asSymbol() {
		assertEquals("S", S.asSymbol().orElseThrow());
		assertTrue(S.times(Dim.of(2)).asSymbol().isEmpty());
		assertTrue(S.plus(Dim.ONE).asSymbol().isEmpty());
		assertTrue(S.times(S).asSymbol().isEmpty());
		assertTrue(S.negate().asSymbol().isEmpty());
		assertTrue(D.floorDiv(HEADS).asSymbol().isEmpty());
		assertTrue(Dim.of(3).asSymbol().isEmpty());
	}

	@Test
	void symbolsIncludeThoseInsideFloorDivisions() {
		Dim d = p("B*S + (D + x)//(heads*2) - 1");
		assertEquals(List.of("B", "D", "S", "heads", "x"), List.copyOf(d.symbols()));
		assertTrue(d.hasFloorDiv());
		assertEquals(Set.of(), Dim.of(3).symbols());
		assertFalse(p("B*S + 1").hasFloorDiv());
		assertFalse(p("(heads*hd)//heads").hasFloorDiv());
		assertThrows(UnsupportedOperationException.class, () -> d.symbols().add("y"));
	}

	// ------------------------------------------------------------ arithmetic

	@Test
	void polynomialIdentitiesThroughTheApi() {
		assertEquals(S.times(Dim.of(3)), S.times(Dim.of(2)).plus(S));
		Dim a = Dim.symbol("a");
		Dim b = Dim.symbol("b");
		assertEquals(a.times(a).minus(b.times(b)), a.plus(b).times(a.minus(b)));
		assertEquals(Dim.ZERO, S.minus(S));
		assertEquals(S, S.negate().negate());
		assertEquals(S.negate(), Dim.ZERO.minus(S));
		assertEquals(D, D.times(HEADS).floorDiv(HEADS));
		assertEquals(S, S.floorDiv(Dim.ONE));
		assertEquals(Dim.symbol("hd"), HEADS.times(Dim.symbol("hd")).floorDiv(HEADS));
		assertEquals(D.floorDiv(HEADS), D.plus(Dim.ZERO).floorDiv(HEADS));
	}

	@Test
	void pythonFloorDivisionOfConstants() {
		long[] values = { -9, -7, -2, -1, 0, 1, 2, 7, 9, Long.MAX_VALUE, -Long.MAX_VALUE };
		long[] divisors = { -7, -3, -2, -1, 1, 2, 3, 7 };
		for (long x : values) {
			for (long y : divisors) {
				assertEquals(Dim.of(Math.floorDiv(x, y)), Dim.of(x).floorDiv(Dim.of(y)), x + "//" + y);
			}
		}
	}

	@Test
	void divisionByZeroThrowsArithmeticException() {
		ArithmeticException e = assertThrows(ArithmeticException.class, () -> S.floorDiv(Dim.ZERO));
		assertEquals("division by zero", e.getMessage());
		assertThrows(ArithmeticException.class, () -> Dim.of(5).floorDiv(S.minus(S)));
		assertThrows(ArithmeticException.class, () -> Dim.ZERO.floorDiv(Dim.ZERO));
	}

	@Test
	void overflowThrowsArithmeticException() {
		Dim max = Dim.of(Long.MAX_VALUE);
		assertThrows(ArithmeticException.class, () -> max.plus(Dim.ONE));
		assertThrows(ArithmeticException.class, () -> max.times(Dim.of(2)));
		assertThrows(ArithmeticException.class, () -> max.negate().minus(Dim.ONE));
		assertThrows(ArithmeticException.class, () -> Dim.of(Long.MIN_VALUE));
		assertThrows(ArithmeticException.class, () -> S.times(max).plus(S));
		assertEquals(Dim.of(-Long.MAX_VALUE), max.negate());
		assertEquals(String.valueOf(-Long.MAX_VALUE), max.negate().toString());
	}

	@Test
	void sizeLimits() {
		Dim power = Dim.ONE;
		for (int i = 0; i < Dim.MAX_DEGREE; i++) {
			power = power.times(S);
		}
		Dim highest = power;
		assertThrows(ArithmeticException.class, () -> highest.times(S));

		Dim nested = D;
		for (int i = 0; i < Dim.MAX_DEPTH; i++) {
			nested = nested.floorDiv(Dim.symbol("h" + i));
		}
		Dim deepest = nested;
		ArithmeticException e = assertThrows(ArithmeticException.class, () -> deepest.floorDiv(T));
		assertEquals(Dim.TOO_DEEP, e.getMessage());
		// Nested division by constants merges instead of nesting.
		Dim merged = D;
		for (int i = 0; i < Dim.MAX_DEPTH + 8; i++) {
			merged = merged.floorDiv(Dim.of(2));
		}
		assertEquals("D//" + (1L << (Dim.MAX_DEPTH + 8)), merged.toString());
	}

	// ------------------------------------------------------------ compare

	@Test
	void compareRelations() {
		assertEquals(Dim.Relation.EQUAL, Dim.compare(p("S*2 + S"), p("3*S")));
		assertEquals(Dim.Relation.EQUAL, Dim.compare(p("D//heads"), p("(D+0)//heads")));
		assertEquals(Dim.Relation.DIFFERENT, Dim.compare(S, T));
		assertEquals(Dim.Relation.DIFFERENT, Dim.compare(S, S.plus(Dim.ONE)));
		assertEquals(Dim.Relation.DIFFERENT, Dim.compare(Dim.of(2), Dim.of(3)));
		assertEquals(Dim.Relation.DIFFERENT, Dim.compare(p("D//2 + 1"), p("D//2")));
		assertEquals(Dim.Relation.UNDECIDED, Dim.compare(p("D//2*2"), D));
		assertEquals(Dim.Relation.UNDECIDED, Dim.compare(p("D//heads"), p("D//2")));
	}

	@Test
	void compareNeverThrows() {
		Dim max = Dim.of(Long.MAX_VALUE);
		assertEquals(Dim.Relation.DIFFERENT, Dim.compare(max, max.negate()));
		assertEquals(Dim.Relation.UNDECIDED,
				Dim.compare(max.plus(D.floorDiv(Dim.of(2))), max.negate().plus(D.floorDiv(Dim.of(3)))));
	}

	// ------------------------------------------------------------ substitute and evaluate

	@Test
	void substitute() {
		assertEquals(S, p("(S*2)//heads").substitute(Map.of("heads", Dim.of(2))));
		assertEquals(p("T*T + 2*T + 1"), p("S*S").substitute(Map.of("S", p("T + 1"))));
		assertEquals(p("D//heads + 1"), p("D//heads + 1").substitute(Map.of("x", Dim.of(3))));
		assertEquals(p("(D + 1)//2"), p("(D + S)//heads").substitute(Map.of("S", Dim.ONE, "heads", Dim.of(2))));
		assertEquals(Dim.of(16), p("B*S//heads").substitute(Map.of("B", Dim.of(2), "S", Dim.of(24), "heads", Dim.of(3))));
		assertEquals(p("S//(2*T)"), p("S//H//2").substitute(Map.of("H", T)));
		assertEquals(p("hd"), p("(heads*hd)//H").substitute(Map.of("H", HEADS)));
		assertThrows(ArithmeticException.class, () -> p("D//heads").substitute(Map.of("heads", Dim.ZERO)));
	}

	@Test
	void evaluate() {
		Map<String, Long> values = Map.of("B", 2L, "S", 7L, "D", 64L, "heads", 8L);
		assertEquals(OptionalLong.of(14), p("B*S").evaluate(values));
		assertEquals(OptionalLong.of(8), p("D//heads").evaluate(values));
		assertEquals(OptionalLong.of(4), p("(S + 1)//2").evaluate(values));
		assertEquals(OptionalLong.of(-4), p("-S//2").evaluate(values));
		assertEquals(OptionalLong.of(-3), p("-(S//2)").evaluate(values));
		assertEquals(OptionalLong.of(5), Dim.of(5).evaluate(Map.of()));
		assertEquals(OptionalLong.empty(), p("B*x").evaluate(values));
		assertEquals(OptionalLong.empty(), p("D//x").evaluate(values));
		assertThrows(ArithmeticException.class, () -> p("D//heads").evaluate(Map.of("D", 1L, "heads", 0L)));
		assertThrows(ArithmeticException.class, () -> p("S*S").evaluate(Map.of("S", 1L << 40)));
	}

	// ------------------------------------------------------------ identity

	@Test
	void equalsHashCodeAndCompareToAgree() {
		List<Dim> dims = List.of(p("S"), p("T"), p("S + T"), p("2*S"), p("S*S"), p("D//2"), p("D//heads"),
				p("(S + 1)//2"), p("0"), p("-1"), p("S*(D//2)"), p("D//(T + 1)"));
		for (Dim x : dims) {
			for (Dim y : dims) {
				boolean same = x == y;
				assertEquals(same, x.equals(y), x + " equals " + y);
				assertEquals(same, x.compareTo(y) == 0, x + " compareTo " + y);
				assertEquals(Integer.signum(x.compareTo(y)), -Integer.signum(y.compareTo(x)), x + " vs " + y);
			}
			Dim again = p(x.toString());
			assertEquals(x, again);
			assertEquals(x.hashCode(), again.hashCode());
			assertEquals(0, x.compareTo(again));
		}
		assertNotEquals(S, "S");
	}

	// ------------------------------------------------------------ properties on random expressions

	/**
	 * Normalization is exact: for random expressions over a few symbols, the normal form evaluates
	 * like the expression itself (Python semantics) wherever no denominator of the expression is 0;
	 * it prints to text that parses back to an equal dim; and the expression's own text parses to
	 * the same dim as the API calls that built it.
	 */
	@Test
	void randomExpressionsNormalizeSoundly() {
		Random random = new Random(1234);
		String[] names = { "a", "b", "S", "heads" };
		int checkedValues = 0;
		for (int i = 0; i < 3000; i++) {
			Expr e = randomExpr(random, names, 4);
			Dim dim;
			try {
				dim = e.dim();
			} catch (ArithmeticException divisionByZero) {
				continue;
			}
			String source = e.text();
			assertEquals(dim, DimParser.parse(source), () -> "parsing " + source);
			String printed = dim.toString();
			assertEquals(dim, DimParser.parse(printed), () -> source + " prints as " + printed);
			for (int k = 0; k < 8; k++) {
				Map<String, Long> values = new HashMap<>();
				for (String name : names) {
					values.put(name, (long) random.nextInt(13) - 6);
				}
				long expected;
				try {
					expected = e.eval(values);
				} catch (ArithmeticException zero) {
					continue;
				}
				assertEquals(OptionalLong.of(expected), dim.evaluate(values),
						() -> source + " normalized to " + printed + " at " + values);
				checkedValues++;
			}
		}
		assertTrue(checkedValues > 10_000, "enough evaluations: " + checkedValues);
	}

	private sealed interface Expr permits Num, Sym, Op {
		Dim dim();

		long eval(Map<String, Long> values);

		String text();
	}

	private record Num(long value) implements Expr {
		public Dim dim() {
			return Dim.of(value);
		}

		public long eval(Map<String, Long> values) {
			return value;
		}

		public String text() {
			return value < 0 ? "(" + value + ")" : Long.toString(value);
		}
	}

	private record Sym(String name) implements Expr {
		public Dim dim() {
			return Dim.symbol(name);
		}

		public long eval(Map<String, Long> values) {
			return values.get(name);
		}

		public String text() {
			return name;
		}
	}

	private record Op(char op, Expr left, Expr right) implements Expr {
		public Dim dim() {
			Dim l = left.dim();
			Dim r = right.dim();
			return switch (op) {
				case '+' -> l.plus(r);
				case '-' -> l.minus(r);
				case '*' -> l.times(r);
				case '~' -> r.negate();
				default -> l.floorDiv(r);
			};
		}

		public long eval(Map<String, Long> values) {
			long l = left.eval(values);
			long r = right.eval(values);
			return switch (op) {
				case '+' -> Math.addExact(l, r);
				case '-' -> Math.subtractExact(l, r);
				case '*' -> Math.multiplyExact(l, r);
				case '~' -> Math.negateExact(r);
				default -> {
					if (r == 0) {
						throw new ArithmeticException("division by zero");
					}
					yield Math.floorDiv(l, r);
				}
			};
		}

		public String text() {
			if (op == '~') {
				return "(-" + right.text() + ")";
			}
			return "(" + left.text() + " " + (op == '/' ? "//" : String.valueOf(op)) + " " + right.text() + ")";
		}
	}

	private static Expr randomExpr(Random random, String[] names, int depth) {
		if (depth == 0 || random.nextInt(4) == 0) {
			return random.nextInt(3) == 0 ? new Num(random.nextInt(10) - 3)
					: new Sym(names[random.nextInt(names.length)]);
		}
		char op = "+-*//~".charAt(random.nextInt(6));
		return new Op(op, randomExpr(random, names, depth - 1), randomExpr(random, names, depth - 1));
	}
}
