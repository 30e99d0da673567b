package dev.forge.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.forge.compiler.Pipeline;
import dev.forge.compiler.gpu.GpuModule;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.targets.Target;

/**
 * The bundle this forge runs from, when it does: its launcher ({@code DIR/forge}) passes the folder
 * as the system property {@value #PROPERTY}. A bundled run parses the bundled source and lowers it to
 * Tile IR like any run (pure Java: the reference interpreter needs it), but takes the PTX from the
 * bundle instead of generating code, after checking that each kernel still hashes to what the PTX
 * was compiled from.
 */
public final class Bundle {

	public static final String PROPERTY = "forge.bundle";
	/** Where a bundle keeps its sources and its compiled kernels. */
	static final String SOURCES = "src";
	static final String KERNELS = "kernels";

	private final Path root;
	private final BundleManifest manifest;

	private Bundle(Path root, BundleManifest manifest) {
		this.root = root;
		this.manifest = manifest;
	}

	/** The bundle of this process, or null when forge runs from a full installation. */
	public static Bundle current() {
		String dir = System.getProperty(PROPERTY);
		return dir == null || dir.isBlank() ? null : open(Path.of(dir));
	}

	public static Bundle open(Path root) {
		return new Bundle(root, BundleManifest.read(root.resolve(BundleManifest.FILE)));
	}

	public BundleManifest manifest() {
		return manifest;
	}

	/**
	 * The chip the bundle was compiled for, when {@code requested} is {@code gpu} or names it;
	 * any other target is a usage error (the bundle has no code for it).
	 */
	public Target target(String requested) {
		if (!requested.equals(GpuTargets.ATTACHED) && !requested.equals(manifest.target())) {
			throw new UsageException("--target " + requested + ": this bundle holds kernels for " + manifest.target() + " only (--target "
					+ GpuTargets.ATTACHED + " or " + manifest.target() + "); make another bundle for other chips");
		}
		return GpuTargets.named(manifest.target());
	}

	/**
	 * The source file a run names: as given when it exists, else relative to the bundle, else by its
	 * name among the bundled sources (so {@code DIR/forge run softmax.forge} finds {@code DIR/src/softmax.forge}).
	 */
	public Path source(Path given) {
		for (Path candidate : List.of(given, root.resolve(given), root.resolve(SOURCES).resolve(given.getFileName()))) {
			if (Files.isRegularFile(candidate)) {
				return candidate;
			}
		}
		throw new UsageException("no such file: " + given + " (this bundle's source is " + root.resolve(manifest.source()) + ")");
	}

	/** The dims of {@code forge bundle --dims}: the tiling hints its kernels were compiled with (empty: none). */
	public Map<String, Long> dims() {
		return manifest.dims() == null ? Map.of() : manifest.dims();
	}

	/**
	 * The bundled PTX of {@code function}, after checking that every kernel of {@code compiled} (the
	 * source as it is now, compiled for {@code target} with {@link #dims()} as hints) has the hash the
	 * bundle recorded. A usage error names the first kernel that differs and both hashes.
	 */
	public GpuModule module(String function, Pipeline.Compiled compiled, Target target, String forgeVersion) {
		BundleManifest.Function entry = manifest.function(function);
		TileFunction tile = compiled.tile();
		List<String> now = tile.kernels().stream().map(Kernel::name).toList();
		List<String> bundled = entry.kernels().stream().map(BundleManifest.KernelEntry::name).toList();
		if (!now.equals(bundled)) {
			throw new UsageException("'" + function + "' now compiles to the kernels " + now + " but the bundle holds " + bundled + ": "
					+ changed());
		}
		List<GpuModule.GpuKernel> kernels = new ArrayList<>();
		for (int i = 0; i < bundled.size(); i++) {
			BundleManifest.KernelEntry k = entry.kernels().get(i);
			String hash = KernelHash.of(tile.kernels().get(i), compiled.schedule(), target, forgeVersion);
			if (!hash.equals(k.hash())) {
				throw new UsageException("kernel '" + k.name() + "' of '" + function + "' does not match this bundle: the source hashes to " + hash
						+ ", the bundled PTX was compiled from " + k.hash() + ": " + changed());
			}
			kernels.add(new GpuModule.GpuKernel(k.symbol(), k.name(), k.threadsPerBlock(), k.sharedBytes(),
					dev.forge.compiler.gpu.GpuAbi.tensorMaps(tile.kernels().get(i))));
		}
		String ptx;
		try {
			ptx = Files.readString(root.resolve(entry.ptx()));
		} catch (IOException e) {
			throw new UsageException("cannot read the bundled PTX " + root.resolve(entry.ptx()) + ": " + e.getMessage());
		}
		return new GpuModule(function, ptx, "", manifest.sm(), kernels); // a bundle keeps no LLVM IR
	}

	private String changed() {
		return manifest.source() + " (or a file it imports) was edited after `forge bundle`; bundle it again";
	}
}
