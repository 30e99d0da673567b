package dev.forge.driver;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.eclipse.xtext.resource.XtextResource;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.gpu.GpuCodegen;
import dev.forge.compiler.gpu.GpuAbi;
import dev.forge.compiler.gpu.GpuModule;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.forge.FunctionDef;
import dev.forge.targets.Target;

/**
 * `forge build --target h100|h200 --emit llvm|ptx|cubin`: each function through the same front end
 * as the host (Tile IR for the GPU's chip description), then {@link GpuCodegen}; printed, or with
 * --out written one file per function plus the manifest (kernel symbols, block sizes, shared memory).
 */
final class GpuBuild {

	/** What --emit asks of a GPU target: the LLVM IR, the PTX, or a cubin assembled by ptxas. */
	static final List<String> EMITS = List.of("llvm", "ptx", "cubin");

	/** The calling convention, for the manifest (defined by dev.forge.compiler.gpu.GpuAbi). */
	static final String ABI = ".entry KERNEL(i64 programs, then per kernel argument: u64 data, i64 extent[rank]); launch min(programs, 2^31-1) "
			+ "blocks of threads_per_block threads with shared_bytes of dynamic shared memory; each block loops over its programs";

	private GpuBuild() {
	}

	static int run(BuildCommand.Options o, Target target, Workspace workspace, PrintStream out) {
		Path ptxas = o.emit().equals("cubin") ? Ptxas.require() : null;
		JsonArray manifest = new JsonArray();
		boolean found = o.function() == null;
		int failures = 0;
		for (Map.Entry<Path, XtextResource> entry : workspace.requested().entrySet()) {
			List<FunctionDef> functions = BuildCommand.functions(entry.getValue(), o.function());
			found |= !functions.isEmpty();
			String base = entry.getKey().getFileName().toString().replaceAll("\\.forge$", "");
			for (FunctionDef def : functions) {
				GpuModule module;
				try {
					Pipeline.Compiled compiled = Ir.compile(entry.getValue(), def, target, (stage, t) -> {
					});
					module = GpuCodegen.compile(compiled.tile(), target, entry.getKey().toAbsolutePath().toString());
				} catch (LoweringException e) {
					out.println(entry.getKey() + ":" + e.range().line() + ":" + e.range().column() + ": cannot compile '" + def.getName() + "' for "
							+ target.name() + ": " + e.getMessage());
					failures++;
					continue;
				} catch (UnsupportedOperationException e) {
					out.println(entry.getKey() + ": cannot compile '" + def.getName() + "' for " + target.name() + ": " + e.getMessage());
					failures++;
					continue;
				}
				String name = base + "." + def.getName() + "." + extension(o.emit());
				if (o.out() == null) {
					out.println("// " + entry.getKey() + " " + def.getName());
					out.print(o.emit().equals("llvm") ? module.llvmIr() : module.ptx());
					continue;
				}
				write(o, module, name, ptxas);
				manifest.add(item(entry.getKey(), name, module));
			}
		}
		if (!found) {
			throw new UsageException("no function '" + o.function() + "' in " + o.paths());
		}
		if (o.out() != null) {
			BuildCommand.writeManifest(o, manifest, ABI);
			out.println("wrote " + manifest.size() + " file" + (manifest.size() == 1 ? "" : "s") + " and manifest.json to " + o.out());
		}
		return failures > 0 ? 1 : 0;
	}

	static String extension(String emit) {
		return switch (emit) {
			case "llvm" -> "ll";
			case "ptx" -> "ptx";
			default -> "cubin";
		};
	}

	private static void write(BuildCommand.Options o, GpuModule module, String name, Path ptxas) {
		Path file = o.out().resolve(name);
		try {
			Files.createDirectories(o.out());
			switch (o.emit()) {
				case "llvm" -> Files.writeString(file, module.llvmIr());
				case "ptx" -> Files.writeString(file, module.ptx());
				default -> Ptxas.assemble(ptxas, module.ptx(), module.smVersion(), file);
			}
		} catch (IOException e) {
			throw new UsageException("cannot write " + file + ": " + e.getMessage());
		}
	}

	private static JsonObject item(Path source, String file, GpuModule module) {
		JsonObject item = new JsonObject();
		item.addProperty("source", source.toString());
		item.addProperty("file", file);
		item.addProperty("function", module.function());
		item.addProperty("sm", module.smVersion());
		JsonArray kernels = new JsonArray();
		for (GpuModule.GpuKernel k : module.kernels()) {
			JsonObject kernel = new JsonObject();
			kernel.addProperty("symbol", k.symbol());
			kernel.addProperty("kernel", k.kernel());
			kernel.addProperty("threads_per_block", k.threadsPerBlock());
			kernel.addProperty("shared_bytes", k.sharedBytes());
			// The TMA tensor maps the kernel takes after its 8-byte parameters (GpuAbi).
			JsonArray maps = new JsonArray();
			for (GpuAbi.TensorMap m : k.tensorMaps()) {
				JsonObject map = new JsonObject();
				map.addProperty("arg", m.arg());
				JsonArray box = new JsonArray();
				m.box().forEach(box::add);
				map.add("box", box);
				map.addProperty("element_bytes", m.elementBytes());
				map.addProperty("swizzle_bytes", m.swizzleBytes());
				maps.add(map);
			}
			kernel.add("tensor_maps", maps);
			kernels.add(kernel);
		}
		item.add("kernels", kernels);
		return item;
	}
}
