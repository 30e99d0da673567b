package dev.forge.profiler.tune;

import dev.forge.compiler.host.HostEmit;
import dev.forge.compiler.host.HostExecutable;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.profiler.HostRunner;
import dev.forge.profiler.Runner;

/** The host CPU: an optimized ELF object per function, JIT-linked when opened. */
public final class HostBackend implements Backend {

	@Override
	public String artifactKind() {
		return "host-object";
	}

	@Override
	public byte[] compile(TileFunction tile) {
		return HostEmit.object(tile);
	}

	@Override
	public Loaded open(TileFunction tile, byte[] artifact) {
		HostExecutable exe = HostExecutable.load(tile, artifact);
		Runner.Executor executor = HostRunner.executor(exe);
		return new Loaded() {
			@Override
			public Runner.Executor executor() {
				return executor;
			}

			@Override
			public void close() {
				exe.close();
			}
		};
	}
}
