package dev.forge.profiler.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.forge.compiler.gpu.GpuModule;

/**
 * The smoke test's hand-written PTX is what ptxas (CUDA 13, on this machine kind) accepts for
 * sm_90, and its line info names the kernel's lines. Assembling is skipped where no ptxas is installed.
 */
class SmokeKernelsTest {

	@TempDir
	Path dir;

	static Stream<Arguments> modules() {
		return Stream.of(Arguments.of("vadd", SmokeKernels.vadd(), true), Arguments.of("out of bounds", SmokeKernels.outOfBounds(), true),
				Arguments.of("broken", SmokeKernels.broken(), false));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("modules")
	void ptxasJudgesThePtx(String name, GpuModule module, boolean valid) throws IOException, InterruptedException {
		Optional<Path> ptxas = Stream.of(System.getenv("CUDA_HOME"), "/usr/local/cuda", "/usr/local").filter(p -> p != null)
				.map(p -> Path.of(p, "bin", "ptxas")).filter(Files::isExecutable).findFirst();
		Assumptions.assumeTrue(ptxas.isPresent(), "no ptxas");
		Path ptx = Files.writeString(dir.resolve("k.ptx"), module.ptx());
		Process p = new ProcessBuilder(ptxas.get().toString(), "-arch=sm_90", ptx.toString(), "-o", dir.resolve("k.cubin").toString())
				.redirectErrorStream(true).start();
		String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		int status = p.waitFor();
		if (valid) {
			assertEquals(0, status, log);
		} else {
			assertNotEquals(0, status);
			assertTrue(log.contains("f33"), log);
		}
	}

	@Test
	void lineInfoNamesWhereEachKernelBegins() {
		assertEquals(Optional.of("smoke/vadd.forge:3"), PtxLines.kernelStart(SmokeKernels.vadd().ptx(), "forge_smoke_vadd"));
		assertEquals(Optional.of("smoke/vadd.forge:3"), PtxLines.kernelStart(SmokeKernels.outOfBounds().ptx(), "forge_smoke_vadd_oob"));
		assertEquals(Optional.empty(), PtxLines.kernelStart(SmokeKernels.vadd().ptx(), "forge_smoke_vadd_oob"));
		assertEquals(Optional.empty(), PtxLines.kernelStart(SmokeKernels.vadd().ptx().replaceAll("(?m)^\\s*\\.loc.*$", ""), "forge_smoke_vadd"));
	}

	@Test
	void linesUnderTheWorkingDirectoryAreShownRelative() {
		String cwd = Path.of("").toAbsolutePath().toString();
		String ptx = ".file 1 \"" + cwd + "/samples/softmax.forge\"\n.visible .entry k(\n.param .u64 p\n)\n{\n.loc 1 12 3\nret;\n}\n";
		assertEquals(Optional.of("samples/softmax.forge:12"), PtxLines.kernelStart(ptx, "k"));
	}
}
