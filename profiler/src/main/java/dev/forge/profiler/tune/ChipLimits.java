package dev.forge.profiler.tune;

import java.util.Optional;

import dev.forge.compiler.lint.Lints;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.targets.Target;

/**
 * Whether a candidate's Tile IR fits the chip description, decided before any code is generated.
 * On a GPU: threads per block and shared memory per block (the shared-memory plan the emitter and
 * the resource lint share) against the description's limits. On a CPU: a program's tiles live on
 * its worker thread's stack, so their bytes must fit it (with room for spills).
 */
public final class ChipLimits {

	/** Bytes of tiles one host program may keep: half of the host executor's 256 MiB worker stack. */
	static final long HOST_TILE_BYTES = 128L << 20;

	private ChipLimits() {
	}

	/** Why {@code tile} cannot run on {@code target}, or empty when it fits. */
	public static Optional<String> violation(TileFunction tile, Target target) {
		for (Kernel k : tile.kernels()) {
			if (target.isGpu()) {
				int threads = k.threads().count();
				if (threads > target.maxThreadsPerBlock()) {
					return Optional.of(threads + " threads per block exceed " + target.name() + "'s " + target.maxThreadsPerBlock());
				}
				long shared = Lints.sharedBytes(k);
				if (shared > target.sharedMemoryPerBlock()) {
					return Optional.of("shared memory " + shared / 1024 + " KiB per block exceeds " + target.name() + "'s "
							+ target.sharedMemoryPerBlock() / 1024 + " KiB");
				}
			}
		}
		return Optional.empty();
	}

	/**
	 * Host tiles: the largest block's bytes (block elements x 4 bytes x {@code liveTiles}) against the
	 * stack, for candidates whose sizes are known without lowering.
	 */
	public static Optional<String> hostTiles(long blockElements, int liveTiles) {
		long bytes = blockElements * 4 * liveTiles;
		return bytes > HOST_TILE_BYTES ? Optional.of("tiles of " + (bytes >> 20) + " MiB per program exceed the worker stack") : Optional.empty();
	}
}
