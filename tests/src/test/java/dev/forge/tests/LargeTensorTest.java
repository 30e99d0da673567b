package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.eclipse.xtext.resource.XtextResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.forge.compiler.Pipeline;
import dev.forge.driver.Ir;
import dev.forge.driver.Workspace;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.profiler.HostCapacity;
import dev.forge.profiler.HostRunner;
import dev.forge.profiler.HostTensor;
import dev.forge.profiler.Npy;
import dev.forge.profiler.Runner;
import dev.forge.profiler.cuda.Sizes;
import dev.forge.types.DType;

/**
 * An elementwise function on more than 2^31 elements, run on the host end to end as `forge run
 * --save-outputs` does: inputs drawn into native memory, the check on a reduced instance, the timed
 * run at the full size, the output saved as {@code .npy} and mapped back. Then every element of the
 * output, past 2^31 too, is checked against the same seeded input drawn again.
 *
 * <p>It needs about 3 x 2 GiB of free memory (an i8 input, its output, the input drawn again): on a
 * machine with less it is skipped, and JUnit reports it as skipped, not passed. Its address
 * arithmetic is also checked without the memory, on sparse files, by the compiler's
 * {@code HostOffsetsBeyond32BitsTest}, and the .npy reader on a sparse file by {@code NpyTest}.
 */
class LargeTensorTest {

	/** 2^31 + 2^20 + 3 elements: past every 32-bit count and offset, with a ragged last block. */
	private static final long N = (1L << 31) + (1L << 20) + 3;
	private static final long SEED = 7;

	@Test
	void anElementwiseFunctionRunsOnMoreThanTwoToThe31Elements(@TempDir Path dir) throws Exception {
		long need = 3 * N + (1L << 30);
		long available = HostCapacity.current().availableBytes();
		assumeTrue(available >= need, "needs " + Sizes.format(need) + " of free memory, this machine has " + Sizes.format(available));

		Path source = dir.resolve("twice.forge");
		Files.writeString(source, """
				@jit
				def twice(x: Tensor["N", i8]) -> Tensor["N", i8]:
				    return x + x
				""");
		Workspace workspace = Workspace.load(List.of(source));
		XtextResource resource = workspace.requested().values().iterator().next();
		FunctionDef def = ((Module) resource.getContents().get(0)).getBody().stream().filter(FunctionDef.class::isInstance)
				.map(FunctionDef.class::cast).findFirst().orElseThrow();
		Map<String, Long> dims = Map.of("N", N);
		Pipeline.Compiled compiled = Ir.compile(resource, def, Ir.hostTarget(), dims, (stage, text) -> {
		});

		HostRunner.Result result = HostRunner.run(new HostRunner.Request("twice", compiled.tile(), compiled.graph(), dims, SEED, Map.of(),
				Map.of(), false, "host"));
		assertTrue(result.report().verified(), result.report().toText());
		assertTrue(result.report().reference().contains("reduced instance"), result.report().reference());
		HostTensor out = result.outputs().get("result");
		assertArrayEquals(new long[] { N }, out.shape());

		// The .npy writer and reader at this size: the file's data is the output, byte for byte.
		Path saved = dir.resolve("result.npy");
		Npy.write(saved, out);
		HostTensor back = Npy.map(saved, DType.I8);
		assertArrayEquals(new long[] { N }, back.shape());
		assertEquals(-1, MemorySegment.mismatch(out.data(), 0, N, back.data(), 0, N), "the saved file differs from the output");
		Files.delete(saved);

		// Every element against the same input drawn again: the check above saw only a reduced instance.
		try (Arena arena = Arena.ofConfined()) {
			HostTensor x = Runner.inputs(compiled.tile(), compiled.graph(), dims, SEED, Map.of(), Map.of(), arena).get("x");
			MemorySegment xs = x.data(), ys = out.data();
			long wrong = 0, first = -1;
			for (long i = 0; i < N; i++) {
				byte v = xs.get(ValueLayout.JAVA_BYTE, i);
				if (ys.get(ValueLayout.JAVA_BYTE, i) != (byte) (v + v)) {
					wrong++;
					first = first < 0 ? i : first;
				}
			}
			assertEquals(0, wrong, "elements differing from x + x, the first at " + first);
			assertTrue(xs.get(ValueLayout.JAVA_BYTE, N - 1) != 0 || xs.get(ValueLayout.JAVA_BYTE, N - 2) != 0, "the input's tail was drawn");
		}
	}
}
