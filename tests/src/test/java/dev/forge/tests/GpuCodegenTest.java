package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.gpu.GpuCodegen;
import dev.forge.compiler.gpu.GpuModule;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.driver.Ir;
import dev.forge.driver.Workspace;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.targets.Target;
import dev.forge.targets.Targets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.resource.XtextResource;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every function of every sample compiles for the H100 to GPU Tile IR equal to its golden text
 * (tests/src/test/resources/golden/samples-h100; regenerate with -Dforge.updateGolden=true), and
 * every function of the samples and of resources/gpu/dtypes.forge to PTX that the CUDA toolkit's
 * {@code ptxas} assembles for the chip's SM: code generation is checked on every build, without a GPU.
 */
class GpuCodegenTest {

	private static final Path GOLDEN = Sources.RESOURCES.resolve("golden/samples-h100");
	private static final Path OUT = Sources.ROOT.resolve("tests/target/gpu-ptx");

	@TestFactory
	Stream<DynamicTest> everySampleHasGoldenGpuTileIr() {
		Target h100 = Targets.builtin().get("h100");
		Workspace workspace = Workspace.load(List.of(Sources.ROOT.resolve("samples")));
		return workspace.requested().entrySet().stream().sorted(Map.Entry.comparingByKey())
				.map(e -> DynamicTest.dynamicTest(e.getKey().getFileName().toString(), () -> {
					String ir = Ir.print(e.getValue(), Ir.Level.TILE, null, null, h100);
					Path golden = GOLDEN.resolve(e.getKey().getFileName().toString().replaceAll("\\.forge$", ".ir"));
					if (Sources.updateGolden() || !Files.exists(golden)) {
						Files.writeString(golden, ir);
						if (!Sources.updateGolden()) {
							throw new AssertionError("wrote missing golden file " + golden + "; review it and run again");
						}
					}
					assertEquals(Files.readString(golden), ir, "GPU Tile IR of " + e.getKey());
				}));
	}

	@TestFactory
	Stream<DynamicTest> everySampleFunctionAssemblesWithPtxas() {
		Target h100 = Targets.builtin().get("h100");
		// The samples, and a file of dtype and math cases the samples do not reach.
		Workspace workspace = Workspace.load(List.of(Sources.ROOT.resolve("samples"), Sources.RESOURCES.resolve("gpu/dtypes.forge")));
		List<DynamicTest> tests = new ArrayList<>();
		workspace.requested().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
			for (FunctionDef def : functions(e.getValue())) {
				String name = e.getKey().getFileName().toString().replaceAll("\\.forge$", "") + "." + def.getName();
				TileFunction tile;
				try {
					tile = Ir.compile(e.getValue(), def, h100, (stage, text) -> {
					}).tile();
				} catch (LoweringException notLowered) {
					// Not lowered for any target yet (the golden IR says why): nothing for the GPU backend to assemble.
					continue;
				}
				tests.add(DynamicTest.dynamicTest(name, () -> assemble(name, tile, h100)));
			}
		});
		return tests.stream();
	}

	private static void assemble(String name, TileFunction tile, Target target) throws Exception {
		GpuModule module = GpuCodegen.compile(tile, target);
		assertEquals(tile.kernels().size(), module.kernels().size());
		Files.createDirectories(OUT);
		Path ptx = OUT.resolve(name + ".ptx");
		Files.writeString(ptx, module.ptx());
		for (GpuModule.GpuKernel k : module.kernels()) {
			assertTrue(module.ptx().contains(".entry " + k.symbol()), "PTX has an entry for " + k.symbol());
			assertTrue(k.sharedBytes() <= target.sharedMemoryPerBlock(), k.symbol() + " needs " + k.sharedBytes()
					+ " bytes of shared memory, more than the chip's " + target.sharedMemoryPerBlock());
		}
		Process p = new ProcessBuilder("ptxas", "-arch=" + module.smVersion(), "-o", OUT.resolve(name + ".cubin").toString(),
				ptx.toString()).redirectErrorStream(true).start();
		String log = new String(p.getInputStream().readAllBytes());
		assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ptxas timed out on " + ptx);
		assertEquals(0, p.exitValue(), "ptxas rejected " + ptx + ":\n" + log);
	}

	static List<FunctionDef> functions(XtextResource resource) {
		List<FunctionDef> out = new ArrayList<>();
		if (!resource.getContents().isEmpty() && resource.getContents().get(0) instanceof Module module) {
			for (EObject item : module.getBody()) {
				if (item instanceof FunctionDef def && def.getName() != null) {
					out.add(def);
				}
			}
		}
		return out;
	}
}
