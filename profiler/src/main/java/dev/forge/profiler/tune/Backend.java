package dev.forge.profiler.tune;

import dev.forge.compiler.tile.TileFunction;
import dev.forge.profiler.Runner;

/**
 * Code generation and loading for one device, split so that the artifact between them can be cached:
 * {@link #compile} turns Tile IR into bytes (slow, thread-safe: the tuner compiles candidates in
 * parallel), {@link #open} loads bytes into something the {@link Runner} can execute (fast).
 */
public interface Backend {

	/** What the bytes are, as the cache records it: {@code host-object} (an ELF object) or {@code gpu-module} (PTX and launch data). */
	String artifactKind();

	/** Generates code for {@code tile}. */
	byte[] compile(TileFunction tile);

	/** Loads {@code artifact}, made by {@link #compile} from {@code tile} (or read back from the cache). */
	Loaded open(TileFunction tile, byte[] artifact);

	/** A loaded artifact; closing frees its code. */
	interface Loaded extends AutoCloseable {
		Runner.Executor executor();

		@Override
		void close();
	}
}
