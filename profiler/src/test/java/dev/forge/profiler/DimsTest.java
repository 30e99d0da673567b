package dev.forge.profiler;

import static dev.forge.profiler.Types.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.forge.compiler.graph.GraphBuilder;
import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.SourceRange;
import dev.forge.compiler.graph.Value;
import dev.forge.types.DType;
import dev.forge.types.Dim;

class DimsTest {

	@ParameterizedTest(name = "''{0}''")
	@CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
			B=4,S=128         | B=4,S=128
			" S = 2 , B=1 "   | S=2,B=1
			heads=8           | heads=8
			B=0               | B=0
			B=3000000000      | B=3000000000
			_x1=3             | _x1=3
			""                | ""
			"   "             | ""
			""")
	void parses(String text, String formatted) {
		assertEquals(formatted, Dims.format(Dims.parse(text)));
	}

	@ParameterizedTest(name = "''{0}''")
	@CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
			B4                      | bad dims 'B4': 'B4' is not NAME=VALUE (e.g. B=4,S=128)
			B=4,                    | bad dims 'B=4,': '' is not NAME=VALUE (e.g. B=4,S=128)
			B=4;S=2                 | bad dims 'B=4;S=2': B must be a non-negative integer below 2^63, not '4;S=2'
			=4                      | bad dims '=4': '' is not a dim name
			2B=4                    | bad dims '2B=4': '2B' is not a dim name
			B=x                     | bad dims 'B=x': B must be a non-negative integer below 2^63, not 'x'
			B=                      | bad dims 'B=': B must be a non-negative integer below 2^63, not ''
			B=-2                    | bad dims 'B=-2': B must be a non-negative integer, not -2
			B=1.5                   | bad dims 'B=1.5': B must be a non-negative integer below 2^63, not '1.5'
			B=99999999999999999999  | bad dims 'B=99999999999999999999': B must be a non-negative integer below 2^63, not '99999999999999999999'
			B=1,S=2,B=3             | bad dims 'B=1,S=2,B=3': B is given twice
			""")
	void refusesBadSyntax(String text, String message) {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dims.parse(text));
		assertEquals(message, e.getMessage());
	}

	/** {@code split(x: [B,S,D], heads)}: heads appears only in the body. */
	static GraphFunction split() {
		GraphBuilder b = new GraphBuilder("split");
		Value x = b.param("x", tensor(DType.F32, "B", "S", "D"), null);
		b.param("eps", tensor(DType.F64), 1e-6);
		Dim heads = Dim.symbol("heads");
		Value r = b.reshape(x, List.of(Dim.symbol("B"), Dim.symbol("S"), heads, Dim.symbol("D").floorDiv(heads)), SourceRange.NONE);
		return b.build(List.of(r));
	}

	@Test
	void findsTheFreeSymbolsInOrderOfAppearance() {
		assertEquals(List.of("B", "S", "D", "heads"), List.copyOf(Dims.freeSymbols(split())));
	}

	@Test
	void findsSymbolsOnlyADimOpMentions() {
		GraphBuilder b = new GraphBuilder("scale");
		Value x = b.param("x", tensor(DType.F32, "N"), null);
		Value n = b.dimValue(Dim.symbol("T").times(Dim.of(2)), DType.F32, SourceRange.NONE);
		GraphFunction f = b.build(List.of(b.binary(dev.forge.compiler.graph.OpKinds.BinaryKind.MUL, x, n, SourceRange.NONE)));
		assertEquals(List.of("N", "T"), List.copyOf(Dims.freeSymbols(f)));
	}

	@Test
	void listsMissingDims() {
		Map<String, Long> dims = new LinkedHashMap<>(Map.of("B", 2L));
		assertEquals(List.of("S", "D", "heads"), Dims.missing(split(), dims));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dims.requireAll(split(), dims));
		assertEquals("missing dims: S, D, heads (pass --dims S=...,D=...,heads=...)", e.getMessage());

		dims.putAll(Map.of("S", 3L, "D", 8L, "heads", 2L));
		assertEquals(List.of(), Dims.missing(split(), dims));
		Dims.requireAll(split(), dims);
	}
}
