package dev.forge.compiler.lint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
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
 * Each {@code src/test/resources/lint/*.forge} file, every function compiled for the h100 chip
 * description and linted: the findings (code, severity, position, message, related ranges, fixes)
 * and the bank table of every shared access (wavefronts per warp request and the ideal: the numbers a
 * GPU run compares with ncu), in the {@code .lint} file beside it. Regenerate with
 * {@code -Dforge.updateGolden=true} and review the diff.
 */
class LintGoldenTest {

	private static final Path DIR = Path.of("src/test/resources/lint");
	private static final Target H100 = Targets.builtin().get("h100");
	private static final Pattern NAMED = Pattern.compile("^tile\\.(?:store|load)\\(\\s*([A-Za-z_]\\w*)");

	@TestFactory
	Stream<DynamicTest> eachFileLintsToItsGolden() throws IOException {
		return GoldenFiles.eachForgeFile(DIR, "lint", "kernel lints", LintGoldenTest::lintAll);
	}

	static String lintAll(Forge.Checked checked) {
		String text = NodeModelUtils.getNode(checked.module()).getRootNode().getText();
		Lints.BufferNames names = r -> {
			Matcher m = NAMED.matcher(text.substring(r.offset(), Math.min(text.length(), r.offset() + r.length())));
			return m.find() ? m.group(1) : null;
		};
		StringBuilder out = new StringBuilder();
		for (FunctionDef def : checked.functions()) {
			out.append("# ").append(def.getName()).append('\n');
			boolean kernel = checked.types().signatureOf(def) != null && checked.types().signatureOf(def).kernel();
			TileFunction tile;
			try {
				tile = kernel ? LayoutAssignment.apply(KernelLowering.lower(def, checked.types(), H100), H100)
						: Pipeline.compile(Lowering.lower(def, checked.types()), H100, (stage, t) -> {
						}).tile();
			} catch (LoweringException e) {
				out.append("not compiled: ").append(e.located()).append('\n');
				continue;
			}
			List<String> log = new ArrayList<>();
			for (LintDiagnostic d : Lints.check(tile, H100, kernel, names, log::add)) {
				out.append(d.range().line()).append(':').append(d.range().column()).append(' ').append(d.severity().name().toLowerCase())
						.append(" [").append(d.code()).append("] ").append(d.message()).append('\n');
				for (LintDiagnostic.Related r : d.related()) {
					out.append("  related ").append(r.range().line()).append(':').append(r.range().column()).append(' ').append(r.message())
							.append('\n');
				}
				for (LintDiagnostic.Fix f : d.fixes()) {
					out.append("  fix ").append(f.kind()).append(" at ").append(f.anchor().line()).append(':').append(f.anchor().column())
							.append(": ").append(f.text()).append('\n');
				}
			}
			log.forEach(l -> out.append("log: ").append(l).append('\n'));
			for (String line : Lints.bankTable(tile, H100)) {
				out.append("bank ").append(line).append('\n');
			}
			tile.kernels().forEach(k -> out.append("shared @").append(k.name()).append(": ").append(Lints.sharedBytes(k)).append(" B, threads ")
					.append(k.threads().count()).append('\n'));
		}
		return out.toString();
	}
}
