package dev.forge.compiler.tile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.forge.compiler.GoldenFiles;
import dev.forge.compiler.Pipeline;
import dev.forge.compiler.graph.Forge;
import dev.forge.compiler.graph.Lowering;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.kernel.KernelLowering;
import dev.forge.forge.FunctionDef;
import dev.forge.targets.Target;
import dev.forge.targets.Targets;

/**
 * Every function of each {@code src/test/resources/gpu/*.forge} file, compiled for the h100 chip
 * description: its Schedule IR (warps, pipeline stages) and its Tile IR with thread layouts, then
 * for every copy between registers and shared memory the bank wavefronts a warp's access takes
 * (computed by {@link LayoutMap} from the two layouts), all in the .tile file beside it.
 * Regenerate with {@code -Dforge.updateGolden=true} and review the diff.
 */
class GpuTileGoldenTest {

	private static final Path DIR = Path.of("src/test/resources/gpu");
	private static final Target H100 = Targets.builtin().get("h100");

	@TestFactory
	Stream<DynamicTest> eachFileCompilesToItsGoldenGpuTileIr() throws IOException {
		return GoldenFiles.eachForgeFile(DIR, "tile", "GPU Tile IR", GpuTileGoldenTest::compileAll);
	}

	static String compileAll(Forge.Checked checked) {
		StringBuilder out = new StringBuilder();
		for (FunctionDef def : checked.functions()) {
			if (!out.isEmpty()) {
				out.append('\n');
			}
			try {
				TileFunction tile;
				if (checked.types().signatureOf(def) != null && checked.types().signatureOf(def).kernel()) {
					tile = LayoutAssignment.apply(KernelLowering.lower(def, checked.types(), H100), H100);
				} else {
					Pipeline.Compiled c = Pipeline.compile(Lowering.lower(def, checked.types()), H100, (stage, text) -> {
						if (stage.equals("schedule")) {
							out.append(text);
						}
					});
					tile = c.tile();
				}
				java.util.List<String> problems = TileVerifier.verify(tile);
				if (!problems.isEmpty()) {
					throw new AssertionError(def.getName() + ": " + problems);
				}
				out.append(TilePrinter.print(tile));
				out.append(sharedAccesses(tile));
			} catch (LoweringException e) {
				out.append("# ").append(def.getName()).append(": not compiled: ").append(e.located()).append('\n');
			}
		}
		return out.toString();
	}

	/** One line per copy between a register tile and a shared one: the worst bank wavefronts of a warp's access. */
	static String sharedAccesses(TileFunction f) {
		StringBuilder out = new StringBuilder();
		for (Kernel k : f.kernels()) {
			for (Stmt s : Stmt.flatten(k.body())) {
				if (s instanceof Stmt.Copy c) {
					boolean toShared = c.result().type().space() == TileType.Space.SHARED;
					TileValue reg = toShared ? c.x() : c.result();
					TileValue shared = toShared ? c.result() : c.x();
					Layout.Swizzled sharedLayout = (Layout.Swizzled) k.threads().of(shared);
					int ways = k.threads().of(reg) instanceof Layout.DotOperand op
							? LayoutMap.ldmatrixWavefronts(op, sharedLayout, shared.type().shape(), H100.sharedMemoryBanks(), H100.sharedMemoryBankWidth())
							: LayoutMap.wavefronts((Layout.Blocked) k.threads().of(reg), sharedLayout, shared.type().shape(),
									shared.type().dtype().bits() / 8, H100.sharedMemoryBanks(), H100.sharedMemoryBankWidth());
					out.append("# @").append(k.name()).append(' ').append(c.result()).append(" = copy ").append(c.x())
							.append(toShared ? " (registers -> shared)" : k.threads().of(reg) instanceof Layout.DotOperand ? " (shared -> registers, ldmatrix)" : " (shared -> registers)").append(": ").append(ways)
							.append(ways == 1 ? " wavefront per access, conflict-free\n" : "-way bank conflict\n");
				}
			}
		}
		return out.toString();
	}
}
