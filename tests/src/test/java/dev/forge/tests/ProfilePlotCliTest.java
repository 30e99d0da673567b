package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `forge profile --plot FILE.svg`: the run as a labelled point under the target's roofline. */
class ProfilePlotCliTest {

	@Test
	void profileDrawsTheRunUnderTheHostRoofline(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("lin.forge"),
				"def lin(x: Tensor[\"B\", \"K\", f32], w: Tensor[\"K\", \"N\", f32]) -> Tensor[\"B\", \"N\", f32]:\n    return x @ w\n");
		ForgeCliTest.Result r = ForgeCliTest.forge(dir, Map.of(), "profile", "lin.forge", "--fn", "lin", "--dims", "B=64,K=64,N=64", "--plot",
				"plots/lin.svg");
		assertEquals(0, r.exit(), r.out() + r.err());
		assertTrue(r.out().contains("plot       plots/lin.svg"), r.out());
		String svg = Files.readString(dir.resolve("plots/lin.svg"));
		assertTrue(svg.startsWith("<svg ") && svg.strip().endsWith("</svg>"), svg);
		assertTrue(svg.contains("lin — roofline of host f32"), svg);
		assertTrue(svg.contains("compute ") && svg.contains("DRAM "), "both ceilings are drawn");
		assertTrue(svg.matches("(?s).*<circle [^>]*/>\\s*<text [^>]*>lin \\([0-9.]+ [kMGT]?FLOP/s, [0-9.]+% of roof\\)</text>.*"), svg);
	}

	@Test
	void jsonOutputStaysJsonWithAPlot(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("sq.forge"), "def sq(x: Tensor[\"N\", f32]) -> Tensor[\"N\", f32]:\n    return x * x\n");
		ForgeCliTest.Result r = ForgeCliTest.forge(dir, Map.of(), "run", "sq.forge", "--fn", "sq", "--dims", "N=1000", "--format", "json", "--plot",
				"sq.svg");
		assertEquals(0, r.exit(), r.out() + r.err());
		assertTrue(r.out().strip().startsWith("{") && r.out().strip().endsWith("}"), r.out());
		assertFalse(r.out().contains("plot "), r.out());
		assertTrue(Files.readString(dir.resolve("sq.svg")).contains("sq — roofline of host f32"));
	}
}
