package dev.forge.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.Stmt;
import dev.forge.targets.Target;
import dev.forge.targets.Targets;

/** What a kernel's content hash covers: its Tile IR, schedule, the chip's content (not its name) and Forge's version. */
class KernelHashTest {

	private static final Kernel KERNEL = new Kernel("k", List.of(), List.of(), List.<Stmt>of(), "default: h100 cost model", null);

	@Test
	void theChipCountsByContentNotByName() {
		Target h100 = Targets.builtin().get("h100");
		Target renamed = new Target("my_h100", h100.description(), List.of("my_h100"), h100.fields(), "mine.forge");
		Map<String, Object> faster = new LinkedHashMap<>(h100.fields());
		faster.put("memory.dram.bandwidth", 4.8e12);
		Target other = new Target("h100", h100.description(), h100.lineage(), faster, h100.source());

		String hash = KernelHash.of(KERNEL, null, h100, "0.1.0");
		assertTrue(hash.matches("sha256:[0-9a-f]{64}"), hash);
		assertEquals(hash, KernelHash.of(KERNEL, null, renamed, "0.1.0"));
		assertNotEquals(hash, KernelHash.of(KERNEL, null, other, "0.1.0"));
		assertNotEquals(hash, KernelHash.of(KERNEL, null, Targets.builtin().get("h200"), "0.1.0"));
		assertNotEquals(hash, KernelHash.of(KERNEL, null, h100, "0.1.1"));
	}

	@Test
	void theScheduleAndTheTileIrCount() {
		Target h100 = Targets.builtin().get("h100");
		Kernel otherSchedule = new Kernel("k", List.of(), List.of(), List.<Stmt>of(), "user: line 3", null);
		Kernel otherName = new Kernel("k2", List.of(), List.of(), List.<Stmt>of(), "default: h100 cost model", null);
		String hash = KernelHash.of(KERNEL, null, h100, "0.1.0");
		assertNotEquals(hash, KernelHash.of(otherSchedule, null, h100, "0.1.0"));
		assertNotEquals(hash, KernelHash.of(otherName, null, h100, "0.1.0"));
	}
}
