package dev.forge.driver;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.eclipse.xtext.resource.XtextResource;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.gpu.GpuCodegen;
import dev.forge.compiler.gpu.GpuModule;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.Index;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.KernelArg;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.FunctionDef;
import dev.forge.profiler.Dims;
import dev.forge.targets.Target;
import dev.forge.types.Dim;

/**
 * `forge bundle FILE --fn NAME... --target h100|h200 [--dims ...] --out DIR [--with-runtime]`: an
 * ahead-of-time bundle, a folder that runs the functions' kernels on a GPU machine that has only the
 * NVIDIA driver (no compiler, Maven or LLVM):
 * <pre>
 * DIR/forge            the launcher: DIR/forge run|profile src/FILE --fn NAME --target gpu ...
 * DIR/manifest.json    kernels, arguments, launch grids, block sizes, shared memory, content hashes
 * DIR/src/             the source and the .forge files beside it (the workspace it links with)
 * DIR/kernels/         NAME.ptx per function (and NAME.cubin when ptxas is on PATH)
 * DIR/lib/             Forge's jars and dependencies without LLVM's natives
 * DIR/runtime[.tar.xz] with --with-runtime: a jlinked Java runtime
 * </pre>
 */
public final class BundleCommand {

	/** The most a bundle may weigh, so that it travels where the GPU machine takes at most 64 MiB with room to spare. */
	static final long LIMIT_BYTES = 48L << 20;

	/** What a bundle folder holds: replaced when the same --out is bundled again, nothing else touched. */
	private static final List<String> PARTS = List.of(BundleManifest.FILE, "forge", Bundle.SOURCES, Bundle.KERNELS, "lib", RuntimeImage.FOLDER,
			RuntimeImage.ARCHIVE);

	public record Options(Path file, List<String> functions, String target, String dims, Path out, boolean withRuntime, String version) {
	}

	private BundleCommand() {
	}

	public static int run(Options o, PrintStream out) {
		if (o.file() == null) {
			throw new UsageException("bundle needs a file: forge bundle FILE --fn NAME --target " + String.join("|", GpuTargets.names()) + " --out DIR");
		}
		if (o.functions().isEmpty()) {
			throw new UsageException("bundle needs --fn NAME (one or more)");
		}
		if (o.target() == null || o.target().equals(GpuTargets.ATTACHED)) {
			throw new UsageException("bundle needs the chip to compile for: --target " + String.join("|", GpuTargets.names()));
		}
		if (o.out() == null) {
			throw new UsageException("bundle needs --out DIR");
		}
		if (!Files.isRegularFile(o.file())) {
			throw new UsageException("no such file: " + o.file());
		}
		Target target = GpuTargets.named(o.target());
		Map<String, Long> dims = o.dims() == null ? Map.of() : parseDims(o.dims());
		Workspace workspace = Workspace.load(List.of(o.file()));
		if (RunCommand.reportErrors(Checker.check(workspace), "bundle", out)) {
			return 1;
		}
		XtextResource resource = workspace.requested().values().iterator().next();
		// Everything is compiled before the folder is touched: a function that does not compile leaves no half bundle.
		Map<FunctionDef, Compiled> compiled = new LinkedHashMap<>();
		for (String name : o.functions()) {
			FunctionDef def = RunCommand.function(resource, name, o.file());
			try {
				Pipeline.Compiled ir = Ir.compile(resource, def, target, dims, (stage, t) -> {
				});
				compiled.put(def, new Compiled(ir, GpuCodegen.compile(ir.tile(), target, o.file().getFileName().toString())));
			} catch (LoweringException e) {
				out.println(o.file() + ":" + e.range().line() + ":" + e.range().column() + ": cannot compile '" + name + "' for " + target.name() + ": "
						+ e.getMessage());
				return 1;
			} catch (UnsupportedOperationException e) {
				out.println(o.file() + ": cannot compile '" + name + "' for " + target.name() + ": " + e.getMessage());
				return 1;
			}
		}
		try {
			return write(o, target, dims, compiled, out);
		} catch (IOException e) {
			throw new UsageException("cannot write the bundle to " + o.out() + ": " + e.getMessage());
		}
	}

	private record Compiled(Pipeline.Compiled ir, GpuModule module) {
	}

	private static int write(Options o, Target target, Map<String, Long> dims, Map<FunctionDef, Compiled> compiled, PrintStream out)
			throws IOException {
		Path dir = o.out();
		prepare(dir);
		Path ptxas = Ptxas.find().orElse(null);
		Files.createDirectories(dir.resolve(Bundle.KERNELS));
		List<BundleManifest.Function> functions = new ArrayList<>();
		String sm = null;
		for (Map.Entry<FunctionDef, Compiled> e : compiled.entrySet()) {
			String name = e.getKey().getName();
			GpuModule module = e.getValue().module();
			sm = module.smVersion();
			String ptx = Bundle.KERNELS + "/" + name + ".ptx";
			Files.writeString(dir.resolve(ptx), module.ptx());
			String cubin = null;
			if (ptxas != null) {
				cubin = Bundle.KERNELS + "/" + name + ".cubin";
				Ptxas.assemble(ptxas, module.ptx(), module.smVersion(), dir.resolve(cubin));
			}
			functions.add(function(name, e.getValue(), ptx, cubin, target, o.version()));
		}
		List<String> sources = copySources(o.file(), dir.resolve(Bundle.SOURCES));
		List<Path> jars = BundleLibraries.copy(dir.resolve("lib"));
		writeLauncher(dir.resolve("forge"));
		String runtime = o.withRuntime() ? RuntimeImage.add(dir, LIMIT_BYTES) : null;
		BundleManifest manifest = new BundleManifest(BundleManifest.FORMAT, o.version(), target.name(), sm,
				Bundle.SOURCES + "/" + o.file().getFileName(), sources, dims, runtime, functions);
		manifest.write(dir.resolve(BundleManifest.FILE));

		long size = FileTrees.size(dir);
		int kernelCount = functions.stream().mapToInt(f -> f.kernels().size()).sum();
		out.println("bundled    " + String.join(", ", functions.stream().map(BundleManifest.Function::name).toList()) + " (" + kernelCount
				+ (kernelCount == 1 ? " kernel" : " kernels") + ") for " + target.name() + " (" + sm + ") into " + dir);
		out.println("kernels    " + (ptxas != null ? "PTX and cubin (ptxas " + ptxas + ")" : "PTX only (no ptxas on PATH; the driver compiles it on first load)"));
		out.println("lib        " + jars.size() + " jars, " + FileTrees.mib(FileTrees.size(dir.resolve("lib"))) + " (without LLVM's natives)");
		out.println("runtime    " + (runtime == null ? "none: the GPU machine needs a JDK 25 on JAVA_HOME or PATH (or bundle --with-runtime)"
				: runtime + ", " + FileTrees.mib(FileTrees.size(dir.resolve(runtime)))
						+ (runtime.equals(RuntimeImage.ARCHIVE) ? " (unpacked by DIR/forge on first use)" : "")));
		out.println("size       " + FileTrees.mib(size) + " (limit " + FileTrees.mib(LIMIT_BYTES) + ")");
		Map<String, Long> firstDims = new LinkedHashMap<>();
		dev.forge.profiler.HostRunner.freeDims(compiled.values().iterator().next().ir().tile()).forEach(d -> {
			if (dims.containsKey(d)) {
				firstDims.put(d, dims.get(d));
			}
		});
		out.println("run there  " + dir.resolve("forge") + " run " + manifest.source() + " --fn " + functions.get(0).name() + " --target gpu"
				+ (firstDims.isEmpty() ? "" : " --dims " + Dims.format(firstDims)));
		if (size > LIMIT_BYTES) {
			out.println("warning    the bundle is over the " + FileTrees.mib(LIMIT_BYTES) + " limit");
		}
		return 0;
	}

	/** Creates {@code dir}, or empties a bundle made there before; refuses a folder that holds anything else. */
	private static void prepare(Path dir) throws IOException {
		if (Files.isDirectory(dir) && !isBundle(dir)) {
			try (Stream<Path> list = Files.list(dir)) {
				if (list.findAny().isPresent()) {
					throw new UsageException("--out " + dir + " holds files and is not a Forge bundle: give a new or empty folder");
				}
			}
		}
		for (String part : PARTS) {
			FileTrees.delete(dir.resolve(part));
		}
		Files.createDirectories(dir);
	}

	/** Whether {@code dir} holds a bundle's manifest (not, say, the manifest.json of forge build --out). */
	private static boolean isBundle(Path dir) {
		if (!Files.isRegularFile(dir.resolve(BundleManifest.FILE))) {
			return false;
		}
		try {
			return Bundle.open(dir).manifest().functions() != null;
		} catch (UsageException e) {
			return false;
		}
	}

	private static BundleManifest.Function function(String name, Compiled c, String ptx, String cubin, Target target, String version) {
		TileFunction tile = c.ir().tile();
		List<BundleManifest.Argument> arguments = new ArrayList<>();
		for (Buffer b : tile.buffers()) {
			if (b.role() == Buffer.Role.INPUT || b.role() == Buffer.Role.OUTPUT) {
				arguments.add(new BundleManifest.Argument(b.name(), b.role() == Buffer.Role.INPUT ? "input" : "output", dims(b.shape()),
						b.dtype().sourceName()));
			}
		}
		List<BundleManifest.KernelEntry> kernels = new ArrayList<>();
		for (Kernel k : tile.kernels()) {
			GpuModule.GpuKernel g = c.module().kernels().stream().filter(x -> x.kernel().equals(k.name())).findFirst()
					.orElseThrow(() -> new IllegalStateException("the GPU module of '" + name + "' has no kernel " + k.name()));
			List<BundleManifest.KernelArgument> args = new ArrayList<>();
			for (KernelArg a : k.args()) {
				args.add(new BundleManifest.KernelArgument(a.name(), a.buffer(), dims(a.shape()), a.dtype().sourceName(), a.output()));
			}
			kernels.add(new BundleManifest.KernelEntry(k.name(), g.symbol(), k.grid().stream().map(Index::print).toList(), g.threadsPerBlock(),
					g.sharedBytes(), args, KernelHash.of(k, c.ir().schedule(), target, version)));
		}
		return new BundleManifest.Function(name, c.ir().graph() == null ? "kernel" : "jit", ptx, cubin, arguments, kernels);
	}

	private static List<String> dims(List<Dim> shape) {
		return shape.stream().map(Dim::toString).toList();
	}

	/** The source and the .forge files beside it: the workspace forge loads for it, so that imports link as they did here. */
	private static List<String> copySources(Path file, Path to) throws IOException {
		Files.createDirectories(to);
		Path folder = file.toAbsolutePath().getParent();
		List<String> copied = new ArrayList<>();
		try (Stream<Path> list = Files.list(folder)) {
			for (Path p : list.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".forge")).sorted().toList()) {
				Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
				copied.add(Bundle.SOURCES + "/" + p.getFileName());
			}
		}
		return copied;
	}

	private static void writeLauncher(Path launcher) throws IOException {
		try (InputStream in = BundleCommand.class.getResourceAsStream("bundle-launcher.sh")) {
			if (in == null) {
				throw new IllegalStateException("the bundle launcher is missing from Forge's jar");
			}
			Files.copy(in, launcher, StandardCopyOption.REPLACE_EXISTING);
		}
		Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
	}

	private static Map<String, Long> parseDims(String text) {
		try {
			return Dims.parse(text);
		} catch (IllegalArgumentException e) {
			throw new UsageException("--dims: " + e.getMessage());
		}
	}
}
