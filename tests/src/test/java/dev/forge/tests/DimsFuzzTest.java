package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.resource.XtextResource;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.interp.InterpreterException;
import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.driver.Checker;
import dev.forge.driver.Ir;
import dev.forge.driver.Workspace;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.profiler.HostCapacity;
import dev.forge.profiler.HostFootprint;
import dev.forge.profiler.HostMemoryException;
import dev.forge.profiler.HostRunner;
import dev.forge.profiler.Runner;

/**
 * The dims fuzz: every function of every sample and of the tests' programs (the files that check
 * clean), at seeded random dims drawn from {@code fuzz/dims.txt} (0, 1, 2, primes, powers of two
 * and their neighbours, values whose products pass 2^31 and 2^32), through the correctness gate of
 * {@code forge run} on the host. Each case either verifies against the reference or is refused with
 * a one-line error; an exception of any other kind, a multi-line message or a wrong result fails.
 *
 * <p>The gate runs within a small {@link HostCapacity} (at most 1 GiB of memory, 512 MiB of heap), so
 * that large dims are checked for the right refusal ({@link HostMemoryException}, thrown before any
 * input is drawn) without allocating them. A tensor of more than 2^31 elements is refused only for
 * its native memory (over 1 GiB here); {@code LargeTensorTest} runs one where the machine has room. {@code -Dforge.fuzz.cases=N} draws N random bindings per
 * function (default 4, plus all-0, all-1 and all-2), {@code -Dforge.fuzz.seed=S} another sequence,
 * {@code -Dforge.fuzz.only=TEXT} only the files whose name contains TEXT.
 */
class DimsFuzzTest {

	private static final int CASES = Integer.getInteger("forge.fuzz.cases", 4);
	private static final long SEED = Long.getLong("forge.fuzz.seed", 20261122L);
	private static final String ONLY = System.getProperty("forge.fuzz.only", "");
	private static final double SMALL_SHARE = 0.8;
	private static final HostCapacity CAPACITY = capacity();

	private enum Kind {
		VERIFIED, REFUSED, MEMORY, INTERNAL, WRONG
	}

	private record Outcome(Kind kind, String detail) {
	}

	@TestFactory
	Stream<DynamicTest> everyFunctionRunsOrIsRefusedAtEveryDims() {
		DimValues values = DimValues.load(Sources.RESOURCES.resolve("fuzz/dims.txt"));
		List<Path> files = new ArrayList<>(Sources.forgeFiles(Sources.ROOT.resolve("samples")));
		files.addAll(Sources.forgeFiles(Sources.RESOURCES));
		return files.stream().filter(f -> f.getFileName().toString().contains(ONLY)).map(file -> DynamicTest.dynamicTest(Sources.ROOT.relativize(file).toString(), () -> fuzzFile(file, values)));
	}

	private static void fuzzFile(Path file, DimValues values) {
		Workspace workspace = Workspace.load(List.of(file));
		boolean errors = Checker.check(workspace).stream().anyMatch(r -> r.count(SourceDiagnostic.Severity.ERROR) > 0);
		if (errors || workspace.requested().isEmpty()) {
			return; // a program with expected errors is the checker's test, not a runnable one
		}
		XtextResource resource = workspace.requested().values().iterator().next();
		if (resource.getContents().isEmpty() || !(resource.getContents().get(0) instanceof Module module)) {
			return;
		}
		List<String> failures = new ArrayList<>();
		Map<Kind, Integer> counts = new LinkedHashMap<>();
		for (EObject item : module.getBody()) {
			if (item instanceof FunctionDef def && def.getName() != null) {
				fuzzFunction(file, resource, def, values, failures, counts);
			}
		}
		System.out.println("dims fuzz " + file.getFileName() + ": " + counts);
		assertTrue(failures.isEmpty(), failures.size() + " failing case(s) in " + file + ":\n" + String.join("\n", failures));
	}

	private static void fuzzFunction(Path file, XtextResource resource, FunctionDef def, DimValues values, List<String> failures,
			Map<Kind, Integer> counts) {
		Pipeline.Compiled plain;
		try {
			plain = Ir.compile(resource, def, Ir.hostTarget(), (stage, text) -> {
			});
		} catch (LoweringException e) {
			return; // not compiled for the host: `forge run` says so at its line, with no dims involved
		}
		List<String> symbols = new ArrayList<>(Runner.freeDims(plain.tile()));
		SplittableRandom random = new SplittableRandom(SEED ^ (file.getFileName() + "/" + def.getName()).hashCode());
		List<Map<String, Long>> bindings = new ArrayList<>();
		for (long v : new long[] { 0, 1, 2 }) {
			Map<String, Long> all = new LinkedHashMap<>();
			symbols.forEach(s -> all.put(s, v));
			bindings.add(all);
		}
		for (int i = 0; i < CASES; i++) {
			Map<String, Long> dims = new LinkedHashMap<>();
			symbols.forEach(s -> dims.put(s, values.draw(random, SMALL_SHARE)));
			bindings.add(dims);
		}
		for (Map<String, Long> dims : bindings) {
			Outcome o = run(resource, def, dims);
			counts.merge(o.kind(), 1, Integer::sum);
			boolean overSize = overSize(plain, dims);
			String at = file.getFileName() + " @" + def.getName() + " at " + dims + ": ";
			if (o.kind() == Kind.INTERNAL || o.kind() == Kind.WRONG) {
				failures.add(at + o.kind() + " " + o.detail());
			} else if (overSize && o.kind() == Kind.VERIFIED) {
				failures.add(at + "ran although it needs more than the capacity " + CAPACITY);
			} else if ((o.kind() == Kind.REFUSED || o.kind() == Kind.MEMORY) && (o.detail() == null || o.detail().isBlank() || o.detail().contains("\n"))) {
				failures.add(at + "refused without a one-line message: " + o.detail());
			} else if (o.kind() == Kind.MEMORY && !overSize) {
				failures.add(at + "refused for memory although it fits: " + o.detail());
			}
		}
	}

	/** The gate at {@code dims}, compiled with them as hints as `forge run` does. */
	private static Outcome run(XtextResource resource, FunctionDef def, Map<String, Long> dims) {
		try {
			Pipeline.Compiled compiled = Ir.compile(resource, def, Ir.hostTarget(), dims, (stage, text) -> {
			});
			HostRunner.Request request = new HostRunner.Request(def.getName(), compiled.tile(), compiled.graph(), dims, 1, Map.of(),
					defaults(compiled.graph()), false, "host");
			Runner.Check check = HostRunner.check(request, CAPACITY);
			return check.comparison().verified() ? new Outcome(Kind.VERIFIED, null) : new Outcome(Kind.WRONG, check.comparison().problem());
		} catch (LoweringException e) {
			return new Outcome(Kind.REFUSED, "line " + e.range().line() + ": " + e.getMessage());
		} catch (HostMemoryException e) {
			return new Outcome(Kind.MEMORY, e.getMessage());
		} catch (IllegalArgumentException | InterpreterException e) {
			// what `forge run` reports as a usage error (exit 2) with this message
			return new Outcome(Kind.REFUSED, e.getMessage());
		} catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
			return new Outcome(Kind.INTERNAL, e + " at " + Stream.of(e.getStackTrace()).filter(f -> f.getClassName().startsWith("dev.forge"))
					.limit(4).map(StackTraceElement::toString).toList());
		}
	}

	/** Whether the run at {@code dims} cannot fit {@link #CAPACITY} (or its sizes do not even fit in 64 bits). */
	private static boolean overSize(Pipeline.Compiled compiled, Map<String, Long> dims) {
		HostFootprint need;
		try {
			need = HostFootprint.of(compiled.tile(), null, dims);
		} catch (RuntimeException e) {
			return true;
		}
		// Tensors live in native memory at any size; the check's f64 copies are of a reduced instance.
		return need.nativeBytes() > CAPACITY.availableBytes();
	}

	/** Scalar parameters with a default (eps) keep it, as in `forge run`. */
	private static Map<String, Double> defaults(GraphFunction g) {
		Map<String, Double> out = new LinkedHashMap<>();
		if (g != null) {
			g.params().stream().filter(p -> p.defaultValue() != null).forEach(p -> out.put(p.name(), p.defaultValue()));
		}
		return out;
	}

	private static HostCapacity capacity() {
		HostCapacity here = HostCapacity.current();
		return new HostCapacity(Math.min(here.availableBytes() / 2, 1L << 30), Math.min(here.heapBytes() / 2, 512L << 20));
	}
}
