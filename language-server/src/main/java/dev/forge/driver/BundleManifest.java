package dev.forge.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

/**
 * {@code manifest.json} of a bundle ({@code forge bundle}): what was compiled, for which chip, from
 * which source, and what a launcher needs per kernel. Written and read with Gson (snake_case keys).
 *
 * @param format    the manifest's layout version ({@link #FORMAT})
 * @param forge     the version of Forge that made the bundle (part of every hash)
 * @param target    the chip description the kernels were compiled for ({@code h100})
 * @param sm        the PTX target ({@code sm_90a})
 * @param source    the bundled source, relative to the bundle ({@code src/softmax.forge})
 * @param sources   every bundled .forge file (the source and the files it links with)
 * @param dims      the dims given to {@code forge bundle --dims}: the tiling hints the kernels were compiled with,
 *                  and a bundled run's dims when it gives none (empty: none given)
 * @param runtime   the bundled Java runtime: {@code runtime}, {@code runtime.tar.xz} (unpacked on first use), or null
 * @param functions one entry per bundled function
 */
public record BundleManifest(int format, String forge, String target, String sm, String source, List<String> sources, Map<String, Long> dims,
		String runtime, List<Function> functions) {

	public static final int FORMAT = 1;
	public static final String FILE = "manifest.json";

	private static final Gson GSON = new GsonBuilder().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).setPrettyPrinting()
			.serializeNulls().disableHtmlEscaping().create();

	/**
	 * @param kind      {@code jit} (a modeling function, checked against the Graph IR interpreter) or {@code kernel}
	 * @param ptx       the PTX module of all its kernels, relative to the bundle
	 * @param cubin     the same assembled by ptxas, or null when ptxas was not on PATH
	 * @param arguments its parameters and results
	 * @param kernels   its kernels in launch order
	 */
	public record Function(String name, String kind, String ptx, String cubin, List<Argument> arguments, List<KernelEntry> kernels) {
	}

	/** A parameter ({@code role} input) or result ({@code output}) of a function: shape in dims, dtype as in the source. */
	public record Argument(String name, String role, List<String> shape, String dtype) {
	}

	/**
	 * One kernel.
	 *
	 * @param name            its Tile IR name
	 * @param symbol          its PTX entry
	 * @param grid            the launch grid, one Tile IR index per axis over the arguments' extents
	 *                        ({@code cdiv(x.shape[0], 64)}); the programs are their product
	 * @param threadsPerBlock blockDim.x
	 * @param sharedBytes     dynamic shared memory per block
	 * @param arguments       its view of the buffers, in the order of its parameters
	 * @param hash            {@link KernelHash} of the kernel as compiled
	 */
	public record KernelEntry(String name, String symbol, List<String> grid, int threadsPerBlock, int sharedBytes, List<KernelArgument> arguments,
			String hash) {
	}

	/** A kernel's view of a buffer: its shape (a reshape of the buffer), dtype, and whether the kernel writes it. */
	public record KernelArgument(String name, String buffer, List<String> shape, String dtype, boolean output) {
	}

	public String toJson() {
		return GSON.toJson(this) + "\n";
	}

	public void write(Path file) throws IOException {
		Files.writeString(file, toJson());
	}

	/** Reads {@code file}; a usage error when it is missing, unreadable or of another format. */
	public static BundleManifest read(Path file) {
		BundleManifest m;
		try {
			m = GSON.fromJson(Files.readString(file), BundleManifest.class);
		} catch (IOException | JsonParseException e) {
			throw new UsageException("cannot read the bundle's manifest " + file + ": " + e.getMessage());
		}
		if (m == null || m.format() != FORMAT) {
			throw new UsageException("the bundle's manifest " + file + " is not of format " + FORMAT + " (made by another Forge version?)");
		}
		return m;
	}

	/** The bundled function called {@code name}, or a usage error listing the bundled ones. */
	public Function function(String name) {
		for (Function f : functions) {
			if (f.name().equals(name)) {
				return f;
			}
		}
		throw new UsageException((name == null ? "run needs --fn NAME" : "this bundle has no function '" + name + "'") + " (bundled: "
				+ String.join(", ", functions.stream().map(Function::name).toList()) + ")");
	}
}
