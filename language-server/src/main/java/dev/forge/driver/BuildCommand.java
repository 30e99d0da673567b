package dev.forge.driver;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.resource.XtextResource;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.host.HostEmit;
import dev.forge.compiler.host.KernelAbi;
import dev.forge.compiler.tile.Kernel;
import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.targets.Target;

/**
 * `forge build`: check the files, compile their functions, and print or write one level of the
 * data path: the IRs (graph, schedule, tile) as text, host code (llvm, asm, obj) through LLVM, or
 * for a GPU target its code (llvm, ptx, cubin: {@link GpuBuild}). With --out, one file per source
 * (IR levels) or per function (code) and a manifest.json.
 */
public final class BuildCommand {

	public static final List<String> EMITS = List.of("graph", "schedule", "tile", "llvm", "asm", "obj", "ptx", "cubin");

	/** What only a CPU target emits, and what only a GPU target emits. */
	private static final List<String> HOST_CODE = List.of("asm", "obj");
	private static final List<String> GPU_CODE = List.of("ptx", "cubin");

	/** {@code target}: the name of a chip description (host when null). */
	public record Options(List<Path> paths, String emit, String function, Path out, String dumpAfter, String version, String target) {
		public Options(List<Path> paths, String emit, String function, Path out, String dumpAfter, String version) {
			this(paths, emit, function, out, dumpAfter, version, null);
		}
	}

	private BuildCommand() {
	}

	public static int run(Options o, PrintStream out) {
		if (o.emit() == null || !EMITS.contains(o.emit())) {
			throw new UsageException(o.emit() == null ? "build needs --emit " + String.join("|", EMITS)
					: "--emit " + o.emit() + ": choose one of " + String.join(", ", EMITS));
		}
		if ((o.emit().equals("obj") || o.emit().equals("cubin")) && o.out() == null) {
			throw new UsageException("--emit " + o.emit() + " writes binary files: give --out DIR");
		}
		if (o.paths().isEmpty()) {
			throw new UsageException("build needs at least one file or folder");
		}
		Target target;
		try {
			target = o.target() == null ? Ir.hostTarget() : dev.forge.targets.Targets.builtin().get(o.target());
		} catch (dev.forge.targets.TargetException e) {
			throw new UsageException("--target: " + e.getMessage());
		}
		if (target.isGpu() && HOST_CODE.contains(o.emit())) {
			throw new UsageException("--emit " + o.emit() + " is CPU code; for --target " + target.name() + " choose "
					+ String.join(", ", GpuBuild.EMITS) + " (or graph, schedule, tile)");
		}
		if (!target.isGpu() && GPU_CODE.contains(o.emit())) {
			throw new UsageException("--emit " + o.emit() + " is GPU code: add --target " + String.join("|", GpuTargets.names())
					+ " (for the host: graph, schedule, tile, llvm, asm, obj)");
		}
		Workspace workspace = Workspace.load(o.paths());
		List<FileReport> reports = Checker.check(workspace);
		long errors = reports.stream().mapToLong(r -> r.count(SourceDiagnostic.Severity.ERROR)).sum();
		if (errors > 0) {
			out.print(dev.forge.cli.DiagnosticFormats.text(reports.stream().map(r -> new FileReport(r.path(), r.lines(),
					r.diagnostics().stream().filter(d -> d.severity() == SourceDiagnostic.Severity.ERROR).toList())).toList()));
			out.printf("build stopped: %d error%s%n", errors, errors == 1 ? "" : "s");
			return 1;
		}
		Ir.Level level = Ir.Level.parse(o.emit());
		if (target.isGpu() && level == null) {
			return GpuBuild.run(o, target, workspace, out);
		}
		JsonArray manifest = new JsonArray();
		boolean found = o.function() == null;
		int failures = 0;
		for (Map.Entry<Path, XtextResource> entry : workspace.requested().entrySet()) {
			List<FunctionDef> functions = functions(entry.getValue(), o.function());
			found |= !functions.isEmpty();
			String base = entry.getKey().getFileName().toString().replaceAll("\\.forge$", "");
			if (level != null) {
				String text = Ir.print(entry.getValue(), level, o.dumpAfter(), o.function(), target);
				emitText(o, out, entry.getKey(), base + "." + level.id(), text, manifest, null);
				continue;
			}
			for (FunctionDef def : functions) {
				Pipeline.Compiled compiled;
				try {
					compiled = Ir.compile(entry.getValue(), def, Ir.hostTarget(), (stage, t) -> {
					});
				} catch (LoweringException e) {
					out.println(entry.getKey() + ":" + e.range().line() + ":" + e.range().column() + ": cannot compile '" + def.getName() + "': "
							+ e.getMessage());
					failures++;
					continue;
				}
				HostEmit.Kind kind = HostEmit.Kind.of(o.emit());
				String name = base + "." + def.getName() + "." + kind.extension();
				if (o.out() == null) {
					emitText(o, out, entry.getKey(), name, kind == HostEmit.Kind.LLVM ? HostEmit.llvmIr(compiled.tile(), true)
							: HostEmit.assembly(compiled.tile()), manifest, null);
				} else {
					try {
						Files.createDirectories(o.out());
						HostEmit.write(compiled.tile(), kind, o.out().resolve(name));
					} catch (IOException e) {
						throw new UsageException("cannot write " + o.out().resolve(name) + ": " + e.getMessage());
					}
					JsonObject item = item(entry.getKey(), name);
					item.addProperty("function", def.getName());
					JsonArray kernels = new JsonArray();
					for (Kernel k : compiled.tile().kernels()) {
						kernels.add(KernelAbi.symbol(compiled.tile(), k));
					}
					item.add("kernels", kernels);
					manifest.add(item);
				}
			}
		}
		if (!found) {
			throw new UsageException("no function '" + o.function() + "' in " + o.paths());
		}
		if (o.out() != null) {
			writeManifest(o, manifest, List.of("llvm", "asm", "obj").contains(o.emit()) ? HOST_ABI : null);
			out.println("wrote " + manifest.size() + " file" + (manifest.size() == 1 ? "" : "s") + " and manifest.json to " + o.out());
		}
		return failures > 0 ? 1 : 0;
	}

	private static void emitText(Options o, PrintStream out, Path source, String name, String text, JsonArray manifest, String function) {
		if (o.out() == null) {
			out.println("// " + source + (function == null ? "" : " " + function));
			out.print(text);
			return;
		}
		try {
			Files.createDirectories(o.out());
			Files.writeString(o.out().resolve(name), text);
		} catch (IOException e) {
			throw new UsageException("cannot write " + o.out().resolve(name) + ": " + e.getMessage());
		}
		manifest.add(item(source, name));
	}

	private static JsonObject item(Path source, String file) {
		JsonObject item = new JsonObject();
		item.addProperty("source", source.toString());
		item.addProperty("file", file);
		return item;
	}

	/** The calling convention of host kernels, for the manifest (see docs/compiler.md). */
	private static final String HOST_ABI = "void KERNEL(i64 first_program, i64 end_program, ptr args): args holds one record "
			+ "{ptr data; i64 extent[rank]} per kernel argument, in order (see docs/compiler.md)";

	/** manifest.json in --out: the files written, and {@code abi} (null for IR levels) the kernels' calling convention. */
	static void writeManifest(Options o, JsonArray files, String abi) {
		JsonObject m = new JsonObject();
		m.addProperty("forge", o.version());
		m.addProperty("target", o.target() == null ? "host" : o.target());
		m.addProperty("emit", o.emit());
		if (abi != null) {
			m.addProperty("abi", abi);
		}
		m.add("files", files);
		try {
			Files.writeString(o.out().resolve("manifest.json"), new GsonBuilder().setPrettyPrinting().create().toJson(m) + "\n");
		} catch (IOException e) {
			throw new UsageException("cannot write " + o.out().resolve("manifest.json") + ": " + e.getMessage());
		}
	}

	/** The file's top-level functions, or only the one named {@code only}. */
	static List<FunctionDef> functions(XtextResource resource, String only) {
		List<FunctionDef> out = new ArrayList<>();
		if (!resource.getContents().isEmpty() && resource.getContents().get(0) instanceof Module module) {
			for (EObject item : module.getBody()) {
				if (item instanceof FunctionDef def && def.getName() != null && (only == null || only.equals(def.getName()))) {
					out.add(def);
				}
			}
		}
		return out;
	}
}
