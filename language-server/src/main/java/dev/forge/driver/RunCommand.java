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
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.interp.NdArray;
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
import dev.forge.profiler.Npy;
import dev.forge.profiler.RunReport;

/**
 * `forge run` and `forge profile`: check the file, compile one function for the host, run it on
 * seeded random (or given) inputs, verify it against the reference interpreter and time it.
 * Exit codes: 0 verified, 1 errors in the source or a failed verification, 2 a bad request.
 */
public final class RunCommand {

	/** Dims a run from the editor gets when none are given: small enough for a quick check. */
	static final long DEFAULT_DIM = 64;
	/** For symbols that only divide other dims (heads in D//heads). */
	static final long DEFAULT_DIVISOR = 4;

	public record Options(Path file, String function, String dims, long seed, String target, String format,
			Map<String, Path> inputs, Path saveOutputs, boolean profile) {
	}

	private RunCommand() {
	}

	public static int run(Options o, PrintStream out) {
		if (!o.target().equals("host")) {
			throw new UsageException("--target " + o.target() + ": only the host CPU runs code so far (--target host)");
		}
		if (!Files.isRegularFile(o.file())) {
			throw new UsageException("no such file: " + o.file());
		}
		Workspace workspace = Workspace.load(List.of(o.file()));
		List<FileReport> reports = Checker.check(workspace);
		long errors = reports.stream().mapToLong(r -> r.count(SourceDiagnostic.Severity.ERROR)).sum();
		if (errors > 0) {
			out.print(dev.forge.cli.DiagnosticFormats.text(reports.stream().map(r -> new FileReport(r.path(), r.lines(),
					r.diagnostics().stream().filter(d -> d.severity() == SourceDiagnostic.Severity.ERROR).toList())).toList()));
			out.printf("run stopped: %d error%s%n", errors, errors == 1 ? "" : "s");
			return 1;
		}
		XtextResource resource = workspace.requested().values().iterator().next();
		FunctionDef def = function(resource, o.function(), o.file());
		Pipeline.Compiled compiled;
		try {
			compiled = Ir.compile(resource, def, Ir.hostTarget(), (stage, text) -> {
			});
		} catch (LoweringException e) {
			out.println(o.file() + ":" + e.range().line() + ":" + e.range().column() + ": cannot compile '" + def.getName()
					+ "' for the host: " + e.getMessage());
			return 1;
		}
		Map<String, Long> dims = dims(o.dims(), compiled, out, o.format().equals("text"));
		try {
			// Again, with the dims as hints: tiles fitted to the sizes this run uses.
			compiled = Ir.compile(resource, def, Ir.hostTarget(), dims, (stage, text) -> {
			});
		} catch (LoweringException e) {
			throw new IllegalStateException("compiled without dims but not with them", e);
		}
		Map<String, NdArray> inputs = new LinkedHashMap<>();
		for (Map.Entry<String, Path> in : o.inputs().entrySet()) {
			Buffer b = compiled.tile().buffer(in.getKey());
			if (b == null || b.role() != Buffer.Role.INPUT) {
				throw new UsageException("--input " + in.getKey() + ": '" + def.getName() + "' has no parameter of that name (parameters: "
						+ String.join(", ", compiled.tile().buffers(Buffer.Role.INPUT).stream().map(Buffer::name).toList()) + ")");
			}
			try {
				inputs.put(in.getKey(), Npy.read(in.getValue(), b.dtype()).array());
			} catch (IOException e) {
				throw new UsageException("--input " + in.getKey() + ": " + e.getMessage());
			}
		}
		HostRunner.Result result;
		try {
			result = HostRunner.run(new HostRunner.Request(def.getName(), compiled.tile(), compiled.graph(), dims, o.seed(), inputs,
					scalarDefaults(def), o.profile(), o.target()));
		} catch (IllegalArgumentException e) {
			throw new UsageException(e.getMessage());
		} catch (dev.forge.compiler.interp.InterpreterException e) {
			// Dims the program cannot take (a slice past the end of an axis): the user's request, not a bug.
			throw new UsageException("the program cannot run at " + dims + ": " + e.getMessage());
		}
		RunReport report = result.report();
		if (o.format().equals("json")) {
			out.print(report.toJson());
		} else {
			out.print(report.toText());
			if (o.profile()) {
				out.println(kernelTable(result.kernels(), compiled));
			}
		}
		if (o.saveOutputs() != null) {
			save(result, compiled, o.saveOutputs(), out, o.format().equals("text"));
		}
		return report.verified() ? 0 : 1;
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

	private static void save(HostRunner.Result result, Pipeline.Compiled compiled, Path dir, PrintStream out, boolean text) {
		try {
			Files.createDirectories(dir);
			for (Map.Entry<String, NdArray> e : result.outputs().entrySet()) {
				Path file = dir.resolve(e.getKey() + ".npy");
				Npy.write(file, e.getValue(), compiled.tile().buffer(e.getKey()).dtype());
				if (text) {
					out.println("saved      " + file);
				}
			}
		} catch (IOException e) {
			throw new UsageException("cannot save outputs to " + dir + ": " + e.getMessage());
		}
	}

	private static FunctionDef function(XtextResource resource, String name, Path file) {
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

	/** --dims as given; when absent, small defaults for every free dim, said on the output. */
	private static Map<String, Long> dims(String given, Pipeline.Compiled compiled, PrintStream out, boolean text) {
		if (given != null) {
			try {
				return Dims.parse(given);
			} catch (IllegalArgumentException e) {
				throw new UsageException("--dims: " + e.getMessage());
			}
		}
		Map<String, Long> dims = new LinkedHashMap<>();
		java.util.Set<String> whole = new java.util.HashSet<>();
		for (Buffer b : compiled.tile().buffers()) {
			if (b.role() == Buffer.Role.INPUT || b.role() == Buffer.Role.OUTPUT) {
				b.shape().forEach(d -> d.asSymbol().ifPresent(whole::add));
			}
		}
		for (String s : HostRunner.freeDims(compiled.tile())) {
			dims.put(s, whole.contains(s) ? DEFAULT_DIM : DEFAULT_DIVISOR);
		}
		if (text && !dims.isEmpty()) {
			out.println("note       no --dims given: using " + Dims.format(dims));
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
