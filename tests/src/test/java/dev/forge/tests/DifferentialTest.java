package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.eclipse.emf.common.util.URI;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.junit.jupiter.api.Test;

import dev.forge.ForgeLanguage;
import dev.forge.compiler.Pipeline;
import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.Lowering;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.graph.Op;
import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.Value;
import dev.forge.compiler.host.HostExecutable;
import dev.forge.compiler.interp.Interpreter;
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileInterpreter;
import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.profiler.HostMemory;
import dev.forge.profiler.HostRunner;
import dev.forge.profiler.HostTensor;
import dev.forge.profiler.RandomInputs;
import dev.forge.profiler.Rounding;
import dev.forge.profiler.Tolerance;
import dev.forge.targets.Target;
import dev.forge.targets.Targets;
import dev.forge.types.DType;
import dev.forge.types.Dim;
import dev.forge.types.TypeCheckResult;
import dev.forge.types.TypeChecker;

/**
 * Differential testing of the compiler: seeded random modeling-layer programs (source text, so the
 * real parser and type checker run) at several dim bindings (1, primes, sizes that no tile divides),
 * each compiled for the host CPU as {@code forge run} compiles it (Pipeline with the dims as hints)
 * and compared with the Graph IR interpreter on the same inputs; the Tile IR interpreter runs on the
 * same Tile IR and is compared with the Graph IR interpreter too, which checks the lowering
 * independently of LLVM. The first binding of each program runs through {@link HostRunner#run} (what
 * {@code forge run} does); the others run the same compiled code with the same inputs and threads
 * directly, skipping HostRunner's timing runs (a third of the time), with output buffers poisoned
 * with NaN so that an element no kernel writes cannot pass for a zero.
 *
 * <p>The inputs are those {@code forge run --seed S} draws, so a failure replays from the command line
 * with the program, dims and seed its message gives (the program is also written to
 * {@code tests/target/differential/}). A failure is shrunk to the earliest value of the program that
 * already goes wrong. Programs the compiler cannot compile yet (a {@link LoweringException} that is
 * not an internal error) are counted and listed in the summary line, not skipped silently. How far a
 * result may be from the f64 reference is {@link Conditioning}'s business.
 *
 * <p>{@code -Dforge.diff.programs=N} and {@code -Dforge.diff.seed=S} run a longer or another suite;
 * {@code -Dforge.diff.only=I} runs program I of the suite alone; {@code -Dforge.diff.verbose=true}
 * prints every program, its outcome per binding and where the time goes.
 */
class DifferentialTest {

	private static final long SUITE_SEED = Long.getLong("forge.diff.seed", 20260521L);
	private static final int PROGRAMS = Integer.getInteger("forge.diff.programs", 55);
	private static final int ONLY = Integer.getInteger("forge.diff.only", -1);
	private static final int BINDINGS = 3;
	private static final boolean VERBOSE = Boolean.getBoolean("forge.diff.verbose");
	/** Reference work per binding, in element operations: keeps both f64 interpreters at a few ms. */
	private static final long COST_CAP = 600_000;
	private static final Target HOST = Targets.builtin().get("host");

	@Test
	void randomProgramsAgreeWithTheInterpreter() {
		long start = System.nanoTime();
		Stats stats = new Stats();
		List<String> failures = new ArrayList<>();
		for (int i = 0; i < PROGRAMS; i++) {
			if (ONLY >= 0 && i != ONLY) {
				continue;
			}
			long seed = programSeed(SUITE_SEED, i);
			Program program = new Generator(seed).generate();
			String failure = runProgram(i, seed, program, stats);
			if (failure != null) {
				failures.add(failure);
			}
		}
		if (VERBOSE) {
			System.out.printf(Locale.ROOT, "phases (ms): parse+check %d, lower %d, pipeline %d, graph interp %d, host %d, tile interp %d%n",
					PHASE[0] / 1000000, PHASE[1] / 1000000, PHASE[2] / 1000000, PHASE[3] / 1000000, PHASE[4] / 1000000, PHASE[5] / 1000000);
		}
		String summary = String.format(Locale.ROOT,
				"differential: %d programs (seed %d), %d dim bindings: %d passed, %d failed, %d not compiled%s; %.1f s", stats.programs,
				SUITE_SEED, stats.bindings, stats.passed, stats.failed, stats.unsupported,
				stats.unsupportedReasons.isEmpty() ? "" : " " + stats.unsupportedReasons, (System.nanoTime() - start) / 1e9);
		System.out.println(summary);
		if (!failures.isEmpty()) {
			fail(summary + "\n\n" + failures.size() + " failing program" + (failures.size() == 1 ? "" : "s") + " (first 5 shown):\n\n"
					+ String.join("\n\n", failures.subList(0, Math.min(5, failures.size()))));
		}
		assertTrue(stats.unsupported <= stats.bindings / 10, "too many programs the compiler cannot compile: " + summary);
	}

	/**
	 * Programs the random suite found, kept at the dims that showed them: a result returned twice and
	 * a parameter returned (copy kernels), reductions used transposed or broadcast along another axis
	 * in their own row kernel, and ill-conditioned programs that must pass on conditioning alone.
	 */
	@Test
	void regressions() {
		String[][] cases = {
				{ "R=3,C=5", """
						def f(x: Tensor["R", "C", f32]) -> tuple[Tensor["R", "C", f32], Tensor["R", "C", f32], Tensor["R", "C", f32], Tensor["R", "C", f32]]:
						    y = x * x
						    return y, y, x, x
						""" },
				{ "R=13,C=7", """
						def f(x: Tensor["R", "C", f32]) -> Tensor["R", "R", f32]:
						    s = x @ transpose(x)
						    return s - max(s, axis=-1)
						""" },
				{ "R=31,C=100", """
						def f(x: Tensor["R", "C", f32]) -> Tensor["R", "R", f32]:
						    t = softmax(x @ x.T)
						    return t + transpose(t)
						""" },
				{ "K=7,N=13", """
						def f(y: Tensor["K", "N", f32]) -> Tensor["K", "1", "N", f32]:
						    v = sqrt(abs(reshape(y, ("K", "1", "N"))))
						    m = min(v, axis=-1, keepdims=True)
						    return transpose(m, (0, 2, 1)) * v
						""" },
				{ "B=3,R=100,C=257", """
						def f(x: Tensor["B", "R", "C", f32]) -> Tensor["B", "R", "1", f32]:
						    return sum(layernorm(x), axis=-1, keepdims=True)
						""" },
				{ "R=61,C=31", """
						def f(x: Tensor["R", "C", f32], g: Tensor["R", f32], b: Tensor["R", f32]) -> Tensor["R", f32]:
						    v = cast(cast(softmax(x) * 64.0, f16), f32)
						    s = sum(v, axis=-1)
						    return layernorm(s * s * 0.001953125, g, b, eps=1e-5)
						""" },
		};
		List<String> failures = new ArrayList<>();
		for (String[] c : cases) {
			Map<String, Long> dims = new TreeMap<>();
			for (String kv : c[0].split(",")) {
				dims.put(kv.split("=")[0], Long.parseLong(kv.split("=")[1]));
			}
			Outcome o = checkText(c[1], Map.of(), dims, 1, false);
			if (o.kind() != Outcome.Kind.PASS) {
				failures.add(o.kind() + " at " + c[0] + ": " + o.detail() + "\n" + c[1]);
			}
		}
		assertEquals(List.of(), failures);
	}

	/**
	 * Constructs the random generator does not write, each at dims of 1, primes and ragged sizes:
	 * concatenation (fused into its consumers), 'if' on a run-time float (a select of both branches),
	 * reductions over several leading axes with keepdims, creation builtins, indexing and slicing.
	 */
	@Test
	void constructsBeyondTheGenerator() {
		String[] programs = { """
				def f(x: Tensor["R", "C", f32], y: Tensor["R", "D", f32]) -> Tensor["R", "C+D", f32]:
				    return softmax(concat((x * 2.0, exp(y)), axis=-1), axis=-1)
				""", """
				def f(x: Tensor["R", "C", bf16], y: Tensor["S", "C", bf16], z: Tensor["R", "C", bf16]) -> Tensor["R+S+R", "C", bf16]:
				    return concat((x, y, z * x), axis=0)
				""", """
				def f(x: Tensor["R", "C", f32], *, limit: float = 0.5) -> Tensor["R", "C", f32]:
				    y = x
				    if limit > 0.0:
				        y = minimum(x, limit) + ones(("R", "C"))
				    else:
				        y = x * 2.0
				    return y
				""", """
				def f(x: Tensor["B", "R", "C", f32]) -> Tensor["1", "1", "C", f32]:
				    return mean(x - max(x, axis=(0, 1), keepdims=True), axis=(0, 1), keepdims=True)
				""", """
				def f(x: Tensor["R", "C", f32], w: Tensor["C", "D", f32]) -> Tensor["D", f32]:
				    return sum(relu(x @ w) + zeros(("R", "D")), axis=0)
				""", """
				def f(x: Tensor["B", "R", "C", f32]) -> Tensor["B", "2*C-1", f32]:
				    d = x[:, :, 1:] - x[:, :, :-1]
				    return concat((x[:, 0], sum(d, axis=1)), axis=-1)
				""", """
				def f(x: Tensor["R", "16*C", f32]) -> Tensor["R", "16*C", f32]:
				    g = gelu(x * 3.0)
				    return softmax(x * 3.0, axis=-1) + g / sum(g, axis=-1, keepdims=True)
				""", """
				def f(x: Tensor["R", "16*C", f32]) -> Tensor["R", "16*C", f32]:
				    return softmax(x * 3.0, axis=-1)
				""", """
				def f(x: Tensor["R", "C", f32]) -> Tensor["R", "C", f32]:
				    return x / sqrt(float(x.shape[-1])) + float(int(x.shape[0]) // 2)
				""" };
		List<String> failures = new ArrayList<>();
		for (String program : programs) {
			for (long n : new long[] { 1, 7, 131 }) {
				Map<String, Long> dims = new TreeMap<>(Map.of("B", 3L, "R", n, "C", n + 2, "D", 2 * n + 1, "S", 5L));
				Outcome o = checkText(program, Map.of(), dims, 1, false);
				if (o.kind() != Outcome.Kind.PASS) {
					failures.add(o.kind() + " at " + dims + ": " + o.detail() + "\n" + program);
				}
			}
		}
		assertEquals(List.of(), failures);
	}

	/** The conditioning allowance does not hide an element computed wrongly, even in a program with bf16 casts. */
	@Test
	void toleranceCatchesAWrongElement() throws Exception {
		String[][] cases = { { "1e-3", """
				def f(x: Tensor["R", "C", f32], w: Tensor["C", "N", f32], b: Tensor["N", f32]) -> Tensor["R", "N", f32]:
				    return softmax(gelu(x @ w + b) * 4.0)
				""" }, { "0.1", """
				def f(x: Tensor["R", "C", f32], w: Tensor["C", "N", f32]) -> Tensor["R", "N", f32]:
				    h = cast(x, bf16) @ cast(w, bf16)
				    return cast(layernorm(h), f32) + sum(x, axis=-1, keepdims=True)
				""" } };
		Map<String, Long> dims = Map.of("R", 13L, "C", 61L, "N", 31L);
		for (String[] c : cases) {
			Checked checked = check(c[1]);
			assertEquals(List.of(), checked.problems());
			GraphFunction lowered = Lowering.lower(checked.function("f"), checked.types());
			Pipeline.Compiled compiled = Pipeline.compile(lowered, HOST, dims, (s, t) -> {
			});
			Map<String, NdArray> inputs = forgeRunInputs(compiled, dims, 5, Map.of());
			List<NdArray> expected = Interpreter.run(lowered, dims, inputs);
			Conditioning conditioning = new Conditioning(lowered, dims, inputs, expected, 5);
			List<Buffer> outputs = compiled.tile().buffers(Buffer.Role.OUTPUT);
			Map<String, NdArray> actual = execute(compiled.tile(), inputs, dims);
			assertEquals(null, compare("compiled", outputs, actual, expected, conditioning), c[1]);
			double[] wrong = actual.get("result").data().clone();
			int at = 7 * 31 + 11;
			double off = Double.parseDouble(c[0]);
			wrong[at] = wrong[at] * (1 + off) + off / 8;
			String m = compare("compiled", outputs, Map.of("result", new NdArray(actual.get("result").shape(), wrong)), expected, conditioning);
			assertTrue(m != null && m.contains("element [7, 11]"), "a relative error of " + c[0] + " passed: " + c[1] + " (allowed "
					+ Conditioning.NOISE_FACTOR * conditioning.deviation().get(0)[at] + ", value " + expected.get(0).flat(at) + ")");
		}
	}

	/** The inputs this test computes are exactly those {@code forge run --seed} (HostRunner without given inputs) draws. */
	@Test
	void inputsAreThoseOfForgeRun() throws Exception {
		String text = """
				@jit
				def f(x: Tensor["R", "C", f32], w: Tensor["C", "N", f32], b: Tensor["N", f32], *, alpha: float = 0.5, beta: float) -> Tensor["R", "N", f32]:
				    return gelu(x @ w + b) * alpha + beta
				""";
		Checked c = check(text);
		assertEquals(List.of(), c.problems());
		GraphFunction lowered = Lowering.lower(c.function("f"), c.types());
		Map<String, Long> dims = Map.of("R", 7L, "C", 13L, "N", 5L);
		Pipeline.Compiled compiled = Pipeline.compile(lowered, HOST, dims, (s, t) -> {
		});
		Map<String, Double> defaults = Map.of("alpha", 0.5);
		long seed = 99;
		Map<String, NdArray> mine = forgeRunInputs(compiled, dims, seed, defaults);
		HostRunner.Result drawn = HostRunner.run(new HostRunner.Request("f", compiled.tile(), compiled.graph(), dims, seed, Map.of(), defaults,
				false, "host"));
		HostRunner.Result given = HostRunner.run(new HostRunner.Request("f", compiled.tile(), compiled.graph(), dims, seed,
				HostRunner.given(compiled.tile(), mine), defaults, false, "host"));
		assertTrue(drawn.report().verified(), drawn.report().toText());
		assertArrayEquals(drawn.outputs().get("result").toNdArray().data(), given.outputs().get("result").toNdArray().data());
	}

	// ------------------------------------------------------------------ one program

	static final long[] PHASE = new long[6]; // check, lower, compile, reference, host, tile

	private static final class Stats {
		int programs;
		int bindings;
		int passed;
		int failed;
		int unsupported;
		final Map<String, Integer> unsupportedReasons = new TreeMap<>();

		void unsupported(String reason) {
			unsupported++;
			unsupportedReasons.merge(reason.replaceAll("\\(this one[^)]*\\)", "").replaceAll("\\s+", " ").trim(), 1, Integer::sum);
		}
	}

	/** The verdict of one program at one dim binding. */
	private record Outcome(Kind kind, String detail) {
		enum Kind {
			PASS, UNSUPPORTED, FAIL
		}

		static final Outcome PASS = new Outcome(Kind.PASS, "");
	}

	/** Runs every binding of a program; the failure report, or null. */
	private static String runProgram(int index, long seed, Program program, Stats stats) {
		stats.programs++;
		List<Map<String, Long>> bindings = program.bindings(new SplittableRandom(seed ^ 0x5DEECE66DL), BINDINGS);
		for (Map<String, Long> dims : bindings) {
			stats.bindings++;
			long t0 = System.nanoTime();
			Outcome o = check(program, program.results(), dims, seed, bindings.indexOf(dims) == 0);
			if (VERBOSE) {
				System.out.printf(Locale.ROOT, "#%d %s %s %.0f ms %s%n%s", index, dims, o.kind(), (System.nanoTime() - t0) / 1e6,
						firstLine(o.detail()), bindings.indexOf(dims) == 0 ? program.render(program.results(), seed) : "");
			}
			switch (o.kind()) {
				case PASS -> stats.passed++;
				case UNSUPPORTED -> stats.unsupported(o.detail());
				case FAIL -> {
					stats.failed++;
					return report(index, seed, program, dims, o);
				}
			}
		}
		return null;
	}

	/** The failure message: what went wrong, the program shrunk to its earliest failing value, how to replay. */
	private static String report(int index, long seed, Program program, Map<String, Long> dims, Outcome o) {
		List<Var> smallest = program.results();
		Outcome shrunk = o;
		for (Var v : program.defined()) {
			if (program.results().contains(v)) {
				break;
			}
			Outcome s = check(program, List.of(v), dims, seed, false);
			if (s.kind() == Outcome.Kind.FAIL && sameKind(s, o)) {
				smallest = List.of(v);
				shrunk = s;
				break;
			}
		}
		String text = program.render(smallest, seed);
		String dimText = dims.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
		String file = "diff_" + index + ".forge";
		try {
			Path dir = Sources.ROOT.resolve("tests/target/differential");
			Files.createDirectories(dir);
			Files.writeString(dir.resolve(file), text);
			file = "tests/target/differential/" + file;
		} catch (IOException | RuntimeException e) {
			// the message has the text anyway
		}
		return "program #" + index + " (suite seed " + SUITE_SEED + ", program seed " + seed + "), dims " + dimText + ":\n  "
				+ shrunk.detail().replace("\n", "\n  ") + (smallest.equals(program.results()) ? "" : "\n  (shrunk: the original program fails with: "
						+ firstLine(o.detail()) + ")")
				+ "\n  replay: ./forge run " + file + " --fn f --dims " + dimText + " --seed " + seed
				+ "\n          or mvn -pl tests verify -Dtest=DifferentialTest -Dforge.diff.seed=" + SUITE_SEED + " -Dforge.diff.programs=" + (index + 1) + " -Dforge.diff.only=" + index
				+ "\n" + text;
	}

	private static boolean sameKind(Outcome a, Outcome b) {
		return firstWord(a.detail()).equals(firstWord(b.detail()));
	}

	private static String firstWord(String s) {
		int colon = s.indexOf(':');
		return colon < 0 ? s : s.substring(0, colon);
	}

	private static String firstLine(String s) {
		int nl = s.indexOf('\n');
		return nl < 0 ? s : s.substring(0, nl);
	}

	/** Parses, checks, lowers, compiles and runs {@code results} of the program at one binding. */
	private static Outcome check(Program program, List<Var> results, Map<String, Long> dims, long seed, boolean viaHostRunner) {
		return checkText(program.render(results, seed), program.scalarDefaults(), dims, seed, viaHostRunner);
	}

	/**
	 * Checks the function {@code f} of {@code text} at one binding: compiled as {@code forge run}
	 * compiles it, run on the inputs {@code forge run --seed seed} draws (through HostRunner when
	 * {@code viaHostRunner}), compared with the Graph IR interpreter; then the Tile IR interpreter.
	 */
	static Outcome checkText(String text, Map<String, Double> defaults, Map<String, Long> dims, long seed, boolean viaHostRunner) {
		long t = System.nanoTime();
		Checked c;
		try {
			c = check(text);
		} catch (RuntimeException e) {
			return new Outcome(Outcome.Kind.FAIL, "generator: the program does not parse: " + e.getMessage());
		}
		if (!c.problems().isEmpty()) {
			return new Outcome(Outcome.Kind.FAIL, "generator: the program does not type-check: " + c.problems());
		}
		GraphFunction lowered;
		Pipeline.Compiled compiled;
		t = lap(0, t);
		try {
			lowered = Lowering.lower(c.function("f"), c.types());
		} catch (LoweringException e) {
			return unsupportedOrBug("Graph IR lowering", e);
		} catch (RuntimeException e) {
			return crash("Graph IR lowering crashed", e);
		}
		t = lap(1, t);
		try {
			compiled = Pipeline.compile(lowered, HOST, dims, (stage, ir) -> {
			});
		} catch (LoweringException e) {
			return unsupportedOrBug("Pipeline", e);
		} catch (RuntimeException e) {
			return crash("Pipeline crashed (verifier or lowering)", e);
		}
		t = lap(2, t);
		Map<String, NdArray> inputs;
		List<NdArray> expected;
		try {
			inputs = forgeRunInputs(compiled, dims, seed, defaults);
			expected = Interpreter.run(lowered, dims, inputs);
		} catch (RuntimeException e) {
			return crash("Graph IR interpreter failed", e);
		}
		List<Buffer> outputs = compiled.tile().buffers(Buffer.Role.OUTPUT);
		Conditioning conditioning = new Conditioning(lowered, dims, inputs, expected, seed);
		t = lap(3, t);
		Map<String, NdArray> host;
		try {
			host = viaHostRunner ? arrays(HostRunner.run(new HostRunner.Request("f", compiled.tile(), compiled.graph(), dims, seed,
					HostRunner.given(compiled.tile(), inputs), defaults, false, "host")).outputs()) : execute(compiled.tile(), inputs, dims);
		} catch (RuntimeException | Error e) {
			return crash("compiled code crashed", e);
		}
		String mismatch = compare("compiled code differs from the Graph IR interpreter", outputs, host, expected, conditioning);
		if (mismatch != null) {
			return new Outcome(Outcome.Kind.FAIL, mismatch + tileIrNote(compiled.tile()));
		}
		t = lap(4, t);
		Map<String, NdArray> tiled;
		try {
			tiled = TileInterpreter.run(compiled.tile(), inputs, dims);
		} catch (RuntimeException e) {
			return crash("Tile IR interpreter failed", e);
		}
		t = lap(5, t);
		mismatch = compare("Tile IR interpreter differs from the Graph IR interpreter", outputs, tiled, expected, conditioning);
		if (mismatch != null) {
			return new Outcome(Outcome.Kind.FAIL, mismatch + tileIrNote(compiled.tile()));
		}
		return Outcome.PASS;
	}

	private static long lap(int phase, long since) {
		long now = System.nanoTime();
		PHASE[phase] += now - since;
		return now;
	}

	private static String tileIrNote(TileFunction f) {
		return "\n(kernels: " + f.kernels().stream().map(k -> k.name() + " " + k.schedule()).collect(Collectors.joining("; ")) + ")";
	}

	/** "not supported" / "not yet": an honest limit of the compiler; anything else (internal errors) is a bug. */
	private static Outcome unsupportedOrBug(String stage, LoweringException e) {
		String m = e.getMessage();
		if (m.startsWith("internal")) {
			return new Outcome(Outcome.Kind.FAIL, stage + " failed: " + e.located() + ": " + m);
		}
		return new Outcome(Outcome.Kind.UNSUPPORTED, stage + ": " + m);
	}

	private static Outcome crash(String what, Throwable e) {
		StringWriter trace = new StringWriter();
		e.printStackTrace(new PrintWriter(trace));
		String[] lines = trace.toString().split("\n");
		String head = String.join("\n", Arrays.asList(lines).subList(0, Math.min(8, lines.length)));
		return new Outcome(Outcome.Kind.FAIL, what + ": " + head);
	}

	// ------------------------------------------------------------------ tolerances

	/**
	 * What the reference says an element may be off by. First the tolerance of the narrowest float
	 * dtype the program computes in ({@link Tolerance}; a bf16 cast in the middle of an f32 program
	 * rounds what the f64 reference does not). An element outside that is measured against the
	 * conditioning of the program at that element: for each op, the reference is run again with
	 * that op's result multiplied by 1 + eps or 1 - eps (a random sign per element, {@value #NOISE_RUNS}
	 * patterns), eps the unit roundoff of the op's dtype (2^-24 for f32, 2^-8 for bf16, 2^-11 for
	 * f16), i.e. perturbed as compiled code rounds it; the element may be off by {@value #NOISE_FACTOR}
	 * times the sum over the ops of the largest change that causes (at least half the largest such
	 * sum of the output). So the sum of a layernorm's row
	 * (exactly 0 in f64, rounding noise in f32) or a layernorm of nearly constant values pass, while
	 * an element computed wrongly does not.
	 */
	static final class Conditioning {
		static final int NOISE_RUNS = 2;
		static final double NOISE_FACTOR = 4;

		private final GraphFunction graph;
		private final Map<String, Long> dims;
		private final Map<String, NdArray> inputs;
		private final List<NdArray> expected;
		private final long seed;
		private List<double[]> deviation;
		final List<Tolerance> base = new ArrayList<>();

		Conditioning(GraphFunction graph, Map<String, Long> dims, Map<String, NdArray> inputs, List<NdArray> expected, long seed) {
			this.graph = graph;
			this.dims = dims;
			this.inputs = inputs;
			this.expected = expected;
			this.seed = seed;
			DType narrowest = DType.F64;
			for (Op op : graph.body()) {
				DType d = op.result().type().dtype();
				if (d.isFloat() && Tolerance.of(d).rtol() > Tolerance.of(narrowest).rtol()) {
					narrowest = d;
				}
			}
			for (int k = 0; k < graph.results().size(); k++) {
				DType own = graph.results().get(k).type().dtype();
				base.add(Tolerance.of(own.isFloat() && Tolerance.of(narrowest).rtol() > Tolerance.of(own).rtol() ? narrowest : own));
			}
		}

		/** Per output, per element: the sum over the ops of the reference's change under rounding-sized noise there (computed once, on demand). */
		List<double[]> deviation() {
			if (deviation == null) {
				deviation = new ArrayList<>();
				for (NdArray e : expected) {
					deviation.add(new double[e.size()]);
				}
				SplittableRandom random = new SplittableRandom(programSeed(seed, 1000));
				for (int j = 0; j < graph.body().size(); j++) {
					if (unitRoundoff(graph.body().get(j).result().type().dtype()) == 0) {
						continue;
					}
					double[][] largest = new double[expected.size()][];
					for (int k = 0; k < expected.size(); k++) {
						largest[k] = new double[expected.get(k).size()];
					}
					for (int run = 0; run < NOISE_RUNS; run++) {
						Map<String, NdArray> noisyInputs = new LinkedHashMap<>(inputs);
						List<NdArray> got = Interpreter.run(withNoise(graph, j, noisyInputs, random), dims, noisyInputs);
						for (int k = 0; k < expected.size(); k++) {
							for (int i = 0; i < expected.get(k).size(); i++) {
								double d = Math.abs(got.get(k).flat(i) - expected.get(k).flat(i));
								largest[k][i] = Math.max(largest[k][i], Double.isNaN(d) ? 0 : d);
							}
						}
					}
					for (int k = 0; k < expected.size(); k++) {
						for (int i = 0; i < largest[k].length; i++) {
							deviation.get(k)[i] += largest[k][i];
						}
					}
				}
				// Where noise decides an output (a layernorm of nearly constant rows), a few samples
				// can miss at one element what they show at its neighbours: half the output's largest
				// deviation is the floor.
				for (double[] d : deviation) {
					double floor = Arrays.stream(d).max().orElse(0) / 2;
					for (int i = 0; i < d.length; i++) {
						d[i] = Math.max(d[i], floor);
					}
				}
			}
			return deviation;
		}

		/** g with the result of its op {@code at} multiplied by a noise parameter of its shape (added to {@code noisyInputs}). */
		private GraphFunction withNoise(GraphFunction g, int at, Map<String, NdArray> noisyInputs, SplittableRandom random) {
			int next = 0;
			for (GraphFunction.Param p : g.params()) {
				next = Math.max(next, p.value().id() + 1);
			}
			for (Op op : g.body()) {
				next = Math.max(next, op.result().id() + 1);
			}
			Op op = g.body().get(at);
			Value out = op.result();
			double eps = unitRoundoff(out.type().dtype());
			Value raw = new Value(next++, out.type());
			Value noise = new Value(next, out.type());
			String name = "noise" + noise.id();
			List<GraphFunction.Param> params = new ArrayList<>(g.params());
			params.add(new GraphFunction.Param(name, noise, null));
			long[] shape = Interpreter.shape(out.type(), dims);
			double[] factors = new double[Math.toIntExact(NdArray.size(shape))];
			for (int i = 0; i < factors.length; i++) {
				factors[i] = random.nextBoolean() ? 1 + eps : 1 - eps;
			}
			noisyInputs.put(name, new NdArray(shape, factors));
			List<Op> body = new ArrayList<>(g.body().subList(0, at));
			body.add(withResult(op, raw));
			body.add(new Op.Binary(BinaryKind.MUL, out, raw, noise, op.range()));
			body.addAll(g.body().subList(at + 1, g.body().size()));
			return new GraphFunction(g.name(), params, body, g.results());
		}

		private static double unitRoundoff(DType d) {
			return switch (d) {
				case F32 -> 0x1p-24;
				case F16 -> 0x1p-11;
				case BF16 -> 0x1p-8;
				default -> 0;
			};
		}

		/** A copy of the op record defining {@code result} instead. */
		private static Op withResult(Op op, Value result) {
			try {
				RecordComponent[] components = op.getClass().getRecordComponents();
				Object[] args = new Object[components.length];
				Class<?>[] types = new Class<?>[components.length];
				for (int i = 0; i < components.length; i++) {
					types[i] = components[i].getType();
					args[i] = components[i].getName().equals("result") ? result : components[i].getAccessor().invoke(op);
				}
				return (Op) op.getClass().getDeclaredConstructor(types).newInstance(args);
			} catch (ReflectiveOperationException e) {
				throw new IllegalStateException("cannot copy " + op, e);
			}
		}
	}

	/**
	 * The first element outside the tolerance and how many there are, or null when every output
	 * agrees: within the dtype's tolerance, or else within the program's conditioning there.
	 */
	private static String compare(String what, List<Buffer> outputs, Map<String, NdArray> actual, List<NdArray> expected,
			Conditioning conditioning) {
		for (int k = 0; k < outputs.size(); k++) {
			Buffer b = outputs.get(k);
			NdArray a = actual.get(b.name());
			NdArray e = expected.get(k);
			if (a == null || !Arrays.equals(a.shape(), e.shape())) {
				return what + ": output '" + b.name() + "' has shape " + (a == null ? "none" : Arrays.toString(a.shape())) + ", expected "
						+ Arrays.toString(e.shape());
			}
			Tolerance t = conditioning.base.get(k);
			int first = -1;
			int count = 0;
			double worst = 0;
			double[] deviation = null;
			for (int i = 0; i < e.size(); i++) {
				if (t.accepts(a.flat(i), e.flat(i))) {
					continue;
				}
				if (deviation == null) {
					deviation = conditioning.deviation().get(k);
				}
				double allowed = Conditioning.NOISE_FACTOR * deviation[i];
				if (Double.isFinite(a.flat(i)) && Double.isFinite(e.flat(i))
						&& Math.abs(a.flat(i) - e.flat(i)) <= allowed) {
					continue;
				}
				count++;
				if (first < 0) {
					first = i;
				}
				worst = Math.max(worst, t.absoluteError(a.flat(i), e.flat(i)));
			}
			if (count > 0) {
				return String.format(Locale.ROOT,
						"%s: output '%s' %s element %s: got %.9g, expected %.9g (rtol %.2g, atol %.2g, rounding noise there %.2g);"
								+ " %d of %d elements differ, largest error %.3g",
						what, b.name(), Arrays.toString(e.shape()), Arrays.toString(unflatten(first, e.shape())), a.flat(first), e.flat(first),
						t.rtol(), t.atol(), deviation[first], count, e.size(), worst);
			}
		}
		return null;
	}

	private static long[] unflatten(long flat, long[] shape) {
		long[] index = new long[shape.length];
		for (int i = shape.length - 1; i >= 0; i--) {
			index[i] = flat % shape[i];
			flat /= shape[i];
		}
		return index;
	}

	private static Map<String, NdArray> arrays(Map<String, HostTensor> tensors) {
		Map<String, NdArray> out = new LinkedHashMap<>();
		tensors.forEach((name, t) -> out.put(name, t.toNdArray()));
		return out;
	}

	/**
	 * What HostRunner's check does (the same compiled code, inputs and threads, so the same
	 * outputs), without its timing runs; output buffers start as NaN, so an element no kernel
	 * writes cannot pass for a zero.
	 */
	private static Map<String, NdArray> execute(TileFunction f, Map<String, NdArray> inputs, Map<String, Long> dims) {
		try (HostExecutable exe = HostExecutable.compile(f); Arena arena = Arena.ofShared()) {
			Map<String, MemorySegment> memory = new HashMap<>();
			Map<String, long[]> shapes = new HashMap<>();
			for (Buffer b : f.buffers()) {
				long[] shape = new long[b.shape().size()];
				for (int i = 0; i < shape.length; i++) {
					shape[i] = b.shape().get(i).evaluate(dims).orElseThrow();
				}
				shapes.put(b.name(), shape);
				if (b.role() == Buffer.Role.INPUT) {
					memory.put(b.name(), HostMemory.write(arena, inputs.get(b.name()), b.dtype()));
				} else if (b.role() == Buffer.Role.OUTPUT) {
					double[] poison = new double[Math.toIntExact(NdArray.size(shape))];
					Arrays.fill(poison, b.dtype().isFloat() ? Double.NaN : 0);
					memory.put(b.name(), HostMemory.write(arena, new NdArray(shape, poison), b.dtype()));
				}
			}
			exe.run(memory, dims, Runtime.getRuntime().availableProcessors());
			Map<String, NdArray> out = new LinkedHashMap<>();
			for (Buffer b : f.buffers(Buffer.Role.OUTPUT)) {
				out.put(b.name(), HostMemory.read(memory.get(b.name()), shapes.get(b.name()), b.dtype()));
			}
			return out;
		}
	}

	// ------------------------------------------------------------------ forge run's inputs

	/**
	 * The inputs {@code forge run --seed seed} draws (HostRunner without given inputs): one stream
	 * split per input buffer in order, uniform in [-1, 1) rounded to the dtype, a float parameter's
	 * default, and matmul weights scaled by 1/sqrt(K). {@link #inputsAreThoseOfForgeRun} checks that
	 * this stays so.
	 */
	static Map<String, NdArray> forgeRunInputs(Pipeline.Compiled compiled, Map<String, Long> dims, long seed, Map<String, Double> defaults) {
		return HostRunner.inputs(compiled.tile(), compiled.graph(), dims, seed, defaults);
	}

	// ------------------------------------------------------------------ parsing and type checking

	private record Checked(Module module, TypeCheckResult types, List<String> problems) {
		FunctionDef function(String name) {
			return module.getBody().stream().filter(FunctionDef.class::isInstance).map(FunctionDef.class::cast)
					.filter(f -> f.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no function " + name));
		}
	}

	private static Checked check(String text) {
		XtextResourceSet set = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		XtextResource resource = (XtextResource) set.createResource(URI.createURI("mem:/diff.forge"));
		try {
			resource.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		List<String> problems = new ArrayList<>();
		resource.getErrors().forEach(e -> problems.add("line " + e.getLine() + ": " + e.getMessage()));
		Module module = (Module) resource.getContents().get(0);
		TypeCheckResult types = TypeChecker.check(module);
		for (SourceDiagnostic d : types.diagnostics()) {
			problems.add(d.severity() + " " + d.code() + " at offset " + d.offset() + ": " + d.message());
		}
		return new Checked(module, types, problems);
	}

	static long programSeed(long suite, int index) {
		long z = suite + 0x9E3779B97F4A7C15L * (index + 1);
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return (z ^ (z >>> 31)) & Long.MAX_VALUE;
	}

	// ------------------------------------------------------------------ the program model

	/**
	 * A value of the program: a parameter or the variable of one statement. {@code bound} is an upper
	 * bound of |value| (worst case over the dims the suite uses) that keeps exp and products finite
	 * and precise; {@code exact} says that compiled code and the f64 reference compute it without
	 * rounding (parameters, negation, abs, max...), so a comparison of exact values picks the same
	 * branch of a {@code where} in both.
	 */
	static final class Var {
		final String name;
		final List<String> shape;
		final DType dtype;
		final double bound;
		final double scale;
		final boolean exact;
		final boolean centered;
		final String decl; // a parameter's declaration, or null
		final String expr; // a statement's right-hand side, or null
		final Set<Var> uses;
		final Double scalarDefault;

		Var(String name, Frag f, String decl, String expr, Double scalarDefault) {
			this.name = name;
			this.shape = List.copyOf(f.shape());
			this.dtype = f.dtype();
			this.bound = f.bound();
			this.scale = f.scale();
			this.exact = f.exact();
			this.centered = f.centered();
			this.decl = decl;
			this.expr = expr;
			this.uses = f.uses();
			this.scalarDefault = scalarDefault;
		}

		boolean isParam() {
			return decl != null;
		}

		boolean isScalarParam() {
			return decl != null && dtype == DType.F64;
		}

		int rank() {
			return shape.size();
		}

		@Override
		public String toString() {
			return name;
		}
	}

	/**
	 * An expression of the program under construction, with what the generator knows about its
	 * value: {@code bound}, an upper bound of |value| over the dims the suite uses (it keeps exp and
	 * squares finite, f16 in range); {@code scale}, its typical magnitude (values are kept near 1 by
	 * exact power-of-two scalings, so that every statement matters to the result); {@code exact}:
	 * compiled code and the f64 reference compute it without rounding (parameters, negation, abs,
	 * max...), so a comparison of exact values picks the same branch of a {@code where} in both;
	 * {@code centered}: its rows have mean exactly 0, so their sum is pure rounding error (such values
	 * are never summed: the result would compare rounding noise with the reference's exact 0).
	 */
	record Frag(String text, List<String> shape, DType dtype, double bound, double scale, boolean exact, Set<Var> uses, boolean centered) {
		Frag(String text, List<String> shape, DType dtype, double bound, double scale, boolean exact, Set<Var> uses) {
			this(text, shape, dtype, bound, scale, exact, uses, false);
		}

		int rank() {
			return shape.size();
		}

		static Frag of(Var v) {
			return new Frag(v.name, v.shape, v.dtype, v.bound, v.scale, v.exact, Set.of(v), v.centered);
		}

		/** The same value marked as having rows of mean exactly 0 (a layernorm, x - mean(x)). */
		Frag asCentered(boolean c) {
			return new Frag(text, shape, dtype, bound, scale, exact, uses, c);
		}

		/** Another expression over the same operands, of the same shape and dtype. */
		Frag map(String newText, double newBound, double newScale, boolean isExact) {
			return new Frag(newText, shape, dtype, newBound, newScale, isExact, uses);
		}
	}

	static final class Program {
		final List<Var> params = new ArrayList<>();
		final List<Var> statements = new ArrayList<>();
		final List<Var> results = new ArrayList<>();

		List<Var> defined() {
			return statements;
		}

		List<Var> results() {
			return results;
		}

		Map<String, Double> scalarDefaults() {
			Map<String, Double> out = new LinkedHashMap<>();
			for (Var p : params) {
				if (p.scalarDefault != null) {
					out.put(p.name, p.scalarDefault);
				}
			}
			return out;
		}

		/** The source of a function f returning {@code outs}, with only the statements and parameters they need. */
		String render(List<Var> outs, long seed) {
			Set<Var> needed = new LinkedHashSet<>();
			for (Var v : outs) {
				closure(v, needed);
			}
			List<String> tensors = new ArrayList<>();
			List<String> scalars = new ArrayList<>();
			for (Var p : params) {
				if (needed.contains(p)) {
					(p.isScalarParam() ? scalars : tensors).add(p.decl);
				}
			}
			if (tensors.isEmpty()) {
				throw new IllegalStateException("a program without tensor parameters");
			}
			String sig = String.join(", ", tensors) + (scalars.isEmpty() ? "" : ", *, " + String.join(", ", scalars));
			String ret = outs.size() == 1 ? type(outs.get(0))
					: "tuple[" + outs.stream().map(Program::type).collect(Collectors.joining(", ")) + "]";
			StringBuilder s = new StringBuilder();
			s.append("# DifferentialTest program, seed ").append(seed).append('\n');
			s.append("@jit\ndef f(").append(sig).append(") -> ").append(ret).append(":\n");
			for (Var v : statements) {
				if (needed.contains(v)) {
					s.append("    ").append(v.name).append(" = ").append(v.expr).append('\n');
				}
			}
			s.append("    return ").append(outs.stream().map(v -> v.name).collect(Collectors.joining(", "))).append('\n');
			return s.toString();
		}

		private static void closure(Var v, Set<Var> into) {
			if (into.add(v)) {
				for (Var u : v.uses) {
					closure(u, into);
				}
			}
		}

		static String type(Var v) {
			return tensorType(v.shape, v.dtype);
		}

		/** The dim symbols of the parameters. */
		Set<String> symbols() {
			Set<String> out = new LinkedHashSet<>();
			for (Var p : params) {
				for (String d : p.shape) {
					for (String part : d.split("\\*")) {
						if (!part.equals("1")) {
							out.add(part);
						}
					}
				}
			}
			return out;
		}

		/**
		 * {@code count} distinct dim bindings: one with 1s (and small primes), one of primes, one of
		 * sizes no power-of-two tile divides (100, 257) or that are one (64); each reduced until the
		 * reference work fits {@link #COST_CAP}.
		 */
		List<Map<String, Long>> bindings(SplittableRandom r, int count) {
			List<Map<String, Long>> out = new ArrayList<>();
			Set<String> syms = symbols();
			for (int attempt = 0; out.size() < count && attempt < 20; attempt++) {
				int style = attempt % 3;
				Map<String, Long> dims = new TreeMap<>();
				boolean anyOne = false;
				for (String s : syms) {
					long[] pool = switch (style) {
						case 0 -> s.equals("B") ? new long[] { 1, 2 } : new long[] { 1, 1, 7, 13 };
						case 1 -> s.equals("B") ? new long[] { 2, 3, 7 } : new long[] { 7, 13, 31, 61 };
						default -> s.equals("B") ? new long[] { 1, 3, 4 } : new long[] { 61, 64, 100, 257 };
					};
					long v = pool[r.nextInt(pool.length)];
					anyOne |= v == 1;
					dims.put(s, v);
				}
				if (style == 0 && !anyOne && !syms.isEmpty()) {
					dims.put(syms.iterator().next(), 1L);
				}
				while (cost(dims) > COST_CAP) {
					String largest = dims.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
					long v = dims.get(largest);
					dims.put(largest, v > 61 ? (v == 64 ? 61 : v == 100 ? 64 : 100) : v > 7 ? v / 2 | 1 : v - 1);
					if (dims.get(largest) < 1) {
						dims.put(largest, 1L);
						break;
					}
				}
				if (!out.contains(dims)) {
					out.add(dims);
				}
			}
			return out;
		}

		/** Roughly the element operations of the reference: every value's elements, times the inner dim for matmuls. */
		long cost(Map<String, Long> dims) {
			long total = 0;
			for (Var v : statements) {
				long n = elements(v.shape, dims);
				total += n * (4 + v.expr.length() / 12);
				if (v.expr.contains("@")) {
					total += n * 300; // an upper bound of the inner dim times the sum of all ops
					for (Var u : v.uses) {
						if (u.rank() >= 2) {
							total += n * value(u.shape.get(u.rank() - 1), dims) * 2;
						}
					}
				}
			}
			for (Var p : params) {
				total += elements(p.shape, dims);
			}
			return total;
		}

		static long elements(List<String> shape, Map<String, Long> dims) {
			long n = 1;
			for (String d : shape) {
				n *= value(d, dims);
			}
			return n;
		}

		static long value(String dim, Map<String, Long> dims) {
			long n = 1;
			for (String part : dim.split("\\*")) {
				n *= part.matches("\\d+") ? Long.parseLong(part) : dims.getOrDefault(part, 1L);
			}
			return n;
		}
	}

	static String tensorType(List<String> shape, DType dtype) {
		StringBuilder s = new StringBuilder("Tensor[");
		for (String d : shape) {
			s.append('"').append(d).append("\", ");
		}
		return s.append(dtype.sourceName()).append(']').toString();
	}

	// ------------------------------------------------------------------ the generator

	/**
	 * Random type-correct programs of 1 to 8 statements over parameters [R,C] or [B,R,C], [K,N],
	 * biases [C], statistics [R,1], weights and float scalars (with and without defaults). Every
	 * construct is one the docs list as supported by the compiler: elementwise unary ops (exp on
	 * bounded inputs, tanh, sigmoid, relu, gelu, silu, abs, sqrt of abs, rsqrt of x*x+1, -x, x*x, x**2),
	 * binary ops (+ - * maximum minimum, / by abs+1) with broadcasting against [C], [R,1], transposed
	 * values and scalars, where on comparisons of exact values, casts to bf16/f16 and back (also with
	 * ops in the narrow dtype), reductions over the last axis or any other (sum, mean, max, min, var; keepdims
	 * or not), softmax / log_softmax / rmsnorm / layernorm, matmuls (weights stored transposed,
	 * batched, x @ x.T) with bias / activation / residual epilogues, attention, transposes of the
	 * last two axes, reshapes (merging, splitting, flattening, unit axes); results returned once,
	 * twice, with other values or with a parameter. Values are kept near 1 by exact power-of-two
	 * scalings (see {@link Frag}), so no exp overflows and every statement matters to the result.
	 */
	static final class Generator {
		/** The largest value a dim takes in the suite (bounds are worst cases over it). */
		private static final Map<String, Double> MAX_DIM = Map.of("B", 7.0, "R", 257.0, "C", 257.0, "K", 257.0, "N", 257.0);
		/** A typical inner dim, for typical magnitudes of sums. */
		private static final double TYPICAL_DIM = 64;
		/** The typical magnitude of a uniform [-1, 1) input (its rms). */
		private static final double UNIFORM = 0.58;

		private final SplittableRandom r;
		private final Program p = new Program();
		private int nextName;

		Generator(long seed) {
			this.r = new SplittableRandom(seed);
		}

		Program generate() {
			List<String> base = r.nextInt(10) < 6 ? List.of("R", "C") : List.of("B", "R", "C");
			param(base, "x");
			if (r.nextInt(4) == 0) {
				// a second activation-like input, sometimes of another shape
				param(r.nextBoolean() ? base : List.of("K", "N"), "y");
			}
			int n = 1 + r.nextInt(8);
			for (int i = 0; i < n; i++) {
				Frag f = null;
				for (int attempt = 0; f == null && attempt < 20; attempt++) {
					f = statement();
				}
				define(f != null ? f : unaryOf(tame(anyTensor())));
			}
			Var last = p.statements.get(p.statements.size() - 1);
			p.results.add(last);
			int extra = r.nextInt(12);
			if (extra < 4) {
				// every value no later statement uses (up to 3): each statement then matters
				Set<Var> used = new LinkedHashSet<>();
				p.statements.forEach(v -> used.addAll(v.uses));
				for (int i = p.statements.size() - 2; i >= 0 && p.results.size() < 3; i--) {
					if (!used.contains(p.statements.get(i))) {
						p.results.add(0, p.statements.get(i));
					}
				}
			} else if (extra < 6 && p.statements.size() > 1) {
				List<Var> others = p.statements.subList(0, p.statements.size() - 1);
				p.results.add(others.get(r.nextInt(others.size())));
			} else if (extra == 2) {
				p.results.add(last); // returned twice: a copy kernel fills the second buffer
			} else if (extra == 3) {
				p.results.add(p.params.get(0)); // a parameter returned as it is
			}
			return p;
		}

		// -------------------------------------------------------------- names and values

		private Var param(List<String> shape, String prefix) {
			String name = prefix + nextName++;
			Frag f = new Frag(name, shape, DType.F32, 1, UNIFORM, true, Set.of());
			Var v = new Var(name, f, name + ": " + tensorType(shape, DType.F32), null, null);
			p.params.add(v);
			return v;
		}

		private Var scalarParam() {
			for (Var v : p.params) {
				if (v.isScalarParam() && r.nextBoolean()) {
					return v;
				}
			}
			String name = "s" + nextName++;
			boolean withDefault = r.nextInt(3) > 0;
			double def = new double[] { 0.5, 2.0, -0.75, 1e-3 }[r.nextInt(4)];
			double bound = withDefault ? Math.abs(def) : 1;
			Frag f = new Frag(name, List.of(), DType.F64, bound, withDefault ? Math.abs(def) : UNIFORM, false, Set.of());
			Var v = new Var(name, f, name + ": float" + (withDefault ? " = " + lit(def) : ""), null, withDefault ? def : null);
			p.params.add(v);
			return v;
		}

		private Var define(Frag f) {
			String name = "v" + nextName++;
			Var v = new Var(name, f, null, f.text(), null);
			p.statements.add(v);
			return v;
		}

		/** All tensor values (parameters and statements) matching {@code ok}. */
		private List<Var> tensors(Predicate<Var> ok) {
			List<Var> out = new ArrayList<>();
			for (Var v : p.params) {
				if (!v.isScalarParam() && ok.test(v)) {
					out.add(v);
				}
			}
			for (Var v : p.statements) {
				if (ok.test(v)) {
					out.add(v);
				}
			}
			return out;
		}

		/** A tensor operand, most often the newest value (so that statements build on each other). */
		private Var anyTensor() {
			return pickVar(v -> true);
		}

		private Var pickVar(Predicate<Var> ok) {
			List<Var> all = tensors(ok);
			if (all.isEmpty()) {
				return null;
			}
			if (r.nextInt(4) < 3) {
				return all.get(all.size() - 1);
			}
			return all.get(r.nextInt(all.size()));
		}

		/**
		 * f scaled by an exact power of two when its typical magnitude is far from 1 (or its bound
		 * above 1e6), so that no value grows without limit nor fades below what the tolerance sees.
		 */
		private static Frag tame(Frag f) {
			int k = 0;
			if (f.scale() > 4 || f.bound() > 1e6) {
				k = -(int) Math.ceil(Math.log(Math.max(f.scale() / 2, f.bound() / 1e6)) / Math.log(2));
			} else if (f.scale() < 0.05 && f.scale() > 0 && f.bound() < 1e3) {
				k = (int) Math.floor(Math.log(Math.min(1 / f.scale(), 1e3 / f.bound())) / Math.log(2));
			}
			if (k == 0) {
				return f;
			}
			double s = Math.scalb(1.0, k);
			return f.map("(" + f.text() + " * " + lit(s) + ")", f.bound() * s, f.scale() * s, f.exact()).asCentered(f.centered());
		}

		private static Frag tame(Var v) {
			return tame(Frag.of(v));
		}

		// -------------------------------------------------------------- statements

		private Frag statement() {
			int k = r.nextInt(100);
			if (k < 16) {
				return unaryOf(tame(anyTensor()));
			}
			if (k < 36) {
				return binary(tame(anyTensor()));
			}
			if (k < 43) {
				return where(tame(anyTensor()));
			}
			if (k < 50) {
				return cast(tame(anyTensor()));
			}
			if (k < 61) {
				return reduce(anyTensor());
			}
			if (k < 70) {
				return norm(pickVar(v -> v.rank() >= 1));
			}
			if (k < 85) {
				return matmul(pickVar(v -> v.rank() >= 2));
			}
			if (k < 91) {
				return transpose(pickVar(v -> v.rank() >= 2));
			}
			if (k < 94) {
				return attention(pickVar(v -> v.rank() >= 2));
			}
			return reshape(pickVar(v -> v.rank() >= 1));
		}

		/** attention(q, k, v) over values of q's shape (q itself among them), sometimes causal. */
		private Frag attention(Var q) {
			if (q == null) {
				return null;
			}
			List<Var> same = tensors(u -> u.shape.equals(q.shape) && u.dtype == q.dtype);
			Frag qf = tame(q);
			Frag kf = tame(same.get(r.nextInt(same.size())));
			Frag vf = tame(same.get(r.nextInt(same.size())));
			String causal = r.nextBoolean() ? ", causal=True" : "";
			return new Frag("attention(" + qf.text() + ", " + kf.text() + ", " + vf.text() + causal + ")", q.shape, q.dtype, vf.bound(), vf.scale(),
					false, union(qf.uses(), union(kf.uses(), vf.uses())));
		}

		private Frag unaryOf(Frag x) {
			String t = x.text();
			double b = x.bound();
			double s = x.scale();
			return switch (r.nextInt(11)) {
				case 0 -> b <= 4 ? x.map("exp(" + t + ")", Math.exp(b), Math.exp(s), false) : x.map("exp(tanh(" + t + "))", Math.E, 1.5, false);
				case 1 -> x.map("tanh(" + t + ")", 1, Math.min(s, 0.8), false);
				case 2 -> x.map("sigmoid(" + t + ")", 1, 0.5, false);
				case 3 -> x.map("relu(" + t + ")", b, s / 1.4, x.exact());
				case 4 -> x.map(r.nextInt(3) == 0 ? "gelu(" + t + ", approximate=True)" : "gelu(" + t + ")", b, s / 1.4, false);
				case 5 -> x.map("silu(" + t + ")", b + 0.3, s / 1.4, false);
				case 6 -> x.map("abs(" + t + ")", b, s, x.exact());
				// sqrt amplifies an absolute error d near 0 to sqrt(d): only exact values go in bare
				case 7 -> x.exact() ? x.map("sqrt(abs(" + t + "))", Math.sqrt(b), Math.sqrt(s), false)
						: x.map("sqrt(abs(" + t + ") + 0.01)", Math.sqrt(b + 0.01), Math.sqrt(s + 0.01), false);
				case 8 -> simple(t) ? x.map("rsqrt(" + t + " * " + t + " + 1.0)", 1, 0.8, false) : x.map("rsqrt(abs(" + t + ") + 1.0)", 1, 0.8, false);
				case 9 -> r.nextInt(4) == 0 && simple(t) && (x.dtype() != DType.F16 || b < 100) ? x.map("(" + t + " ** 2)", b * b, s * s, false)
						: x.map("-" + t, b, s, x.exact()).asCentered(x.centered());
				default -> x.dtype() == DType.F16 && b > 100 || b > 1e15 || !simple(t) ? x.map("tanh(" + t + ")", 1, Math.min(s, 0.8), false)
						: x.map("(" + t + " * " + t + ")", b * b, s * s, false);
			};
		}

		private Frag binary(Frag a) {
			Frag b = partner(a, true);
			if (b == null) {
				return null;
			}
			List<String> shape = broadcast(a.shape(), b.shape());
			Set<Var> uses = union(a.uses(), b.uses());
			boolean swap = r.nextBoolean();
			Frag l = swap ? b : a;
			Frag rr = swap ? a : b;
			boolean exact = a.exact() && b.exact();
			double sum = Math.hypot(a.scale(), b.scale());
			double max = Math.max(a.scale(), b.scale());
			String lt = l.text();
			String rt = rr.text();
			return switch (r.nextInt(7)) {
				case 0 -> new Frag("(" + lt + " + " + rt + ")", shape, a.dtype(), a.bound() + b.bound(), sum, false, uses);
				case 1 -> new Frag("(" + lt + " - " + rt + ")", shape, a.dtype(), a.bound() + b.bound(), sum, false, uses,
						a.centered() && b.centered() || b.text().equals("mean(" + a.text() + ", axis=-1, keepdims=True)"));
				case 2, 3 -> new Frag("(" + lt + " * " + rt + ")", shape, a.dtype(), a.bound() * b.bound(), a.scale() * b.scale(), false, uses);
				case 4 -> {
					// divide by something >= 1 (abs of a scalar is not lowered: x*x for those)
					String divisor = rr.rank() == 0 && rr.uses().isEmpty() ? lit(Math.abs(Double.parseDouble(rt)) + 1)
							: "(" + (rr.rank() == 0 ? rt + " * " + rt : "abs(" + rt + ")") + " + 1.0)";
					yield new Frag("(" + lt + " / " + divisor + ")", shape, a.dtype(), l.bound(), l.scale() / (1 + rr.scale() / 2), false, uses);
				}
				case 5 -> new Frag("maximum(" + lt + ", " + rt + ")", shape, a.dtype(), Math.max(a.bound(), b.bound()), max, exact, uses);
				default -> new Frag("minimum(" + lt + ", " + rt + ")", shape, a.dtype(), Math.max(a.bound(), b.bound()), max, exact, uses);
			};
		}

		/**
		 * A second operand for an elementwise op with {@code a}: a value of a's dtype whose shape
		 * broadcasts with a's to a's shape (an equal one, a bias [C], a keepdims statistic [R,1], a
		 * transposed value), a scalar (literal or float parameter), or a new parameter of such a shape.
		 */
		private Frag partner(Frag a, boolean scalars) {
			int k = r.nextInt(100);
			if (scalars && k < 20) {
				if (r.nextInt(3) == 0) {
					Var s = scalarParam();
					return new Frag(s.name, List.of(), a.dtype(), s.bound, s.scale, false, Set.of(s));
				}
				double c = new double[] { 0.5, 2.0, -1.5, 0.125, 3.0, 1e-2 }[r.nextInt(6)];
				return new Frag(lit(c), List.of(), a.dtype(), Math.abs(c), Math.abs(c), true, Set.of());
			}
			if (k < 30 && a.rank() >= 1 && simple(a.text())) {
				// a statistic of a itself, kept as [..., 1]
				String[] reds = a.centered() ? new String[] { "max", "min" } : new String[] { "max", "mean", "min", "sum" };
				String red = reds[r.nextInt(reds.length)];
				boolean sum = red.equals("sum");
				double bound = sum ? a.bound() * maxDim(a.shape().get(a.rank() - 1)) : a.bound();
				List<String> shape = new ArrayList<>(a.shape());
				shape.set(shape.size() - 1, "1");
				return tame(new Frag(red + "(" + a.text() + ", axis=-1, keepdims=True)", shape, a.dtype(), bound,
						sum ? a.scale() * Math.sqrt(TYPICAL_DIM) : a.scale(), a.exact() && !sum && !red.equals("mean"), a.uses()));
			}
			if (k < 40 && a.rank() >= 2) {
				// a transposed value: v with the last two axes swapped broadcasts to a
				List<Var> swapped = tensors(v -> v.dtype == a.dtype() && v.rank() >= 2 && broadcastsTo(swapLast(v.shape), a.shape()));
				if (!swapped.isEmpty()) {
					Var v = swapped.get(r.nextInt(swapped.size()));
					Frag t = tame(v);
					return new Frag(transposeText(t.text(), v.rank()), swapLast(v.shape), v.dtype, t.bound(), t.scale(), t.exact(), t.uses());
				}
			}
			if (k < 75) {
				List<Var> fits = tensors(v -> v.dtype == a.dtype() && broadcastsTo(v.shape, a.shape()) && !a.uses().equals(Set.of(v)));
				if (!fits.isEmpty()) {
					return tame(fits.get(r.nextInt(fits.size())));
				}
			}
			// a new parameter of a shape that broadcasts to a's (never a compound dim such as B*R)
			List<String> shape = partnerShape(a.shape());
			if (shape == null) {
				return scalars ? new Frag("0.5", List.of(), a.dtype(), 0.5, 0.5, true, Set.of()) : null;
			}
			Var pv = param(shape, r.nextBoolean() ? "b" : "p");
			Frag f = Frag.of(pv);
			return a.dtype() == DType.F32 ? f : castTo(f, a.dtype());
		}

		private List<String> partnerShape(List<String> shape) {
			List<List<String>> options = new ArrayList<>();
			int n = shape.size();
			if (n >= 1) {
				options.add(List.of(shape.get(n - 1)));
				options.add(shape);
			}
			if (n >= 2) {
				List<String> stat = new ArrayList<>(shape);
				stat.set(n - 1, "1");
				options.add(stat);
				options.add(shape.subList(n - 2, n));
				options.add(List.of("1", shape.get(n - 1)));
			}
			if (n >= 3) {
				options.add(List.of(shape.get(n - 2), "1"));
			}
			options.removeIf(o -> o.stream().anyMatch(d -> d.contains("*")) || o.stream().allMatch(d -> d.equals("1")));
			return options.isEmpty() ? null : options.get(r.nextInt(options.size()));
		}

		private Frag where(Frag a) {
			// The condition compares exact values only, so compiled code and reference pick the same branch.
			Frag c1;
			List<Var> exact = tensors(x -> x.exact && x.dtype == DType.F32 && broadcastsTo(x.shape, a.shape()));
			if (!exact.isEmpty() && r.nextInt(4) > 0) {
				c1 = Frag.of(exact.get(r.nextInt(exact.size())));
			} else {
				List<String> shape = partnerShape(a.shape());
				if (shape == null) {
					return null;
				}
				c1 = Frag.of(param(shape, "m"));
			}
			String c2;
			Set<Var> uses = union(a.uses(), c1.uses());
			List<Var> other = tensors(x -> x.exact && x.dtype == DType.F32 && broadcastsTo(x.shape, a.shape()) && !c1.uses().contains(x));
			if (!other.isEmpty() && r.nextBoolean()) {
				Var o = other.get(r.nextInt(other.size()));
				c2 = o.name;
				uses = union(uses, Set.of(o));
			} else {
				c2 = lit(new double[] { 0.0, 0.25, -0.5, 0.1 }[r.nextInt(4)]);
			}
			String op = new String[] { ">", "<", ">=", "<=", "!=" }[r.nextInt(5)];
			String cond = c1.text() + " " + op + " " + c2;
			Frag b = r.nextInt(3) == 0 ? new Frag("0.0", List.of(), a.dtype(), 0, 0, true, Set.of()) : partner(a, false);
			if (b == null) {
				return null;
			}
			boolean swap = r.nextBoolean();
			Frag x = swap ? b : a;
			Frag y = swap ? a : b;
			List<String> shape = broadcast(a.shape(), b.shape());
			return new Frag("where(" + cond + ", " + x.text() + ", " + y.text() + ")", shape, a.dtype(), Math.max(a.bound(), b.bound()),
					Math.max(a.scale(), b.scale()), a.exact() && b.exact(), union(uses, b.uses()));
		}

		private Frag cast(Frag a) {
			if (a.dtype() != DType.F32) {
				return castTo(a, DType.F32);
			}
			if (a.bound() > 1e4) {
				return null;
			}
			DType narrow = r.nextInt(3) == 0 ? DType.F16 : DType.BF16;
			return switch (r.nextInt(3)) {
				case 0 -> castTo(castTo(a, narrow), DType.F32); // a round trip
				case 1 -> castTo(unaryOf(castTo(a, narrow)), DType.F32); // an op in the narrow dtype
				default -> castTo(a, narrow); // later statements compute in it
			};
		}

		private static Frag castTo(Frag a, DType d) {
			return new Frag("cast(" + a.text() + ", " + d.sourceName() + ")", a.shape(), d, a.bound() * 1.01, a.scale(), false, a.uses(), a.centered());
		}

		private Frag reduce(Var v) {
			if (v.rank() == 0) {
				return null;
			}
			Frag a = tame(v);
			String[] reds = v.centered ? new String[] { "max", "min", "var" } : new String[] { "sum", "mean", "max", "min", "sum", "mean", "var" };
			String red = reds[r.nextInt(reds.length)];
			boolean keep = v.rank() == 1 || r.nextBoolean();
			// Mostly the last axis (row kernels); a third of the time any axis (moved last by a transpose).
			int axis = a.rank() >= 2 && r.nextInt(3) == 0 ? r.nextInt(a.rank()) : a.rank() - 1;
			List<String> shape = new ArrayList<>(a.shape());
			if (keep) {
				shape.set(axis, "1");
			} else {
				shape.remove(axis);
			}
			boolean sum = red.equals("sum");
			double bound = sum ? a.bound() * maxDim(a.shape().get(axis)) : a.bound();
			boolean exact = a.exact() && (red.equals("max") || red.equals("min"));
			String text = red + "(" + a.text() + ", axis=" + (axis == a.rank() - 1 ? "-1" : String.valueOf(axis))
					+ (keep ? ", keepdims=True" : r.nextBoolean() ? ", keepdims=False" : "") + ")";
			if (red.equals("var")) {
				return new Frag(text, shape, a.dtype(), a.bound() * a.bound() * 4, a.scale() * a.scale(), false, a.uses());
			}
			return new Frag(text, shape, a.dtype(), bound, sum ? a.scale() * Math.sqrt(TYPICAL_DIM) : a.scale(), exact, a.uses());
		}

		private Frag norm(Var v) {
			if (v == null) {
				return null;
			}
			Frag a = tame(v);
			String last = a.shape().get(a.rank() - 1);
			double n = Math.sqrt(maxDim(last));
			switch (r.nextInt(7)) {
				case 0:
					return a.map("softmax(" + a.text() + (r.nextBoolean() ? ", axis=-1" : "") + ")", 1, 1 / TYPICAL_DIM, false);
				case 6:
					return a.map("log_softmax(" + a.text() + ")", Math.log(maxDim(last)) + 2 * a.bound(), Math.log(TYPICAL_DIM), false);
				case 1, 2: {
					if (last.contains("*") || last.equals("1") || r.nextBoolean()) {
						return a.map("rmsnorm(" + a.text() + ", eps=1e-5)", n, 1, false);
					}
					Frag w = weightVector(last, a.dtype());
					return new Frag("rmsnorm(" + a.text() + ", " + w.text() + ", eps=1e-5)", a.shape(), a.dtype(), n * w.bound(), w.scale(), false,
							union(a.uses(), w.uses()));
				}
				default: {
					if (last.contains("*") || last.equals("1") || r.nextBoolean()) {
						return a.map("layernorm(" + a.text() + ")", n, 1, false).asCentered(true);
					}
					Frag w = weightVector(last, a.dtype());
					Frag b = weightVector(last, a.dtype());
					return new Frag("layernorm(" + a.text() + ", " + w.text() + ", " + b.text() + ", eps=1e-5)", a.shape(), a.dtype(),
							n * w.bound() + b.bound(), Math.hypot(w.scale(), b.scale()), false, union(a.uses(), union(w.uses(), b.uses())));
				}
			}
		}

		/** A [D] vector of dtype d: an existing one or a new parameter. */
		private Frag weightVector(String d, DType dtype) {
			List<Var> fits = tensors(v -> v.shape.equals(List.of(d)) && v.dtype == dtype);
			if (!fits.isEmpty() && r.nextBoolean()) {
				return tame(fits.get(r.nextInt(fits.size())));
			}
			Frag f = Frag.of(param(List.of(d), "g"));
			return dtype == DType.F32 ? f : castTo(f, dtype);
		}

		private Frag matmul(Var v) {
			if (v == null) {
				return null;
			}
			Frag a = tame(v);
			int n = a.rank();
			String m = a.shape().get(n - 2);
			String x = a.shape().get(n - 1);
			List<String> batch = a.shape().subList(0, n - 2);
			Frag b;
			String y;
			int k = r.nextInt(100);
			List<Var> byTranspose = tensors(u -> u.dtype == a.dtype() && u.rank() >= 2 && u.shape.get(u.rank() - 1).equals(x)
					&& broadcast(u.shape.subList(0, u.rank() - 2), batch) != null);
			List<Var> direct = tensors(u -> u.dtype == a.dtype() && u.rank() >= 2 && u.shape.get(u.rank() - 2).equals(x)
					&& broadcast(u.shape.subList(0, u.rank() - 2), batch) != null);
			if (k < 20 && !byTranspose.isEmpty()) {
				// a @ transpose(u): scores of a against u's rows, as attention does
				Var u = byTranspose.get(r.nextInt(byTranspose.size()));
				Frag tu = tame(u);
				b = new Frag(transposeText(tu.text(), u.rank()), swapLast(u.shape), u.dtype, tu.bound(), tu.scale(), u.exact, tu.uses());
				y = u.shape.get(u.rank() - 2);
			} else if (k < 30 && !direct.isEmpty()) {
				Var u = direct.get(r.nextInt(direct.size()));
				b = tame(u);
				y = u.shape.get(u.rank() - 1);
			} else {
				// a weight parameter (forge run scales it by 1/sqrt(K)), sometimes stored transposed, sometimes batched
				y = new String[] { "N", "K", "N", x, m }[r.nextInt(5)];
				if (y.contains("*") || y.equals("1") && r.nextBoolean()) {
					y = "N";
				}
				boolean batched = n == 3 && batch.get(0).equals("B") && r.nextInt(4) == 0;
				boolean stored = r.nextInt(3) == 0;
				List<String> wshape = new ArrayList<>(batched ? List.of("B") : List.of());
				wshape.addAll(stored ? List.of(y, x) : List.of(x, y));
				if (wshape.stream().anyMatch(d -> d.contains("*"))) {
					return null;
				}
				Var w = param(wshape, "w");
				Frag wf = Frag.of(w);
				if (stored) {
					String t = wshape.size() == 2 && r.nextBoolean() ? w.name + ".T" : transposeText(w.name, wshape.size());
					wf = new Frag(t, swapLast(wshape), DType.F32, 1, UNIFORM, true, Set.of(w));
				}
				b = a.dtype() == DType.F32 ? wf : castTo(wf, a.dtype());
				double inv = 1 / Math.sqrt(Math.min(maxDim(x), TYPICAL_DIM));
				b = new Frag(b.text(), b.shape(), b.dtype(), 1, UNIFORM * inv, false, b.uses());
			}
			List<String> shape = broadcast(a.shape().subList(0, n - 2), b.shape().subList(0, b.rank() - 2));
			if (shape == null) {
				return null;
			}
			shape = new ArrayList<>(shape);
			shape.add(m);
			shape.add(y);
			List<String> outShape = List.copyOf(shape);
			double bound = a.bound() * b.bound() * maxDim(x);
			Set<Var> uses = union(a.uses(), b.uses());
			String text = r.nextInt(5) == 0 ? "matmul(" + a.text() + ", " + b.text() + ")" : "(" + a.text() + " @ " + b.text() + ")";
			Frag out = new Frag(text, outShape, a.dtype(), bound, a.scale() * b.scale() * Math.sqrt(Math.min(maxDim(x), TYPICAL_DIM)), false, uses);
			// epilogues: bias, activation, residual
			if (r.nextBoolean()) {
				Frag bias = weightVector(y, a.dtype());
				out = new Frag("(" + out.text() + " + " + bias.text() + ")", outShape, a.dtype(), out.bound() + bias.bound(),
						Math.hypot(out.scale(), bias.scale()), false, union(out.uses(), bias.uses()));
			}
			if (r.nextBoolean()) {
				out = unaryOf(tame(out));
			}
			if (r.nextInt(3) == 0) {
				List<Var> res = tensors(u -> u.dtype == a.dtype() && u.shape.equals(outShape));
				Frag residual = !res.isEmpty() && r.nextBoolean() ? tame(res.get(r.nextInt(res.size())))
						: a.dtype() == DType.F32 ? Frag.of(param(outShape.stream().anyMatch(d -> d.contains("*")) ? List.of(y) : outShape, "r"))
								: castTo(Frag.of(param(List.of(y), "r")), a.dtype());
				out = new Frag("(" + out.text() + " + " + residual.text() + ")", outShape, a.dtype(), out.bound() + residual.bound(),
						Math.hypot(out.scale(), residual.scale()), false, union(out.uses(), residual.uses()));
			}
			return out;
		}

		private Frag transpose(Var v) {
			if (v == null) {
				return null;
			}
			Frag a = tame(v);
			String text = a.rank() == 2 && r.nextInt(3) == 0 ? (a.text().matches("\\w+") ? a.text() : "(" + a.text() + ")") + ".T"
					: transposeText(a.text(), a.rank());
			Frag t = new Frag(text, swapLast(a.shape()), a.dtype(), a.bound(), a.scale(), a.exact(), a.uses());
			// a transpose standing alone (stored transposed) or feeding an elementwise op
			return switch (r.nextInt(3)) {
				case 0 -> t;
				case 1 -> unaryOf(t);
				default -> {
					Frag b = partner(t, true);
					yield b == null ? t
							: new Frag("(" + t.text() + " + " + b.text() + ")", broadcast(t.shape(), b.shape()), t.dtype(), t.bound() + b.bound(),
									Math.hypot(t.scale(), b.scale()), false, union(t.uses(), b.uses()));
				}
			};
		}

		private Frag reshape(Var v) {
			if (v == null) {
				return null;
			}
			Frag a = tame(v);
			List<String> s = a.shape();
			int n = s.size();
			List<List<String>> options = new ArrayList<>();
			if (n == 3 && !s.get(0).contains("*") && !s.get(1).contains("*") && !s.get(0).equals("1") && !s.get(1).equals("1")) {
				options.add(List.of(s.get(0) + "*" + s.get(1), s.get(2))); // merge the leading axes
			}
			if (n >= 1 && s.get(0).contains("*") && s.get(0).split("\\*").length == 2) {
				List<String> split = new ArrayList<>(Arrays.asList(s.get(0).split("\\*")));
				split.addAll(s.subList(1, n));
				options.add(split); // split them again
			}
			if (n == 2 && !s.get(0).contains("*") && !s.get(1).contains("*")) {
				options.add(List.of(s.get(0), "1", s.get(1))); // a unit axis in the middle
				if (!s.get(0).equals("1") && !s.get(1).equals("1")) {
					options.add(List.of(s.get(0) + "*" + s.get(1))); // flatten
				}
			}
			if (n == 3 && s.get(1).equals("1")) {
				options.add(List.of(s.get(0), s.get(2))); // drop the unit axis
			}
			if (options.isEmpty()) {
				return null;
			}
			List<String> to = options.get(r.nextInt(options.size()));
			String dims = "(" + to.stream().map(d -> "\"" + d + "\"").collect(Collectors.joining(", ")) + (to.size() == 1 ? ",)" : ")");
			Frag out = new Frag("reshape(" + a.text() + ", " + dims + ")", to, a.dtype(), a.bound(), a.scale(), a.exact(), a.uses(), a.centered());
			return r.nextBoolean() ? out : unaryOf(out);
		}

		/**
		 * Whether an operand is cheap to write twice (a name, maybe scaled): a longer expression
		 * written twice is lowered twice (no CSE), so a matmul in it would double the kernels.
		 */
		private static boolean simple(String text) {
			return text.matches("[\\w.]+|\\([\\w.]+ \\* [0-9.e-]+\\)");
		}

		private static String transposeText(String x, int rank) {
			return rank == 2 ? "transpose(" + x + (x.length() % 2 == 0 ? ", (1, 0))" : ")") : "transpose(" + x + ", (0, 2, 1))";
		}

		private static List<String> swapLast(List<String> s) {
			List<String> out = new ArrayList<>(s);
			int n = out.size();
			out.set(n - 1, s.get(n - 2));
			out.set(n - 2, s.get(n - 1));
			return out;
		}

		private static double maxDim(String d) {
			double n = 1;
			for (String part : d.split("\\*")) {
				n *= part.matches("\\d+") ? Double.parseDouble(part) : MAX_DIM.getOrDefault(part, 257.0);
			}
			return n;
		}
	}

	// ------------------------------------------------------------------ shapes

	/** NumPy broadcasting of symbolic shapes (dims equal, or one of them "1"); null when they do not broadcast. */
	static List<String> broadcast(List<String> a, List<String> b) {
		int n = Math.max(a.size(), b.size());
		List<String> out = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			String x = i < n - a.size() ? null : a.get(i - (n - a.size()));
			String y = i < n - b.size() ? null : b.get(i - (n - b.size()));
			if (x == null || x.equals("1")) {
				out.add(y == null ? x : y);
			} else if (y == null || y.equals("1") || y.equals(x)) {
				out.add(x);
			} else {
				return null;
			}
		}
		return out;
	}

	/** Whether {@code small} broadcasts to exactly {@code big}. */
	static boolean broadcastsTo(List<String> small, List<String> big) {
		return small.size() <= big.size() && big.equals(broadcast(small, big));
	}

	private static Set<Var> union(Collection<Var> a, Collection<Var> b) {
		Set<Var> out = new LinkedHashSet<>(a);
		out.addAll(b);
		return out;
	}

	/** A float literal in Forge syntax (always with a point or an exponent). */
	static String lit(double v) {
		String s = Double.toString(v);
		return s.contains(".") || s.contains("E") ? s.replace("E", "e") : s + ".0";
	}
}
