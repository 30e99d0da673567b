package dev.forge.compiler.tile;

import static dev.forge.compiler.tile.TileBuilder.blockStart;
import static dev.forge.compiler.tile.TileBuilder.extent;
import static dev.forge.compiler.tile.TileBuilder.walk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.compiler.graph.SourceRange;
import dev.forge.compiler.tile.TileBuilder.KernelBuilder;
import dev.forge.types.DType;
import dev.forge.types.Dim;

/** The Tile IR verifier: a well-formed kernel has no problems, and each rule broken once gives one problem. */
class TileVerifierTest {

	private static final SourceRange NONE = SourceRange.NONE;
	private static final Dim R = Dim.symbol("R");
	private static final Dim C = Dim.symbol("C");
	private static final TileType F32_2X1 = new TileType(List.of(2, 1), DType.F32);

	/** A row sum: the function, its kernel, the loop's result and a value of the loop body. */
	private record Base(TileBuilder function, KernelBuilder k, TileValue sum, TileValue inner) {
	}

	private static Base rowSum() {
		TileBuilder fb = new TileBuilder("rowsum").input("x", DType.F32, R, C).output("s", DType.F32, R);
		KernelBuilder k = fb.kernel("rowsum", Index.cdiv(extent("x", 0), 2)).reads("x").writes("s");
		TileValue[] inner = new TileValue[1];
		TileValue zero = k.full(List.of(2, 1), DType.F32, 0);
		TileValue sum = k.loop("c", Index.of(0), extent("x", 1), 4, List.of(zero), (c, carried) -> {
			TileValue block = k.load("x", walk(blockStart(0, 2), c), List.of(2, 4));
			inner[0] = k.reduce(ReduceKind.SUM, block, 1);
			return List.of(k.binary(BinaryKind.ADD, carried.get(0), inner[0]));
		}).get(0);
		k.store("s", new Access(List.of(blockStart(0, 2)), List.of(0)), sum);
		return new Base(fb, k, sum, inner[0]);
	}

	@Test
	void wellFormedKernelHasNoProblems() {
		assertEquals(List.of(), TileVerifier.verify(rowSum().function().build()));
	}

	private static Arguments rule(String description, Consumer<Base> breakIt, String expected) {
		return Arguments.of(description, breakIt, expected);
	}

	static Stream<Arguments> brokenRules() {
		return Stream.of(
				rule("wrong result type", b -> b.k().add(new Stmt.Unary(UnaryKind.EXP,
						b.k().fresh(new TileType(List.of(2, 2), DType.F32)), b.sum(), NONE)),
						"= exp: declared [2x2] f32 but the rule gives [2x1] f32"),
				rule("use before definition", b -> b.k().unary(UnaryKind.EXP, new TileValue(99, F32_2X1)),
						"%99 used before its definition"),
				rule("use of a loop-body value after the loop", b -> b.k().unary(UnaryKind.EXP, b.inner()),
						"%3 used before its definition (or outside its loop)"),
				rule("use with another type than the definition", b -> b.k().add(new Stmt.Unary(UnaryKind.EXP, b.k().fresh(F32_2X1),
						new TileValue(b.sum().id(), F32_2X1.withDType(DType.F16)), NONE)), "used as [2x1] f16 but defined as [2x1] f32"),
				rule("value defined twice", b -> b.k().add(new Stmt.Full(b.sum(), 0, NONE)), "%5 defined twice"),
				rule("unknown argument", b -> b.k().add(new Stmt.Load(b.k().fresh(F32_2X1), "nope",
						walk(Index.of(0), Index.of(0)), 0, NONE)), "unknown argument 'nope'"),
				rule("store to an input argument", b -> b.k().store("x", walk(Index.of(0), Index.of(0)),
						b.k().full(List.of(2, 4), DType.F32, 1)), "store to 'x', which is not an output argument"),
				rule("output argument viewing an input buffer", b -> b.k().arg("xo", "x", true, R, C),
						"argument 'xo' writes read-only buffer 'x'"),
				rule("view with another element count", b -> b.k().arg("xv", "x", false, R),
						"argument 'xv' has R elements but buffer 'x' has"),
				rule("bad transpose perm", b -> b.k().transpose(b.sum(), List.of(0, 0)),
						"[0, 0] is not a permutation of the axes of [2x1] f32"),
				rule("output never written", b -> b.function().output("unused", DType.F32, R),
						"output 'unused' is never written"),
				rule("operand dtypes differ", b -> b.k().binary(BinaryKind.ADD, b.sum(), b.k().cast(b.sum(), DType.F16)),
						"operands are [2x1] f32 and [2x1] f16"),
				rule("operands that do not broadcast", b -> b.k().binary(BinaryKind.ADD, b.k().full(List.of(2, 3), DType.F32, 0),
						b.k().full(List.of(2, 4), DType.F32, 0)), "do not broadcast"),
				rule("reduce axis out of range", b -> b.k().add(new Stmt.Reduce(ReduceKind.SUM, b.k().fresh(F32_2X1), b.sum(), 5,
						Index.of(1), NONE)), "axis 5 out of range"),
				rule("dot with mismatched shapes", b -> {
					TileValue a = b.k().full(List.of(2, 4), DType.F32, 0);
					b.k().dot(a, a, b.k().full(List.of(2, 2), DType.F32, 0));
				}, "dot of [2x4] f32 and [2x4] f32 into [2x2] f32"),
				rule("reshape changing the element count", b -> b.k().reshape(b.sum(), List.of(3)), "reshape of [2x1] f32 to [3] f32"),
				rule("iota of a float tile", b -> b.k().iota(List.of(4), DType.F32, 0, Index.of(0)),
						"iota needs an axis of its integer tile"),
				rule("access with too few indices", b -> b.k().load("x", walk(Index.of(0)), List.of(4)),
						"access to 'x' has 1 indices for a rank-2 argument"),
				rule("access mapping two axes to one tile axis", b -> b.k().load("x", new Access(List.of(Index.of(0), Index.of(0)),
						List.of(0, 0)), List.of(4)), "axis 1 maps to tile axis 0"),
				rule("store of another dtype", b -> b.k().store("s", new Access(List.of(blockStart(0, 2)), List.of(0)),
						b.k().cast(b.sum(), DType.I32)), "store of [2x1] i32 to f32 argument 's'"),
				rule("loop variable used after its loop", b -> b.k().load("x", walk(Index.of(0), new Index.LoopVar("c")),
						List.of(2, 4)), "loop variable 'c' used outside its loop"),
				rule("program id without a grid axis", b -> b.k().load("x", walk(new Index.ProgramId(1), Index.of(0)),
						List.of(2, 4)), "no grid axis for pid1"),
				rule("extent of an unknown axis", b -> b.k().iota(List.of(4), DType.I32, 0, extent("x", 2)), "no extent x.shape[2]"),
				rule("loop step not positive", b -> b.k().loop("d", Index.of(0), Index.of(4), 0, d -> {
				}), "for d: step must be positive"),
				rule("loop yielding another type", b -> b.k().loop("d", Index.of(0), Index.of(4), 1, List.of(b.sum()),
						(d, carried) -> List.of(b.k().full(List.of(2, 4), DType.F32, 0))), "yields [2x4] f32 for"),
				rule("loop variable shadowing an enclosing one", b -> b.k().loop("d", Index.of(0), Index.of(4), 1,
						d -> b.k().loop("d", Index.of(0), Index.of(4), 1, e -> {
						})), "loop variable 'd' shadows an enclosing one"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("brokenRules")
	void eachBrokenRuleIsReportedOnce(String description, Consumer<Base> breakIt, String expected) {
		Base base = rowSum();
		breakIt.accept(base);
		List<String> problems = TileVerifier.verify(base.function().build());
		assertEquals(1, problems.size(), () -> description + ": " + problems);
		assertTrue(problems.get(0).startsWith("kernel @rowsum: ") || problems.get(0).startsWith("output "), problems::toString);
		assertTrue(problems.get(0).contains(expected), () -> description + ": no '" + expected + "' in " + problems);
	}
}
