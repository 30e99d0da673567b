package dev.forge.compiler.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.graph.Forge;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.Index;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileInterpreter;
import dev.forge.compiler.tile.TilePrinter;
import dev.forge.compiler.tile.TileVerifier;
import dev.forge.forge.FunctionDef;
import dev.forge.targets.Target;
import dev.forge.targets.Targets;
import dev.forge.types.DType;
import dev.forge.types.Dim;

/** The API of the kernel lowering: buffers, schedules and defaults, the grid, loops, and its errors. */
class KernelLoweringTest {

	private static final Target HOST = Targets.builtin().get("host");

	private static TileFunction lower(String source, String kernel, Target target) {
		Forge.Checked checked = Forge.check(source);
		try {
			TileFunction f = KernelLowering.lower(checked.function(kernel), checked.types(), target);
			assertEquals(List.of(), TileVerifier.verify(f), () -> TilePrinter.print(f));
			return f;
		} catch (LoweringException e) {
			throw new AssertionError(kernel + ": " + e.located(), e);
		}
	}

	private static TileFunction lower(String source, String kernel) {
		return lower(source, kernel, HOST);
	}

	private static LoweringException error(String source, String kernel) {
		Forge.Checked checked = Forge.check(source);
		return assertThrows(LoweringException.class, () -> KernelLowering.lower(checked.function(kernel), checked.types(), HOST));
	}

	private static final String COPY = """
			@kernel
			def copy(X: KTile["R", "C", f32], Y: KTile["R", "C", f16], *, scale: float = 1.0, flag: bool = True):
			    T = tile.context()
			    x = tile.load(X, (tile.program_id(0), tile.program_id(1)), rows=T.m, cols=T.n)
			    tile.store(Y, x * scale, (tile.program_id(0), tile.program_id(1)))
			""";

	@Test
	void buffersFollowTheParametersWithRolesFromTheStores() {
		TileFunction f = lower(COPY + "\ncopy.schedule(block=(2, 4))\n", "copy");
		Dim r = Dim.symbol("R");
		Dim c = Dim.symbol("C");
		assertEquals(List.of(new Buffer("X", List.of(r, c), DType.F32, Buffer.Role.INPUT, null),
				new Buffer("Y", List.of(r, c), DType.F16, Buffer.Role.OUTPUT, null),
				new Buffer("scale", List.of(), DType.F64, Buffer.Role.INPUT, null)), f.buffers());
		Kernel k = f.kernels().get(0);
		assertEquals(1, f.kernels().size());
		assertEquals(List.of(Index.cdiv(new Index.Extent("Y", 0), 2), Index.cdiv(new Index.Extent("Y", 1), 4)), k.grid());
		assertEquals("m=2 n=4 (user: line 7)", k.schedule());
		// The f32 product is stored into f16 Y: the store converts.
		assertTrue(TilePrinter.print(f).contains("cast"), TilePrinter.print(f));
	}

	@Test
	void laterScheduleStatementsOverrideEarlierOnes() {
		TileFunction f = lower(COPY + "\ncopy.schedule(block=(2, 4)).warps(2)\ncopy.schedule(block=(8,)).vector(4)\n", "copy");
		assertEquals("m=8 n=4 vector=4 warps=2 (user: lines 7, 8)", f.kernels().get(0).schedule());
	}

	@Test
	void withoutAScheduleTheTargetDecides() {
		TileFunction host = lower(COPY, "copy");
		assertEquals("m=8 n=256 (default for host)", host.kernels().get(0).schedule());
		TileFunction h100 = lower(COPY, "copy", Targets.builtin().get("h100"));
		assertEquals("m=4 n=1024 (default for h100)", h100.kernels().get(0).schedule());
		assertEquals(Map.of("m", 128, "n", 128, "k", 32, "d", 64, "vector", 8, "warps", 4, "stages", 3),
				KernelSchedule.defaults(Targets.builtin().get("h100"), true).sizes());
		assertEquals(Map.of("m", 64, "n", 256, "k", 256, "d", 128, "vector", 16, "warps", 1, "stages", 1),
				KernelSchedule.defaults(HOST, true).sizes());
	}

	@Test
	void aScheduleOfAnotherKernelDoesNotApply() {
		String other = """

				@kernel
				def other(X: KTile["N", f32], Y: KTile["N", f32]):
				    T = tile.context()
				    tile.store(Y, tile.load(X, tile.program_id(0), cols=T.n), tile.program_id(0))


				other.schedule(block=(2, 16))
				""";
		assertEquals("m=8 n=256 (default for host)", lower(COPY + other, "copy").kernels().get(0).schedule());
		assertEquals("m=2 n=16 (user: line 13)", lower(COPY + other, "other").kernels().get(0).schedule());
	}

	@Test
	void aScheduleValueMustBeALiteral() {
		LoweringException e = error(COPY + "\nBM = 16\ncopy.schedule(block=(BM, 4))\n", "copy");
		assertEquals("8:22: block= must be a positive integer literal in a schedule the compiler reads", e.located());
	}

	@Test
	void modelingFunctionsAndModulesWithTypeErrorsAreRefused() {
		String source = """
				@jit
				def f(x: Tensor["N", f32]) -> Tensor["N", f32]:
				    return x
				""";
		assertEquals("1:1: 'f' is not a @kernel: modeling functions lower to Graph IR", error(source, "f").located());
		String broken = """
				@kernel
				def k(X: KTile["N", f32], Y: KTile["N", f32]):
				    T = tile.context()
				    tile.store(Y, tile.load(X, tile.program_id(0), cols=T.q), tile.program_id(0))
				""";
		assertTrue(error(broken, "k").getMessage().startsWith("'k' cannot be lowered: its module has type errors"));
	}

	@Test
	void nestedLoopsCarryTheirValuesAndLeadingAxesTakeElementCoordinates() {
		// Y[b, r] = sum over the columns of X[b, r, :], with a nested loop that carries a zero through
		// (over 2 half-blocks of each block); the batch axis of X and Y is grid axis 1.
		String source = """
				@kernel
				def row_sums(X: KTile["B", "R", "C", f32], Y: KTile["B", "R", f32]):
				    T = tile.context()
				    pid = tile.program_id(0)
				    b = tile.program_id(1)
				    acc = tile.zeros((T.m,), f32)
				    for cb in tile.range_n(X.shape[2], T.n):
				        part = tile.zeros((T.m,), f32)
				        for half in tile.range_n(T.n, T.n // 2):
				            part = part + tile.sum(tile.load(X, (b, pid, 0), rows=T.m, cols=T.n // 2), axis=1) * 0.0
				        acc += tile.sum(tile.load(X, (b, pid, cb), rows=T.m, cols=T.n), axis=1) + part
				    tile.store(Y, acc[None, :], (b, pid))


				row_sums.schedule(block=(2, 4))
				""";
		TileFunction f = lower(source, "row_sums");
		String text = TilePrinter.print(f);
		assertTrue(text.contains("for half in range(0, 2, 1)") && text.contains("X[pid1, pid0 * 2 + i0, cb * 4 + i1]"), text);
		assertEquals(List.of(Index.cdiv(new Index.Extent("Y", 1), 2), new Index.Extent("Y", 0)), f.kernels().get(0).grid());
		Random rnd = new Random(3);
		for (long[] brc : new long[][] { { 1, 1, 1 }, { 2, 3, 7 }, { 3, 5, 13 } }) {
			NdArray x = NdArray.of(new long[] { brc[0], brc[1], brc[2] }, i -> rnd.nextInt(9) - 4);
			NdArray y = TileInterpreter.run(f, Map.of("X", x), Map.of("B", brc[0], "R", brc[1], "C", brc[2])).get("Y");
			for (int bi = 0; bi < brc[0]; bi++) {
				for (int ri = 0; ri < brc[1]; ri++) {
					double s = 0;
					for (int ci = 0; ci < brc[2]; ci++) {
						s += x.get(bi, ri, ci);
					}
					assertEquals(s, y.get(bi, ri), 0, "at " + bi + "," + ri);
				}
			}
		}
	}

	@Test
	void aSharedBufferReadBeforeItIsStoredInTheLoopIsCarried() {
		// Every program sums the blocks of X through a shared buffer and stores the sum at its own block.
		String source = """
				@kernel
				def block_sum(X: KTile["N", f32], Y: KTile["N", f32]):
				    T = tile.context()
				    buf = tile.shared((T.n,), f32)
				    tile.store(buf, tile.zeros((T.n,), f32))
				    for nb in tile.range_n(X.shape[0], T.n):
				        prev = tile.load(buf)
				        tile.barrier()
				        tile.store(buf, tile.load(X, nb, cols=T.n) + prev)
				    tile.store(Y, tile.load(buf))


				block_sum.schedule(block=(1, 4))
				""";
		TileFunction f = lower(source, "block_sum");
		String text = TilePrinter.print(f);
		assertTrue(text.contains("[4] f32 shared") && text.contains("carry("), text);
		for (long n : new long[] { 1, 4, 7, 13 }) {
			NdArray x = NdArray.of(new long[] { n }, i -> i + 1);
			NdArray y = TileInterpreter.run(f, Map.of("X", x), Map.of("N", n)).get("Y");
			for (int i = 0; i < n; i++) {
				double s = 0;
				for (long j = i % 4; j < n; j += 4) {
					s += x.flat((int) j);
				}
				assertEquals(s, y.flat(i), 0, "N=" + n + " at " + i);
			}
		}
	}

	@Test
	void aDotOnTheLeftAccumulatesIntoTheRightAndLowerRanksBroadcast() {
		String source = """
				@kernel
				def affine(A: KTile["M", "K", f32], B: KTile["K", "N", f32], bias: KTile["N", f32], C: KTile["M", "N", f32]):
				    T = tile.context()
				    i = tile.program_id(0)
				    j = tile.program_id(1)
				    acc = tile.zeros((T.m, T.n), f32)
				    for kb in tile.range_n(A.shape[1], T.k):
				        acc = tile.dot(tile.load(A, (i, kb), rows=T.m, cols=T.k), tile.load(B, (kb, j), rows=T.k, cols=T.n)) + acc
				    tile.store(C, acc + tile.load(bias, j, cols=T.n), (i, j))


				affine.schedule(block=(2, 4), k=2)
				""";
		TileFunction f = lower(source, "affine");
		String text = TilePrinter.print(f);
		assertTrue(text.contains("dot %2, %3, %1"), text);
		assertTrue(text.contains("reshape") && text.contains(": [1x4] f32"), text);
		Random rnd = new Random(5);
		long m = 3;
		long n = 5;
		long k = 3;
		NdArray a = NdArray.of(new long[] { m, k }, x -> rnd.nextInt(5) - 2);
		NdArray b = NdArray.of(new long[] { k, n }, x -> rnd.nextInt(5) - 2);
		NdArray bias = NdArray.of(new long[] { n }, x -> rnd.nextInt(5) - 2);
		NdArray c = TileInterpreter.run(f, Map.of("A", a, "B", b, "bias", bias), Map.of("M", m, "N", n, "K", k)).get("C");
		for (int i = 0; i < m; i++) {
			for (int j = 0; j < n; j++) {
				double s = bias.get(j);
				for (int q = 0; q < k; q++) {
					s += a.get(i, q) * b.get(q, j);
				}
				assertEquals(s, c.get(i, j), 0);
			}
		}
	}

	@Test
	void errorsNameTheOffendingNode() {
		String carried = """
				@kernel
				def k(X: KTile["N", f32], Y: KTile["N", f32]):
				    T = tile.context()
				    x = tile.zeros((T.n,), f32)
				    for b in tile.range_n(X.shape[0], T.n):
				        x = tile.cast(x + tile.load(X, b, cols=T.n), f16)
				    tile.store(Y, tile.cast(x, f32), tile.program_id(0))
				""";
		assertEquals("5:5: 'x' is [32] f32 before the loop but [32] f16 after its body: a value the loop carries keeps its shape and dtype "
				+ "(cast it)", error(carried + "\nk.schedule(block=(1, 32))\n", "k").located());
		String reused = """
				@kernel
				def k(X: KTile["N", f32], Y: KTile["N", f32]):
				    T = tile.context()
				    for b in tile.range_n(X.shape[0], T.n):
				        for b in tile.range_n(T.n, 1):
				            tile.store(Y, tile.load(X, b, cols=T.n), b)
				""";
		assertEquals("5:13: a loop variable that rebinds the existing name 'b' (Python would keep the loop's last index in it after the "
				+ "loop; rename it) is not supported in a @kernel yet", error(reused, "k").located());
		String step = """
				@kernel
				def k(X: KTile["N", f32], Y: KTile["N", f32]):
				    T = tile.context()
				    for b in tile.range_n(X.shape[0], X.shape[0]):
				        tile.store(Y, tile.load(X, b, cols=T.n), b)
				""";
		assertEquals("4:39: tile.range_n needs a positive compile-time int step (a block size of the schedule such as T.k), got the "
				+ "run-time int X.shape[0]", error(step, "k").located());
		String rank = """
				@kernel
				def k(X: KTile["M", "N", f32], Y: KTile["M", "N", f32]):
				    T = tile.context()
				    tile.store(Y, tile.sum(tile.load(X, tile.program_id(0), rows=T.m, cols=T.n), axis=1), tile.program_id(0))
				""";
		assertTrue(error(rank, "k").getMessage().startsWith("tile.store of a [8] f32 tile into the 2-D 'Y'"), error(rank, "k").getMessage());
	}

	/** Lowers every kernel of {@code source} for each target: it lowers and verifies, or says why; nothing else escapes. */
	private static int lowerEveryKernel(String name, String source, List<String> notes) {
		Forge.Checked checked;
		try {
			checked = Forge.check(name, source);
		} catch (AssertionError syntaxError) {
			return 0;
		}
		int kernels = 0;
		for (FunctionDef def : checked.functions()) {
			if (checked.types().signatureOf(def) == null || !checked.types().signatureOf(def).kernel()) {
				continue;
			}
			kernels++;
			for (String target : List.of("host", "h100")) {
				try {
					TileFunction f = KernelLowering.lower(def, checked.types(), Targets.builtin().get(target));
					assertEquals(List.of(), TileVerifier.verify(f));
					// Spread over the target's threads (one on the host), every value has a layout that fits.
					TileFunction laidOut = dev.forge.compiler.tile.LayoutAssignment.apply(f, Targets.builtin().get(target));
					assertEquals(List.of(), TileVerifier.verify(laidOut), name + " on " + target);
				} catch (LoweringException e) {
					assertTrue(!e.getMessage().startsWith("internal"), name + ": " + e.located());
					notes.add(e.located());
				}
			}
		}
		return kernels;
	}

	@Test
	void everySampleKernelLowersOrSaysWhyAndSoDoesEveryOneLineDeletion() throws IOException {
		List<String> notes = new ArrayList<>();
		int kernels = 0;
		int variants = 0;
		try (var files = Files.list(Path.of("../samples"))) {
			for (Path file : files.filter(p -> p.toString().endsWith(".forge")).sorted().toList()) {
				String source = Files.readString(file);
				kernels += lowerEveryKernel(file.getFileName().toString(), source, notes);
				if (!source.contains("@kernel")) {
					continue;
				}
				List<String> lines = source.lines().toList();
				for (int i = 0; i < lines.size(); i++) {
					if (lines.get(i).isBlank()) {
						continue;
					}
					List<String> shorter = new ArrayList<>(lines);
					shorter.remove(i);
					variants += lowerEveryKernel(file.getFileName().toString(), String.join("\n", shorter) + "\n", notes) > 0 ? 1 : 0;
				}
			}
		}
		assertTrue(kernels >= 5, "kernels: " + kernels);
		assertTrue(variants > 50, "variants: " + variants);
	}
}
