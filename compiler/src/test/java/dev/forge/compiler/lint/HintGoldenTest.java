package dev.forge.compiler.lint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.forge.compiler.GoldenFiles;
import dev.forge.compiler.Pipeline;
import dev.forge.compiler.graph.Forge;
import dev.forge.compiler.graph.Lowering;
import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.kernel.KernelLowering;
import dev.forge.compiler.tile.LayoutAssignment;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.forge.FunctionDef;
import dev.forge.targets.Target;
import dev.forge.targets.Targets;

/**
 * Each {@code src/test/resources/hint/*.forge} file, every function compiled for the h100 and h200 chip
 * descriptions: its schedule hint (FORGE-L-HINT, {@link ScheduleHints}: position and message, which must be
 * deterministic), in the {@code .hint} file beside it. Regenerate with {@code -Dforge.updateGolden=true}.
 */
class HintGoldenTest {

	private static final Path DIR = Path.of("src/test/resources/hint");

	@TestFactory
	Stream<DynamicTest> eachFileHintsToItsGolden() throws IOException {
		return GoldenFiles.eachForgeFile(DIR, "hint", "schedule hints", HintGoldenTest::hintAll);
	}

	static String hintAll(Forge.Checked checked) {
		StringBuilder out = new StringBuilder();
		for (FunctionDef def : checked.functions()) {
			out.append("# ").append(def.getName()).append('\n');
			boolean kernel = checked.types().signatureOf(def) != null && checked.types().signatureOf(def).kernel();
			for (String name : List.of("h100", "h200")) {
				Target target = Targets.builtin().get(name);
				TileFunction tile;
				try {
					tile = kernel ? LayoutAssignment.apply(KernelLowering.lower(def, checked.types(), target), target)
							: Pipeline.compile(Lowering.lower(def, checked.types()), target, (stage, t) -> {
							}).tile();
				} catch (LoweringException e) {
					out.append("not compiled: ").append(e.located()).append('\n');
					break;
				}
				List<String> log = new ArrayList<>();
				for (LintDiagnostic d : Lints.hints(tile, target, log::add)) {
					out.append(name).append(' ').append(d.range().line()).append(':').append(d.range().column()).append(' ')
							.append(d.severity().name().toLowerCase()).append(" [").append(d.code()).append("] ").append(d.message()).append('\n');
				}
				log.forEach(l -> out.append("log: ").append(l).append('\n'));
			}
		}
		return out.toString();
	}
}
