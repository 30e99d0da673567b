package dev.forge.compiler.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.graph.Forge;
import dev.forge.compiler.kernel.KernelLowering;
import dev.forge.compiler.tile.LayoutAssignment;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.targets.Target;
import dev.forge.targets.Targets;

/**
 * The host code addresses tensors of more than 2^32 elements with 64-bit offsets: compiled code
 * reads and writes the last row of an [R, C] tensor whose row offset (R-1)*C passes 2^32 elements
 * (2^34 bytes for f32). The tensors are sparse files mapped into memory, so only the pages the code
 * touches cost memory, and this runs on any machine. Offsets computed in 32 bits would wrap to
 * another row: a marker is planted where the wrapped offset points, and the test sees it if the code
 * reads there, or finds the last row unwritten if it writes there.
 */
class HostOffsetsBeyond32BitsTest {

	private static final Target HOST = Targets.builtin().get("host");
	/** (R-1)*C = 4,613,737,700 elements: past 2^32 (4,294,967,296). */
	private static final long R = (1L << 22) + 3, C = 1100;

	@Test
	void aModelingFunctionReadsTheLastRowPastTwoToThe32Elements(@TempDir Path dir) throws Exception {
		Forge.Checked checked = Forge.check("""
				@jit
				def last_row(x: Tensor["R", "C", i8]) -> Tensor["C", i8]:
				    return x[-1] + x[-1]
				""");
		TileFunction f = Pipeline.compile(checked.lower("last_row"), HOST).tile();
		Map<String, Long> dims = Map.of("R", R, "C", C);
		try (Arena arena = Arena.ofShared(); HostExecutable exe = HostExecutable.compile(f)) {
			MemorySegment x = sparse(dir.resolve("x.bin"), R * C, arena);
			long lastRow = (R - 1) * C;
			assertTrue(lastRow > 1L << 32);
			for (long j = 0; j < C; j++) {
				x.set(ValueLayout.JAVA_BYTE, lastRow + j, (byte) (j % 50 - 25));
				x.set(ValueLayout.JAVA_BYTE, wrapped(lastRow + j), (byte) 111); // where a 32-bit offset would land
			}
			MemorySegment result = arena.allocate(C);
			result.fill((byte) 0x7f);
			exe.run(Map.of("x", x, "result", result), dims, 2);
			for (long j = 0; j < C; j++) {
				assertEquals((byte) (2 * (j % 50 - 25)), result.get(ValueLayout.JAVA_BYTE, j), "result[" + j + "]");
			}
		}
	}

	@Test
	void aKernelWritesTheLastRowPastTwoToThe34Bytes(@TempDir Path dir) throws Exception {
		Forge.Checked checked = Forge.check("""
				@kernel
				def into_last_row(X: KTile["C", f32], Y: KTile["R", "C", f32]):
				    T = tile.context()
				    pid = tile.program_id(0)
				    x = tile.load(X, pid, cols=T.n)
				    tile.store(Y, (x * 2.0)[None, :], (Y.shape[0] - 1, pid))


				into_last_row.schedule(block=(1, 256))
				""");
		TileFunction f = LayoutAssignment.apply(KernelLowering.lower(checked.function("into_last_row"), checked.types(), HOST), HOST);
		Map<String, Long> dims = Map.of("R", R, "C", C);
		try (Arena arena = Arena.ofShared(); HostExecutable exe = HostExecutable.compile(f)) {
			MemorySegment y = sparse(dir.resolve("y.bin"), R * C * 4, arena);
			MemorySegment x = arena.allocate(C * 4, 64);
			for (long j = 0; j < C; j++) {
				x.setAtIndex(ValueLayout.JAVA_FLOAT, j, j - 500.5f);
			}
			exe.run(Map.of("X", x, "Y", y), dims, 2);
			long lastRow = (R - 1) * C;
			for (long j = 0; j < C; j++) {
				assertEquals(2 * (j - 500.5f), y.getAtIndex(ValueLayout.JAVA_FLOAT, lastRow + j), "Y[R-1, " + j + "]");
				assertEquals(0f, y.getAtIndex(ValueLayout.JAVA_FLOAT, wrapped(lastRow + j)), "nothing written at the wrapped offset " + j);
			}
		}
	}

	/** The element offset as 32-bit arithmetic would leave it. */
	private static long wrapped(long offset) {
		return offset & 0xffff_ffffL;
	}

	/** {@code bytes} of zeros in a sparse file mapped read-write: pages cost memory only where touched. */
	private static MemorySegment sparse(Path file, long bytes, Arena arena) throws IOException {
		try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE,
				StandardOpenOption.SPARSE)) {
			return ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
		}
	}
}
