package dev.forge.targets;

import dev.forge.ForgeLanguage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.EcoreUtil2;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.junit.jupiter.api.Test;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.TargetDecl;

/** The built-in chip descriptions: they load, check clean and say the numbers a developer would check. */
class BuiltinTargetsTest {

	private static final double GiB = 1L << 30;
	private static final double KiB = 1024;

	private static final Targets TARGETS = Targets.builtin();

	@Test
	void everyBuiltinFileParsesAndChecksClean() {
		XtextResourceSet resourceSet = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		List<Resource> resources = Targets.loadBuiltins(resourceSet);
		EcoreUtil2.resolveAll(resourceSet);
		assertEquals(5, resources.size());
		List<String> problems = new ArrayList<>();
		TargetChecker checker = new TargetChecker();
		int decls = 0;
		for (Resource resource : resources) {
			resource.getErrors().forEach(e -> problems.add(resource.getURI().lastSegment() + ":" + e.getLine() + ": " + e.getMessage()));
			for (EObject object : (Iterable<EObject>) resource::getAllContents) {
				if (object instanceof TargetDecl decl) {
					decls++;
					for (SourceDiagnostic d : checker.check(decl)) {
						problems.add(resource.getURI().lastSegment() + ": " + d);
					}
				}
			}
		}
		assertEquals(List.of(), problems);
		assertEquals(5, decls);
		assertEquals(List.of(), TARGETS.warnings());
	}

	@Test
	void theIndexListsEveryDescriptionFile() throws IOException {
		List<String> onDisk;
		try (Stream<Path> listing = Files.list(Path.of("targets"))) {
			onDisk = listing.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".forge")).sorted().toList();
		}
		List<String> indexed = Targets.builtinFiles().stream().map(u -> u.getPath().substring(u.getPath().lastIndexOf('/') + 1)).sorted().toList();
		assertEquals(onDisk, indexed);
	}

	@Test
	void namesAreTheConcreteTargetsInIndexOrder() {
		assertEquals(List.of("host", "h100", "h200"), TARGETS.names());
		assertEquals(List.of("x86_64", "host", "nvidia_hopper", "h100", "h200"), TARGETS.allNames());
		assertTrue(TARGETS.findAny("nvidia_hopper").orElseThrow().flag("abstract"));
		assertTrue(TARGETS.find("nvidia_hopper").isEmpty());
	}

	@Test
	void h100() {
		Target h100 = TARGETS.get("h100");
		assertEquals("NVIDIA H100 SXM5 80GB", h100.description());
		assertEquals(List.of("h100", "nvidia_hopper"), h100.lineage());
		assertEquals("h100.forge", h100.source());
		assertEquals("gpu", h100.kind());
		assertTrue(h100.isGpu());
		assertFalse(h100.flag("abstract"), "abstract is not inherited");
		assertEquals(132, h100.sms());
		assertEquals(132, h100.processors());
		assertEquals(1.98e9, h100.clockHz());
		// memory
		assertEquals(3.35e12, h100.memoryBandwidth());
		assertEquals(3.35e12, h100.fields().get("memory.dram.bandwidth"));
		assertEquals(80 * (1L << 30), h100.memorySize().getAsLong());
		assertEquals("hbm3", h100.getString("memory.dram.type"));
		assertEquals(50L << 20, h100.cacheSize("l2").getAsLong());
		assertEquals(128, h100.cacheLine("l2").getAsLong());
		assertEquals(227 * KiB, h100.sharedMemoryPerBlock());
		assertEquals(228 * KiB, h100.sharedMemoryPerSm());
		assertEquals(48 * 1024L, h100.getLong("memory.shared.static_per_block"));
		assertEquals(32, h100.sharedMemoryBanks());
		assertEquals(4, h100.sharedMemoryBankWidth());
		// threads and registers
		assertEquals(32, h100.warpSize());
		assertEquals(4, h100.getLong("simt.sub_partitions"));
		assertEquals(1024, h100.maxThreadsPerBlock());
		assertEquals(65536, h100.registersPerSm());
		assertEquals(255, h100.maxRegistersPerThread());
		// instruction set
		assertEquals("nvptx64-nvidia-cuda", h100.triple());
		assertEquals("sm_90a", h100.smVersion());
		assertEquals("sm_90a", h100.llvmCpu());
		assertEquals(90, h100.computeCapability());
		assertEquals("8.0", h100.ptxVersion());
		assertEquals("+ptx80", h100.llvmFeatures());
		for (String feature : List.of("tma", "cp_async", "clusters", "fp8", "mbarrier")) {
			assertTrue(h100.hasFeature(feature), feature);
		}
		assertFalse(h100.hasFeature("avx512f"));
		assertTrue(h100.getList("matrix.mma").contains("m16n8k16"));
		assertTrue(h100.getList("matrix.dtypes").containsAll(List.of("f8e4m3", "f8e5m2", "bf16")));
		// peaks, dense
		assertEquals(989.4e12, h100.peakFlops("bf16").getAsDouble());
		assertEquals(989.4e12, h100.peakFlops("fp16").getAsDouble());
		assertEquals(1978.9e12, h100.peakFlops("f8e4m3").getAsDouble());
		assertEquals(1978.9e12, h100.peakFlops("e5m2").getAsDouble());
		assertEquals(1978.9e12, h100.peakFlops("int8").getAsDouble());
		assertEquals(494.7e12, h100.peakFlops("tf32").getAsDouble());
		assertEquals(66.9e12, h100.peakFlops("fp32").getAsDouble());
		assertEquals(66.9e12, h100.peakMatrixFlops("f64").getAsDouble());
		assertEquals(33.5e12, h100.peakVectorFlops("f64").getAsDouble());
		assertTrue(h100.peakMatrixFlops("f32").isEmpty(), "no f32 tensor-core rate: f32 dots run as tf32 or on CUDA cores");
		assertEquals(295.3, h100.ridgePoint("bf16").getAsDouble(), 0.1);
	}

	@Test
	void h200IsH100WithHbm3e() {
		Target h200 = TARGETS.get("h200");
		Target h100 = TARGETS.get("h100");
		assertEquals("NVIDIA H200 SXM 141GB", h200.description());
		assertEquals(List.of("h200", "h100", "nvidia_hopper"), h200.lineage());
		assertTrue(h200.isA("nvidia_hopper"));
		assertEquals(4.8e12, h200.memoryBandwidth());
		assertEquals(141 * (1L << 30), h200.memorySize().getAsLong());
		assertEquals("hbm3e", h200.getString("memory.dram.type"));
		assertEquals(132, h200.sms());
		assertEquals(h100.peakFlops("bf16"), h200.peakFlops("bf16"));
		assertEquals(h100.peakFlops("f8e4m3"), h200.peakFlops("f8e4m3"));
		assertEquals(h100.sharedMemoryPerBlock(), h200.sharedMemoryPerBlock());
		assertEquals(h100.smVersion(), h200.smVersion());
		// the same fields, only the memory differs
		assertEquals(h100.fields().keySet(), h200.fields().keySet());
		List<String> differing = h100.fields().keySet().stream().filter(k -> !h100.fields().get(k).equals(h200.fields().get(k))).toList();
		assertEquals(List.of("memory.dram.type", "memory.dram.size", "memory.dram.bandwidth"), differing);
		assertEquals(206.1, h200.ridgePoint("bf16").getAsDouble(), 0.1);
	}

	@Test
	void host() {
		Target host = TARGETS.get("host");
		assertEquals("cpu", host.kind());
		assertTrue(host.isCpu());
		assertEquals(List.of("host", "x86_64"), host.lineage());
		assertEquals(2, host.cores());
		assertEquals(2, host.processors());
		assertEquals(2.5e9, host.clockHz());
		assertEquals("x86_64-unknown-linux-gnu", host.triple());
		assertEquals("x86_64", host.llvmArch());
		assertEquals("x86-64-v4", host.llvmCpu());
		for (String feature : List.of("avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512vnni")) {
			assertTrue(host.hasFeature(feature), feature);
		}
		assertTrue(host.llvmFeatures().startsWith("+avx2,+fma,"), host.llvmFeatures());
		assertEquals(512, host.vectorBits());
		assertEquals(16, host.vectorLanes(32));
		assertEquals(32, host.vectorRegisters());
		assertEquals(48 * KiB, host.cacheSize("l1d").getAsLong());
		assertEquals(2L << 20, host.cacheSize("l2").getAsLong());
		assertEquals(105L << 20, host.cacheSize("l3").getAsLong());
		assertEquals(64, host.cacheLine("l1d").getAsLong(), "inherited from x86_64");
		assertEquals(64, host.cacheLine("l3").getAsLong());
		assertEquals("core", host.getString("memory.l2.scope"));
		assertEquals(10e9, host.memoryBandwidth());
		assertTrue(host.memorySize().isEmpty());
		// peak f32 = cores x clock x FMA units x lanes x 2
		double computed = host.cores() * host.clockHz() * host.getLong("vector.fma_units") * host.vectorLanes(32) * 2;
		assertEquals(320e9, computed);
		assertEquals(computed, host.peakFlops("f32").getAsDouble());
		assertEquals(160e9, host.peakFlops("f64").getAsDouble());
		assertEquals(1.28e12, host.peakFlops("i8").getAsDouble());
		assertTrue(host.peakFlops("bf16").isEmpty());
		assertThrows(TargetException.class, host::sms);
		assertThrows(TargetException.class, host::warpSize);
	}

	@Test
	void abstractAndUnknownNamesAreClearErrors() {
		TargetException hopper = assertThrows(TargetException.class, () -> TARGETS.get("nvidia_hopper"));
		assertEquals("target 'nvidia_hopper' is abstract, a base for other targets; use h100 or h200", hopper.getMessage());
		TargetException typo = assertThrows(TargetException.class, () -> TARGETS.get("h10"));
		assertEquals("unknown target 'h10'; did you mean 'h100'? known targets: host, h100, h200", typo.getMessage());
		TargetException none = assertThrows(TargetException.class, () -> TARGETS.get("tpu_v5"));
		assertEquals("unknown target 'tpu_v5'; known targets: host, h100, h200", none.getMessage());
	}

	@Test
	void describePrintsUnits() {
		String text = TARGETS.get("h200").describe();
		assertTrue(text.startsWith("target h200 extends h100\n"), text);
		assertTrue(text.contains("    memory.dram.bandwidth = 4.8 TB/s\n"), text);
		assertTrue(text.contains("    memory.shared.per_block = 227 KiB\n"), text);
		assertTrue(text.contains("    clock = 1.98 GHz\n"), text);
		assertTrue(text.contains("    peak.matrix.bf16 = 989.4 TFLOP/s\n"), text);
		assertTrue(text.contains("    peak.matrix.i8 = 1.9789 POP/s\n"), text);
		assertEquals("h100: NVIDIA H100 SXM5 80GB (gpu, 132 SMs, 3.35 TB/s)", TARGETS.get("h100").summary());
	}
}
