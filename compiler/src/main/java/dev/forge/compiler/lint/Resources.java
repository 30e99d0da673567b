package dev.forge.compiler.lint;

import java.util.List;

import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.SharedRegions;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TileType;
import dev.forge.targets.Target;

/**
 * FORGE-L-RESOURCE: threads and shared memory per block against the chip description's limits, and
 * the occupancy they leave. Shared memory is the emitter's plan, {@link SharedRegions} (a
 * pipeline's stages as a ring of regions). The emitter's scratch area for relayouts and reductions comes on top
 * and is not counted, nor are registers (no estimate yet): the figures are lower bounds, and the
 * occupancy an upper bound. Blocks per SM follow lint-notes §5 without the register limit:
 * min(warps per SM / warps, blocks per SM, shared per SM / roundUp(shared + reserved, 128)).
 */
final class Resources {

	/** Below this many resident warps per SM (a quarter of an H100's 64) the occupancy warning fires. */
	static final double LOW_OCCUPANCY = 0.25;

	private Resources() {
	}

	static List<LintDiagnostic> check(Kernel k, Target target) {
		int threads = k.threads().count();
		int warps = k.threads().warps();
		long shared = sharedBytes(k);
		long perBlock = target.sharedMemoryPerBlock();
		int maxThreads = target.maxThreadsPerBlock();
		if (threads > maxThreads) {
			return List.of(error(k, threads + " threads per block (" + warps + " warps) exceed " + target.name() + "'s limit of "
					+ maxThreads + ": the kernel cannot launch; lower the schedule's warps(...)"));
		}
		if (shared > perBlock) {
			return List.of(error(k, "shared memory per block is at least " + kib(shared) + " for " + describe(k)
					+ ", more than " + target.name() + "'s " + kib(perBlock) + ": the kernel cannot launch; use smaller blocks or fewer stages"));
		}
		long reserved = target.optLong("memory.shared.reserved_per_block").orElse(0);
		long perSm = target.sharedMemoryPerSm();
		long maxWarpsPerSm = target.optLong("simt.max_warps_per_sm").orElse(64);
		long maxBlocksPerSm = target.optLong("simt.max_blocks_per_sm").orElse(32);
		long warpSlots = Math.max(1, (threads + target.warpSize() - 1) / target.warpSize());
		long blocks = Math.min(maxWarpsPerSm / warpSlots, maxBlocksPerSm);
		if (shared > 0) {
			long smem = (shared + reserved + 127) / 128 * 128;
			blocks = Math.min(blocks, perSm / smem);
		}
		long residentWarps = blocks * warpSlots;
		if (residentWarps < LOW_OCCUPANCY * maxWarpsPerSm) {
			String limit = shared > 0 && blocks == perSm / ((shared + reserved + 127) / 128 * 128)
					? "shared memory (" + kib(shared) + " per block) limits it" : "the block size limits it";
			return List.of(new LintDiagnostic(LintDiagnostic.RESOURCE, LintDiagnostic.Severity.WARNING,
					"low occupancy on " + target.name() + ": at most " + blocks + " block" + (blocks == 1 ? "" : "s") + " of " + warpSlots
							+ " warps per SM (" + residentWarps + " of " + maxWarpsPerSm + " warps); " + limit,
					k.range(), List.of(), List.of()));
		}
		return List.of();
	}

	private static LintDiagnostic error(Kernel k, String message) {
		return new LintDiagnostic(LintDiagnostic.RESOURCE, LintDiagnostic.Severity.ERROR, message, k.range(), List.of(), List.of());
	}

	/** The shared tiles' regions, as the emitter allocates them (without its scratch area). */
	static long sharedBytes(Kernel k) {
		return SharedRegions.of(k).bytes();
	}

	private static String describe(Kernel k) {
		long tiles = Stmt.flatten(k.body()).stream()
				.filter(s -> s instanceof Stmt.Def d && d.result().type().space() == TileType.Space.SHARED).count();
		return tiles + " shared tile" + (tiles == 1 ? "" : "s") + " (with their pipeline stages)";
	}

	private static String kib(long bytes) {
		return bytes % 1024 == 0 ? bytes / 1024 + " KiB" : String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0);
	}
}
