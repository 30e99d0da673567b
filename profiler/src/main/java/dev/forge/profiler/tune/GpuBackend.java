package dev.forge.profiler.tune;

import java.nio.charset.StandardCharsets;

import com.google.gson.Gson;

import dev.forge.compiler.gpu.GpuCodegen;
import dev.forge.compiler.gpu.GpuModule;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.profiler.Runner;
import dev.forge.profiler.cuda.GpuExecutor;
import dev.forge.profiler.cuda.GpuWorkerClient;
import dev.forge.targets.Target;

/**
 * An NVIDIA GPU: the function's PTX and launch data (a {@link GpuModule}, stored as JSON), run by the
 * CUDA worker process. Compiling needs no GPU; opening one does.
 */
public final class GpuBackend implements Backend {

	private static final Gson GSON = new Gson();
	private final Target target;
	private final String sourcePath;

	public GpuBackend(Target target, String sourcePath) {
		this.target = target;
		this.sourcePath = sourcePath;
	}

	@Override
	public String artifactKind() {
		return "gpu-module";
	}

	@Override
	public byte[] compile(TileFunction tile) {
		return GSON.toJson(GpuCodegen.compile(tile, target, sourcePath)).getBytes(StandardCharsets.UTF_8);
	}

	@Override
	public Loaded open(TileFunction tile, byte[] artifact) {
		GpuModule module = GSON.fromJson(new String(artifact, StandardCharsets.UTF_8), GpuModule.class);
		GpuExecutor executor = new GpuExecutor(GpuWorkerClient.shared(), module, tile);
		return new Loaded() {
			@Override
			public Runner.Executor executor() {
				return executor;
			}

			@Override
			public void close() {
			}
		};
	}
}
