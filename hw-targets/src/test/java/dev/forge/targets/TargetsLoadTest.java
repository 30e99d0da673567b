package dev.forge.targets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.forge.targets.TargetSchema.Kind;

/** Extra description files beside the built-in ones, and the schema's unit table. */
class TargetsLoadTest {

	@TempDir
	Path dir;

	@Test
	void anExtraFileExtendsABuiltinTarget() throws IOException {
		Path file = Files.writeString(dir.resolve("lab.forge"), """
				target lab_h100 extends h100:
				    "our H100, power-capped"
				    clock = 1.6 GHz
				    memory:
				        dram:
				            bandwidth = 3 TB/s
				    peak:
				        vector:
				            f32 = 54 TFLOP/s
				            f64 = 27 TFLOP/s
				""");
		Targets targets = Targets.load(List.of(file));
		Target lab = targets.get("lab_h100");
		assertEquals("our H100, power-capped", lab.description());
		assertEquals(3e12, lab.memoryBandwidth());
		assertEquals(80L << 30, lab.memorySize().getAsLong(), "inherited from h100");
		assertEquals(132, lab.sms());
		assertEquals(1.6e9, lab.clockHz());
		assertEquals(989.4e12, lab.peakFlops("bf16").getAsDouble());
		assertEquals(List.of("lab_h100", "h100", "nvidia_hopper"), lab.lineage());
		assertEquals(List.of("host", "h100", "h200", "lab_h100"), targets.names());
		assertEquals(List.of(), targets.warnings());
		// a file named twice is read once
		assertEquals(targets.names(), Targets.load(List.of(file, file.getParent().resolve("./lab.forge"))).names());
		// the built-in set is not changed by it
		assertTrue(Targets.builtin().find("lab_h100").isEmpty());
	}

	@Test
	void aDirectoryLoadsItsForgeFilesAndWarningsDoNotFail() throws IOException {
		Files.writeString(dir.resolve("a.forge"), """
				target my_base extends nvidia_hopper:
				    abstract = True
				    sms = 100
				""");
		Files.writeString(dir.resolve("b.forge"), """
				target my_gpu extends my_base:
				    clock = 1 GHz
				    colour = "green"
				    memory:
				        dram:
				            bandwidth = 1 TB/s
				    peak:
				        vector:
				            f32 = 25.6 TFLOP/s
				""");
		Files.writeString(dir.resolve("notes.txt"), "not a description");
		Targets targets = Targets.load(List.of(dir));
		assertEquals(List.of("host", "h100", "h200", "my_gpu"), targets.names());
		Target gpu = targets.get("my_gpu");
		assertEquals(100, gpu.sms());
		assertEquals("green", gpu.getString("colour"), "unknown fields are kept, read by their form");
		assertEquals(1, targets.warnings().size(), targets.warnings()::toString);
		assertTrue(targets.warnings().getFirst().matches(".*b\\.forge:3:5: warning\\[F0903\\]: unknown field 'colour' in target 'my_gpu'"),
				targets.warnings()::toString);
	}

	@Test
	void errorsFailTheLoadWithPositions() throws IOException {
		Path file = Files.writeString(dir.resolve("bad.forge"), """
				target bad extends h100:
				    memory:
				        dram:
				            bandwidth = 80 GiB
				""");
		TargetException e = assertThrows(TargetException.class, () -> Targets.load(List.of(file)));
		assertEquals(List.of(file + ":4:28: error[F0904]: 'bandwidth' is a bandwidth: expected a unit like GB/s or TB/s, found 'GiB'"), e.problems());
		assertTrue(e.getMessage().startsWith("cannot load targets: 1 error\n"), e.getMessage());
	}

	@Test
	void syntaxAndLinkErrorsFailTheLoad() throws IOException {
		Path file = Files.writeString(dir.resolve("broken.forge"), """
				target broken extends nosuch:
				    sms = 1
				""");
		TargetException e = assertThrows(TargetException.class, () -> Targets.load(List.of(file)));
		assertEquals(List.of(file + ":1:23: error[F0103]: unknown target 'nosuch'"), e.problems());
	}

	@Test
	void aSecondTargetOfTheSameNameFailsTheLoad() throws IOException {
		Path file = Files.writeString(dir.resolve("again.forge"), """
				target h100 extends nvidia_hopper:
				    abstract = True
				""");
		TargetException e = assertThrows(TargetException.class, () -> Targets.load(List.of(file)));
		assertEquals(List.of(file + ":1:1: error[F0201]: target 'h100' is already declared in h100.forge"), e.problems());
	}

	@Test
	void aMissingFileIsAClearError() {
		TargetException e = assertThrows(TargetException.class, () -> Targets.load(List.of(dir.resolve("nope.forge"))));
		assertEquals("no such target file: " + dir.resolve("nope.forge"), e.getMessage());
	}

	@Test
	void unitsConvertToBaseUnits() {
		assertEquals(new BigDecimal("1073741824"), TargetSchema.unit("GiB").orElseThrow().factor());
		assertEquals(Kind.BANDWIDTH, TargetSchema.unit("TB/s").orElseThrow().kind());
		assertEquals(0, new BigDecimal("1e12").compareTo(TargetSchema.unit("TB/s").orElseThrow().factor()));
		assertEquals(Kind.RATE, TargetSchema.unit("TOP/s").orElseThrow().kind());
		assertEquals(Kind.FREQUENCY, TargetSchema.unit("GHz").orElseThrow().kind());
		assertTrue(TargetSchema.unit("Gb/s").isEmpty(), "units are case-sensitive: Gb would be gigabits");
		assertEquals("227 KiB", TargetSchema.format(Kind.SIZE, 227L * 1024));
		assertEquals("3.35 TB/s", TargetSchema.format(Kind.BANDWIDTH, 3.35e12));
		assertEquals("1.98 GHz", TargetSchema.format(Kind.FREQUENCY, 1.98e9));
	}

	@Test
	void everyRequiredFieldIsDeclaredAndKnown() {
		assertEquals(List.of("kind", "clock", "cores", "isa.arch", "isa.triple", "vector.bits", "memory.dram.bandwidth", "peak.vector.f32"),
				TargetSchema.required("cpu").stream().map(TargetSchema.Field::path).toList());
		assertTrue(TargetSchema.required("gpu").stream().map(TargetSchema.Field::path).toList()
				.containsAll(List.of("sms", "isa.sm", "isa.ptx_version", "simt.warp_size", "memory.shared.per_block", "registers.per_thread")));
		for (TargetSchema.Field field : TargetSchema.all()) {
			assertEquals(field, TargetSchema.field(field.path()).orElseThrow());
			assertTrue(field.doc() != null && !field.doc().isBlank(), field.path());
		}
	}
}
