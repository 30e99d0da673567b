package dev.forge.driver;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.resource.XtextResource;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.gpu.GpuCodegen;
import dev.forge.compiler.gpu.GpuModule;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.tile.Buffer;
import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.Expression;
import dev.forge.forge.FloatLiteral;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.IntLiteral;
import dev.forge.forge.Module;
import dev.forge.forge.Parameter;
import dev.forge.forge.UnaryExpr;
import dev.forge.profiler.Dims;
import dev.forge.profiler.HostRunner;
import dev.forge.profiler.HostTensor;
import dev.forge.profiler.Npy;
import dev.forge.profiler.RunReport;
import dev.forge.profiler.cache.ArtifactCache;
import dev.forge.profiler.cache.Ledger;
import dev.forge.targets.Target;

/**
 * `forge run` and `forge profile`: check the file, compile one function for the target (the host
 * CPU, or a GPU through {@link GpuBackend}), run it on seeded random (or given) inputs, verify it
 * against the reference interpreter and time it. Inside a bundle ({@link Bundle}) the GPU kernels
 * come from the bundle, checked against the source's hashes, instead of the code generator.
 * Exit codes: 0 verified, 1 errors in the source or a failed verification, 2 a bad request.
 */
public final class RunCommand {

	/** Dims a run from the editor gets when none are given: small enough for a quick check. */
	static final long DEFAULT_DIM = 64;
	/** For symbols that only divide other dims (heads in D//heads). */
	static final long DEFAULT_DIVISOR = 4;

	/**
	 * {@code target}: host, gpu (the attached one) or a GPU's chip description; null: host, or gpu in a bundle.
	 * {@code plot}: where to write the run's roofline as SVG ({@link RooflinePlot}), or null.
	 */
	public record Options(Path file, String function, String dims, long seed, String target, String format,
			Map<String, Path> inputs, Path saveOutputs, boolean profile, String version, Path plot, Path cache, boolean noCache) {

		public Options(Path file, String function, String dims, long seed, String target, String format, Map<String, Path> inputs,
				Path saveOutputs, boolean profile, String version, Path plot) {
			this(file, function, dims, seed, target, format, inputs, saveOutputs, profile, version, plot, null, false);
		}
	}

	private RunCommand() {
	}

	public static int run(Options o, PrintStream out) {
		return run(o, out, GpuBackends.attached(), Bundle.current());
	}

	/** Where a run goes: the chip description it compiles for, and whether that is a GPU. */
	private record Where(Target target, boolean onGpu) {
	}

	/**
	 * The chip a run compiles for. Without a GPU there is nothing to compile for, so a GPU target asks
	 * for the device first; a bundle checks its kernels' hashes first instead (that needs no GPU) and
	 * asks for the device just before running.
	 */
	private static Where where(String targetName, GpuBackend gpu, Bundle bundle) {
		if (targetName.equals("host")) {
			if (bundle != null) {
				throw new UsageException("a bundle runs its kernels on the GPU it was made for (" + bundle.manifest().target() + "): --target "
						+ GpuTargets.ATTACHED);
			}
			return new Where(Ir.hostTarget(), false);
		}
		if (!GpuTargets.isGpu(targetName)) {
			if (dev.forge.targets.Targets.builtin().find(targetName).isPresent()) {
				throw new UsageException("--target " + targetName + ": only the host CPU and GPUs run code (--target host, "
						+ GpuTargets.ATTACHED + ", " + String.join(", ", GpuTargets.names()) + ")");
			}
			GpuTargets.named(targetName); // throws, saying what is unknown and the closest name
		}
		if (bundle != null) {
			return new Where(bundle.target(targetName), true);
		}
		if (targetName.equals(GpuTargets.ATTACHED)) {
			return new Where(GpuTargets.forDevice(gpu.device()), true);
		}
		Target target = GpuTargets.named(targetName);
		gpu.device(); // fails without a GPU
		return new Where(target, true);
	}

	/** With the GPU backend and the bundle (null outside one) given, for tests. */
	static int run(Options o, PrintStream out, GpuBackend gpu, Bundle bundle) {
		Where where = where(o.target() != null ? o.target() : bundle != null ? GpuTargets.ATTACHED : "host", gpu, bundle);
		Target target = where.target();
		boolean onGpu = where.onGpu();
		Path file = bundle != null ? bundle.source(o.file()) : o.file();
		if (!Files.isRegularFile(file)) {
			throw new UsageException("no such file: " + file);
		}
		Workspace workspace = Workspace.load(List.of(file));
		if (reportErrors(Checker.check(workspace), "run", out)) {
			return 1;
		}
		XtextResource resource = workspace.requested().values().iterator().next();
		FunctionDef def = function(resource, o.function(), file);
		Pipeline.Compiled compiled;
		try {
			compiled = Ir.compile(resource, def, target, (stage, text) -> {
			});
		} catch (LoweringException e) {
			out.println(file + ":" + e.range().line() + ":" + e.range().column() + ": cannot compile '" + def.getName()
					+ "' for " + (onGpu ? target.name() : "the host") + ": " + e.getMessage());
			return 1;
		}
		Map<String, Long> dims = dims(o.dims(), bundle, compiled, out, o.format().equals("text"));
		try {
			// Again, with the dims as hints: tiles fitted to the sizes this run uses. A bundle's kernels
			// were compiled with the bundle's dims as hints: the same here, or the hashes could not match.
			compiled = Ir.compile(resource, def, target, bundle != null ? bundle.dims() : dims, (stage, text) -> {
			});
		} catch (LoweringException e) {
			throw new IllegalStateException("compiled without dims but not with them", e);
		}
		Map<String, HostTensor> inputs = new LinkedHashMap<>();
		for (Map.Entry<String, Path> in : o.inputs().entrySet()) {
			Buffer b = compiled.tile().buffer(in.getKey());
			if (b == null || b.role() != Buffer.Role.INPUT) {
				throw new UsageException("--input " + in.getKey() + ": '" + def.getName() + "' has no parameter of that name (parameters: "
						+ String.join(", ", compiled.tile().buffers(Buffer.Role.INPUT).stream().map(Buffer::name).toList()) + ")");
			}
			try {
				inputs.put(in.getKey(), Npy.map(in.getValue(), b.dtype())); // in place: any size, no f64 copy
			} catch (IOException e) {
				throw new UsageException("--input " + in.getKey() + ": " + e.getMessage());
			}
		}
		GpuModule module = null;
		if (onGpu) {
			try {
				module = bundle != null ? bundle.module(def.getName(), compiled, target, o.version()) : GpuCodegen.compile(compiled.tile(), target, file.toAbsolutePath().toString());
			} catch (UnsupportedOperationException e) {
				out.println(file + ": cannot compile '" + def.getName() + "' for " + target.name() + ": " + e.getMessage());
				return 1;
			}
			if (bundle != null) { // its kernels' hashes matched: now the GPU
				noteOtherChip(bundle, gpu.device(), target, out, o.format().equals("text"));
			}
		}
		// On the host the code comes from the artifact cache when it holds this function (a tuned schedule's, or a verified earlier run's).
		long generatedBefore = dev.forge.compiler.host.HostEmit.generated();
		ArtifactCache cache = o.noCache() || bundle != null ? null : new ArtifactCache(o.cache() != null ? o.cache() : ArtifactCache.defaultDir());
		CachedCompile code = onGpu ? null : CachedCompile.host(cache, resource, def, target, o.version(), dims, compiled);
		if (code != null) {
			compiled = code.compiled;
			if (code.note != null && o.format().equals("text")) {
				out.println("note       " + code.note);
			}
		}
		HostRunner.Request request = new HostRunner.Request(def.getName(), compiled.tile(), compiled.graph(), dims, o.seed(), inputs,
				scalarDefaults(def), o.profile(), target.name());
		HostRunner.Result result;
		try {
			result = onGpu ? gpu.run(request, module, target) : HostRunner.run(request, code.exe);
		} catch (IllegalArgumentException e) {
			throw new UsageException(e.getMessage());
		} catch (dev.forge.compiler.interp.InterpreterException e) {
			// Dims the program cannot take (a slice past the end of an axis): the user's request, not a bug.
			throw new UsageException("the program cannot run at " + dims + ": " + e.getMessage());
		} finally {
			if (code != null) {
				code.close();
			}
		}
		RunReport report = result.report();
		if (code != null) {
			code.store(report, def.getName());
		}
		if (bundle == null) {
			new Ledger(o.cache() != null ? o.cache() : ArtifactCache.defaultDir()).append(LedgerLines.of(o.profile() ? "profile" : "run", file, report,
					code == null ? null : code.key, code == null ? "none" : code.status, code == null ? "default" : code.scheduleText, result.outputs()));
		}
		if (o.format().equals("json")) {
			out.print(code == null ? report.toJson() : withCache(report.toJson(), code, dev.forge.compiler.host.HostEmit.generated() - generatedBefore));
		} else {
			out.print(report.toText());
			if (code != null && code.status.equals("hit")) {
				out.println(String.format(java.util.Locale.ROOT, "cache      hit %s: %s, loaded in %.1f ms", code.key.substring(0, 19), code.scheduleText,
						code.compileMs));
			} else if (code != null && code.status.equals("miss")) {
				out.println(String.format(java.util.Locale.ROOT, "cache      miss: compiled in %.0f ms%s", code.compileMs,
						report.verified() ? ", stored as " + code.key.substring(0, 19) : ""));
			}
			if (o.profile()) {
				out.println(kernelTable(result.kernels(), compiled));
			}
		}
		if (o.plot() != null) {
			plot(report, report.peaks() != null ? report.peaks() : dev.forge.profiler.Peaks.of(target, compiled.tile()), target, o.plot(), out,
					o.format().equals("text"));
		}
		if (o.saveOutputs() != null) {
			save(result, compiled, o.saveOutputs(), out, o.format().equals("text"));
		}
		return report.verified() ? 0 : 1;
	}

	/**
	 * The report's JSON with what the cache did: {@code cache} hit|miss|off, {@code cache_key}, {@code compile_ms},
	 * {@code compilations} (code generations in this run), {@code schedule}.
	 */
	private static String withCache(String json, CachedCompile code, long generated) {
		com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(json).getAsJsonObject();
		o.addProperty("cache", code.status);
		o.addProperty("cache_key", code.key);
		o.addProperty("compile_ms", code.compileMs);
		o.addProperty("compilations", generated); // functions whose code this run generated: 0 on a hit
		o.addProperty("schedule", code.scheduleText);
		return new com.google.gson.GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o);
	}

	/** A bundle runs on any GPU of its SM, but its tiles and the report's peaks are those of the chip it was made for: say so. */
	private static void noteOtherChip(Bundle bundle, GpuBackend.Device device, Target target, PrintStream out, boolean text) {
		String attached;
		try {
			attached = GpuTargets.forDevice(device).name();
		} catch (UsageException e) {
			attached = null; // a GPU without a chip description
		}
		if (text && !target.name().equals(attached)) {
			out.println("note       this bundle was made for " + target.name() + "; the attached GPU is the " + device.name());
		}
	}

	/** Prints the errors among {@code reports} with "COMMAND stopped: N errors"; true when there were any. */
	static boolean reportErrors(List<FileReport> reports, String command, PrintStream out) {
		long errors = reports.stream().mapToLong(r -> r.count(SourceDiagnostic.Severity.ERROR)).sum();
		if (errors == 0) {
			return false;
		}
		out.print(dev.forge.cli.DiagnosticFormats.text(reports.stream().map(r -> new FileReport(r.path(), r.lines(),
				r.diagnostics().stream().filter(d -> d.severity() == SourceDiagnostic.Severity.ERROR).toList())).toList()));
		out.printf("%s stopped: %d error%s%n", command, errors, errors == 1 ? "" : "s");
		return true;
	}

	private static String kernelTable(List<HostRunner.KernelTime> kernels, Pipeline.Compiled compiled) {
		StringBuilder t = new StringBuilder(String.format("%n%-28s %10s %10s %7s%n", "kernel", "programs", "mean ms", "share"));
		double total = kernels.stream().mapToDouble(HostRunner.KernelTime::meanMs).sum();
		for (HostRunner.KernelTime k : kernels) {
			t.append(String.format("%-28s %10d %10.3f %6.1f%%%n", k.name(), k.programs(), k.meanMs(),
					total > 0 ? 100 * k.meanMs() / total : 0));
		}
		return t.toString();
	}

	/** The run as a point under the chip's roofline, as SVG (the run's FLOPs and bytes are those of the whole function). */
	private static void plot(RunReport report, dev.forge.profiler.Peaks peaks, Target target, Path file, PrintStream out, boolean text) {
		if (!(peaks.flopsPerSecond() > 0) || !(peaks.bytesPerSecond() > 0)) {
			throw new UsageException("--plot: the chip description " + target.name() + " gives no " + peaks.dtype() + " FLOP/s peak or no DRAM bandwidth");
		}
		double intensity = report.gbps() > 0 ? report.gflops() / report.gbps() : 0;
		String svg = RooflinePlot.svg(report.function(), target.name() + " " + peaks.dtype(), peaks.flopsPerSecond(), peaks.bytesPerSecond(),
				List.of(new RooflinePlot.Point(report.function(), intensity, report.gflops() * 1e9)));
		try {
			if (file.getParent() != null) {
				Files.createDirectories(file.getParent());
			}
			Files.writeString(file, svg);
		} catch (IOException e) {
			throw new UsageException("cannot write the plot to " + file + ": " + e.getMessage());
		}
		if (text) {
			out.println("plot       " + file);
		}
	}

	private static void save(HostRunner.Result result, Pipeline.Compiled compiled, Path dir, PrintStream out, boolean text) {
		try {
			Files.createDirectories(dir);
			for (Map.Entry<String, HostTensor> e : result.outputs().entrySet()) {
				Path file = dir.resolve(e.getKey() + ".npy");
				Npy.write(file, e.getValue());
				if (text) {
					out.println("saved      " + file);
				}
			}
		} catch (IOException e) {
			throw new UsageException("cannot save outputs to " + dir + ": " + e.getMessage());
		}
	}

	/** The top-level function {@code name} of the file, or a usage error listing its functions. */
	static FunctionDef function(XtextResource resource, String name, Path file) {
		List<String> names = new ArrayList<>();
		if (resource.getContents().get(0) instanceof Module module) {
			for (EObject item : module.getBody()) {
				if (item instanceof FunctionDef f && f.getName() != null) {
					if (f.getName().equals(name)) {
						return f;
					}
					names.add(f.getName());
				}
			}
		}
		throw new UsageException(name == null ? "run needs --fn NAME (functions in " + file + ": " + String.join(", ", names) + ")"
				: "no function '" + name + "' in " + file + (names.isEmpty() ? "" : " (functions: " + String.join(", ", names) + ")"));
	}

	/** --dims as given; when absent, for every free dim the bundle's value or a small default, said on the output. */
	static Map<String, Long> dims(String given, Bundle bundle, Pipeline.Compiled compiled, PrintStream out, boolean text) {
		if (given != null) {
			try {
				return Dims.parse(given);
			} catch (IllegalArgumentException e) {
				throw new UsageException("--dims: " + e.getMessage());
			}
		}
		Map<String, Long> bundled = new LinkedHashMap<>();
		if (bundle != null) {
			// The bundle's dims that this function takes (a bundle of several functions has the dims of all).
			HostRunner.freeDims(compiled.tile()).forEach(s -> {
				if (bundle.dims().containsKey(s)) {
					bundled.put(s, bundle.dims().get(s));
				}
			});
		}
		Map<String, Long> dims = new LinkedHashMap<>();
		java.util.Set<String> whole = new java.util.HashSet<>();
		for (Buffer b : compiled.tile().buffers()) {
			if (b.role() == Buffer.Role.INPUT || b.role() == Buffer.Role.OUTPUT) {
				b.shape().forEach(d -> d.asSymbol().ifPresent(whole::add));
			}
		}
		for (String s : HostRunner.freeDims(compiled.tile())) {
			dims.put(s, bundled.getOrDefault(s, whole.contains(s) ? DEFAULT_DIM : DEFAULT_DIVISOR));
		}
		if (text && !dims.isEmpty()) {
			out.println("note       no --dims given: using " + Dims.format(dims) + (bundled.isEmpty() ? "" : " (the bundle's dims)"));
		}
		return dims;
	}

	/** Literal number defaults of scalar parameters (eps: float = 1e-6). */
	static Map<String, Double> scalarDefaults(FunctionDef def) {
		Map<String, Double> out = new LinkedHashMap<>();
		for (Parameter p : def.getParams()) {
			Double v = number(p.getDefault());
			if (p.getName() != null && v != null) {
				out.put(p.getName(), v);
			}
		}
		return out;
	}

	private static Double number(Expression e) {
		if (e instanceof FloatLiteral f) {
			return Double.parseDouble(f.getValue().replace("_", ""));
		}
		if (e instanceof IntLiteral i) {
			return Double.parseDouble(i.getValue().replace("_", ""));
		}
		if (e instanceof UnaryExpr u && "-".equals(u.getOp())) {
			Double v = number(u.getOperand());
			return v == null ? null : -v;
		}
		return null;
	}
}
