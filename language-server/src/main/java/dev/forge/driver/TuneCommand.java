package dev.forge.driver;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.eclipse.xtext.resource.XtextResource;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.kernel.KernelSchedule;
import dev.forge.compiler.schedule.KernelGroup;
import dev.forge.compiler.schedule.Tiling;
import dev.forge.forge.FunctionDef;
import dev.forge.profiler.HostRunner;
import dev.forge.profiler.RunReport;
import dev.forge.profiler.cache.ArtifactCache;
import dev.forge.profiler.cache.CacheEntry;
import dev.forge.profiler.cache.Ledger;
import dev.forge.profiler.tune.Backend;
import dev.forge.profiler.tune.Candidate;
import dev.forge.profiler.tune.HostBackend;
import dev.forge.profiler.tune.SearchSpace;
import dev.forge.profiler.tune.Tuner;
import dev.forge.targets.Target;

/**
 * `forge tune FILE --fn NAME`: searches the function's schedules ({@code @kernel.autotune(space=...)},
 * or a space derived from its schedule's knobs) with the {@link Tuner}, prints the candidates' table
 * and stores the fastest verified one in the artifact cache under the key of the function's own
 * schedule, where `forge run` and `forge profile` find it. Exit codes: 0 tuned, 1 source errors, 2 a
 * bad request (no GPU for a GPU target, unknown function).
 */
public final class TuneCommand {

	public record Options(Path file, String function, String dims, String target, Duration budget, String format, Path cache, String version) {
	}

	private TuneCommand() {
	}

	public static int run(Options o, PrintStream out) {
		return run(o, out, GpuBackends.attached());
	}

	static int run(Options o, PrintStream out, GpuBackend gpu) {
		String targetName = o.target() == null ? "host" : o.target();
		Target target;
		boolean onGpu = !targetName.equals("host");
		if (!onGpu) {
			target = Ir.hostTarget();
		} else {
			target = targetName.equals(GpuTargets.ATTACHED) ? GpuTargets.forDevice(gpu.device()) : GpuTargets.named(targetName);
			gpu.device(); // tuning measures: it needs the GPU (one line when there is none)
		}
		if (!Files.isRegularFile(o.file())) {
			throw new UsageException("no such file: " + o.file());
		}
		boolean text = o.format().equals("text");
		Workspace workspace = Workspace.load(List.of(o.file()));
		if (RunCommand.reportErrors(Checker.check(workspace), "tune", out)) {
			return 1;
		}
		XtextResource resource = workspace.requested().values().iterator().next();
		FunctionDef def = RunCommand.function(resource, o.function(), o.file());
		Pipeline.Compiled compiled;
		Map<String, Long> dims;
		KernelSchedule kernel;
		try {
			compiled = Ir.compile(resource, def, target, (stage, t) -> {
			});
			dims = RunCommand.dims(o.dims(), null, compiled, out, text);
			compiled = Ir.compile(resource, def, target, dims, (stage, t) -> {
			});
			kernel = Ir.kernelSchedule(resource, def, target);
		} catch (LoweringException e) {
			out.println(o.file() + ":" + e.range().line() + ":" + e.range().column() + ": cannot compile '" + def.getName() + "': " + e.getMessage());
			return 1;
		}

		// The space: the autotune decorator's, or one derived from the schedule's knobs.
		Map<String, Integer> defaults;
		List<Candidate> candidates;
		int lanes = (int) Math.max(1, target.optLong("vector.bits").orElse(256) / 32);
		if (kernel != null) {
			defaults = kernel.sizes();
			Map<String, List<Integer>> space = KernelSchedule.autotuneSpace(def);
			candidates = space.isEmpty()
					? SearchSpace.derived(defaults, onGpu ? Set.of("m", "n", "k", "vector", "warps", "stages") : Set.of("m", "n", "k", "vector"), onGpu, lanes)
					: SearchSpace.explicit(defaults, space);
		} else {
			defaults = new LinkedHashMap<>();
			Set<String> knobs = knobs(compiled, defaults, onGpu);
			candidates = SearchSpace.derived(defaults, knobs, onGpu, lanes);
		}
		if (text) {
			out.println("tuning     " + def.getName() + " for " + target.name() + " at " + dev.forge.profiler.Dims.format(dims) + ", budget "
					+ o.budget().toSeconds() + " s, " + candidates.size() + " candidates (" + (kernel != null && !KernelSchedule.autotuneSpace(def).isEmpty()
							? "@kernel.autotune space" : "derived from the schedule's knobs") + ")");
		}
		Backend backend = onGpu ? new dev.forge.profiler.tune.GpuBackend(target, o.file().toAbsolutePath().toString()) : new HostBackend();
		int cores = Runtime.getRuntime().availableProcessors();
		Tuner tuner = new Tuner(new Tuner.Settings(o.budget(), cores, 24), backend, line -> {
			if (text) {
				out.println("progress   " + line);
			} else {
				// JSON on stdout stays one object; the progress goes to stderr (the editor's Tune lens shows it).
				System.err.println("progress   " + line);
			}
		});
		HostRunner.Request request = new HostRunner.Request(def.getName(), compiled.tile(), compiled.graph(), dims, 0, Map.of(),
				RunCommand.scalarDefaults(def), false, target.name());
		Tuner.Result result;
		try {
			result = tuner.tune(request, target, candidates, defaults, c -> {
				Pipeline.Compiled p = Ir.compile(resource, def, target, dims, c.sizes(), (stage, t) -> {
				});
				return new Tuner.Lowered(p.tile(), p.graph(), p.schedule(), CacheKeys.tileHash(p, target, o.version()));
			});
		} catch (IllegalArgumentException e) {
			throw new UsageException(e.getMessage());
		}

		// Store the winner under the key of the function as it is: what `forge run` computes.
		Path cacheDir = o.cache() != null ? o.cache() : ArtifactCache.defaultDir();
		String key = CacheKeys.key(compiled, target, o.version(), dims);
		Tuner.Outcome best = result.bestOutcome();
		RunReport bestReport = best.report();
		Map<String, Object> timing = CachedCompile.timing(bestReport, best.rooflinePercent());
		timing.put("median_ms", result.bestMs());
		timing.put("default_median_ms", result.defaultMs());
		new ArtifactCache(cacheDir).put(new CacheEntry(key, def.getName(), target.name(), CacheKeys.bucket(dims), best.candidate().sizes(),
				best.candidate().asSchedule(), true, result.lowered().hash(), backend.artifactKind(), result.artifact(),
				CachedCompile.verification(bestReport), timing, o.version(), Instant.now().toString()));
		Map<String, Object> line = LedgerLines.of("tune", o.file(), bestReport, key, "stored", best.candidate().asSchedule(), null);
		line.put("median_ms", result.bestMs());
		line.put("default_median_ms", result.defaultMs());
		new Ledger(cacheDir).append(line);

		if (text) {
			out.print(TuneTable.text(result));
			out.println(String.format(Locale.ROOT, "tuned      %s: %.3f ms vs the default's %.3f ms (%.2fx), same run", best.candidate().asSchedule(),
					result.bestMs(), result.defaultMs(), result.defaultMs() / result.bestMs()));
			out.println("stored     " + key + " in " + cacheDir + " (forge run and profile use it)");
		} else {
			JsonObject j = TuneTable.json(result);
			j.addProperty("function", def.getName());
			j.addProperty("target", target.name());
			j.addProperty("dims", dev.forge.profiler.Dims.format(dims));
			j.addProperty("cache_key", key);
			j.addProperty("cache_dir", cacheDir.toString());
			out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(j));
		}
		return 0;
	}

	/**
	 * The schedule fields a @jit function's kernels take and their default values, read from its
	 * costliest kernel: a matmul's block, k step and vector, else a row reduction's column block and
	 * vector, else an elementwise kernel's block and vector; on a GPU also warps (and a matmul's stages).
	 */
	static Set<String> knobs(Pipeline.Compiled compiled, Map<String, Integer> defaults, boolean gpu) {
		KernelGroup main = null;
		for (KernelGroup g : compiled.schedule().groups()) {
			if (main == null || rank(g.kind()) > rank(main.kind())) {
				main = g;
			}
		}
		Set<String> knobs = new LinkedHashSet<>();
		if (main == null || main.tiling() == null) {
			return knobs;
		}
		Tiling t = main.tiling();
		List<Integer> block = t.block();
		switch (main.kind()) {
			case MATMUL -> {
				defaults.put("m", block.get(block.size() - 2));
				defaults.put("n", block.getLast());
				defaults.put("k", t.inner());
			}
			case ROW_REDUCTION -> defaults.put("n", t.inner());
			default -> {
				if (block.size() >= 2) {
					defaults.put("m", block.get(block.size() - 2));
				}
				if (!block.isEmpty()) {
					defaults.put("n", block.getLast());
				}
			}
		}
		defaults.put("vector", t.vector());
		if (gpu) {
			defaults.put("warps", t.warps());
			if (main.kind() == KernelGroup.Kind.MATMUL) {
				defaults.put("stages", t.stages());
			}
		}
		knobs.addAll(defaults.keySet());
		return knobs;
	}

	private static int rank(KernelGroup.Kind k) {
		return switch (k) {
			case MATMUL -> 3;
			case ROW_REDUCTION -> 2;
			case ELEMENTWISE -> 1;
			case COPY -> 0;
		};
	}
}
