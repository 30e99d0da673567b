package dev.forge.compiler.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.BiFunction;

import dev.forge.compiler.tile.TileFunction;

/**
 * The host backend's outputs for {@code forge build --emit llvm|asm|obj}: a Tile IR function as
 * optimized LLVM IR text, native assembly, or an ELF object, all from the same module that
 * {@link HostExecutable} JIT-compiles.
 */
public final class HostEmit {

	public enum Kind {
		LLVM("ll"), ASM("s"), OBJ("o");

		private final String extension;

		Kind(String extension) {
			this.extension = extension;
		}

		/** The file extension of this output ({@code ll}, {@code s}, {@code o}). */
		public String extension() {
			return extension;
		}

		/** {@code llvm}, {@code asm} or {@code obj}, as {@code --emit} spells them. */
		public static Kind of(String name) {
			return valueOf(name.toUpperCase(Locale.ROOT));
		}
	}

	/** Modules generated so far in this process: a run served from the artifact cache adds none (its tests count them). */
	private static final java.util.concurrent.atomic.AtomicLong GENERATED = new java.util.concurrent.atomic.AtomicLong();

	private HostEmit() {
	}

	/** How many functions this process has generated code for (every LLVM module made from Tile IR). */
	public static long generated() {
		return GENERATED.get();
	}

	/**
	 * Generates, verifies and (when {@code optimize}) O3-optimizes the module of f for the host,
	 * then hands it and the target to {@code use} before freeing both.
	 */
	static <T> T withModule(TileFunction f, boolean optimize, BiFunction<IrBuilder, HostTarget, T> use) {
		GENERATED.incrementAndGet();
		try (IrBuilder ir = new IrBuilder(f.name()); HostTarget host = HostTarget.create()) {
			new HostCodegen(ir, host.hasFeature("avx512f") ? 16 : 8).emit(f);
			LlvmSupport.verify(ir.module());
			host.configure(ir.module());
			if (optimize) {
				host.optimize(ir.module());
			}
			return use.apply(ir, host);
		}
	}

	/** LLVM IR text (optimized unless {@code optimize} is false). */
	public static String llvmIr(TileFunction f, boolean optimize) {
		return withModule(f, optimize, (ir, host) -> LlvmSupport.print(ir.module()));
	}

	/** Optimized native assembly. */
	public static String assembly(TileFunction f) {
		return withModule(f, true, (ir, host) -> host.emitAssembly(ir.module()));
	}

	/** An optimized relocatable ELF object. */
	public static byte[] object(TileFunction f) {
		return withModule(f, true, (ir, host) -> host.emitObject(ir.module()));
	}

	/** Writes the output of one kind to a file. */
	public static void write(TileFunction f, Kind kind, Path file) throws IOException {
		switch (kind) {
			case LLVM -> Files.writeString(file, llvmIr(f, true));
			case ASM -> Files.writeString(file, assembly(f));
			case OBJ -> Files.write(file, object(f));
		}
	}
}
