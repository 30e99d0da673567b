package dev.forge.compiler.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.graph.Forge;
import dev.forge.compiler.kernel.KernelLowering;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.LayoutAssignment;
import dev.forge.compiler.tile.SharedRegions;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.targets.Target;
import dev.forge.targets.Targets;

/**
 * What the sample GEMM (128x128 tiles, k = 32, 3 stages) asks of Hopper, worked out by hand: the
 * shared-memory plan (one ring of 3 stages per operand, the prologue's copies in the ring slots the
 * loop would have used, 1024-byte aligned, one mbarrier per slot after the regions) and the TMA
 * tensor maps the launcher encodes (a 128x32 box of A in the 64-byte swizzle, a 32x64 box of B, one
 * per 64-column panel, in the 128-byte swizzle).
 */
class HopperPlanTest {

	private static final Target H100 = Targets.builtin().get("h100");

	private static Kernel gemm() throws Exception {
		Forge.Checked checked = Forge.check("gemm.forge", Files.readString(Path.of("src/test/resources/gpu/gemm.forge")));
		TileFunction f = LayoutAssignment.apply(KernelLowering.lower(checked.function("gemm"), checked.types(), H100), H100);
		return f.kernels().get(0);
	}

	@Test
	void threeStagesTakeThreeRegionsPerOperandAndAnMbarrierPerSlot() throws Exception {
		Kernel k = gemm();
		SharedRegions plan = SharedRegions.of(k);
		List<Stmt.AsyncCopy> copies = new ArrayList<>();
		Stmt.flatten(k.body()).forEach(s -> {
			if (s instanceof Stmt.AsyncCopy a) {
				copies.add(a);
			}
		});
		assertEquals(6, copies.size(), "2 prologue stages and 1 in the loop, for A and for B");
		long aBytes = 128 * 32 * 2, bBytes = 32 * 128 * 2;
		List<Long> aOffsets = new ArrayList<>(), bOffsets = new ArrayList<>();
		for (Stmt.AsyncCopy c : copies) {
			assertTrue(c.bulk(), "every operand copy is a TMA copy: " + c);
			SharedRegions.Region r = plan.of(c.result().id());
			assertEquals(0, r.offset() % 1024, "wgmma's swizzle atoms need 1024-byte alignment");
			(c.arg().equals("A") ? aOffsets : bOffsets).add(r.offset());
		}
		// Prologue stages 0 and 1 go to ring slots 1 and 2; the loop's copy (ring of 3) starts at slot 0.
		long a = aOffsets.get(2), b = bOffsets.get(2);
		assertEquals(List.of(a + aBytes, a + 2 * aBytes, a), aOffsets);
		assertEquals(List.of(b + bBytes, b + 2 * bBytes, b), bOffsets);
		assertEquals(6, plan.barrierCount());
		assertEquals(3 * (aBytes + bBytes), plan.barrierOffset());
		assertEquals(3 * (aBytes + bBytes) + 6 * 8, plan.bytes());
		// A slot's mbarrier is the ring's first plus 8 bytes per slot, for the prologue's stages too.
		SharedRegions.Region ring = plan.of(copies.get(4).result().id());
		assertEquals(ring.barrier() + 8, plan.of(copies.get(0).result().id()).barrier());
		assertEquals(ring.barrier() + 16, plan.of(copies.get(2).result().id()).barrier());
	}

	@Test
	void tensorMapsAreOneBoxPerPanelInTheRowsSwizzle() throws Exception {
		assertEquals(List.of(new GpuAbi.TensorMap(0, List.of(128, 32), 2, 64), new GpuAbi.TensorMap(1, List.of(32, 64), 2, 128)),
				GpuAbi.tensorMaps(gemm()));
	}
}
