package dev.forge.profiler.cuda;

import static dev.forge.compiler.tile.TileBuilder.blockStart;
import static dev.forge.compiler.tile.TileBuilder.extent;
import static dev.forge.compiler.tile.TileBuilder.walk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.forge.compiler.gpu.GpuModule;
import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.tile.Access;
import dev.forge.compiler.tile.Index;
import dev.forge.compiler.tile.TileBuilder;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.types.DType;
import dev.forge.types.Dim;

/**
 * What {@link GpuSmoke} runs without a compiler: a vector add as Tile IR (so the reference
 * interpreter can check it) and as hand-written PTX in {@link dev.forge.compiler.gpu.GpuAbi}'s
 * convention, plus two broken variants: one that stores 1 TiB past its output (a sticky
 * {@code CUDA_ERROR_ILLEGAL_ADDRESS}) and one the JIT rejects.
 */
public final class SmokeKernels {

	/** Programs of 256 elements, one thread each. */
	public static final int BLOCK = 256;
	/** The symbol of the dim every tensor of the function has. */
	public static final String N = "N";

	private SmokeKernels() {
	}

	/** {@code out = x + y} over f32 vectors of N elements, in programs of {@link #BLOCK}. */
	public static TileFunction function() {
		Dim n = Dim.symbol(N);
		TileBuilder f = new TileBuilder("vadd").input("x", DType.F32, n).input("y", DType.F32, n).output("out", DType.F32, n);
		TileBuilder.KernelBuilder k = f.kernel("vadd", Index.cdiv(extent("out", 0), BLOCK)).reads("x").reads("y").writes("out");
		Access at = walk(blockStart(0, BLOCK));
		k.store("out", at, k.binary(BinaryKind.ADD, k.load("x", at, List.of(BLOCK)), k.load("y", at, List.of(BLOCK))));
		return f.build();
	}

	/** The vector add, compiled by hand. */
	public static GpuModule vadd() {
		return module(ptx(), "forge_smoke_vadd");
	}

	/** The same kernel storing 2^40 bytes past each element: it faults. */
	public static GpuModule outOfBounds() {
		String ptx = ptx().replace("forge_smoke_vadd", "forge_smoke_vadd_oob").replace("\t// OOB\n",
				"\t.loc 1 9 5\n\tadd.s64 \t%rd13, %rd13, 1099511627776;\n");
		return module(ptx, "forge_smoke_vadd_oob");
	}

	/** The same kernel with an instruction that does not exist: the module does not load. */
	public static GpuModule broken() {
		return module(ptx().replace("add.f32", "add.f33"), "forge_smoke_vadd");
	}

	/** The hand-written PTX (a resource beside this class). */
	public static String ptx() {
		try (InputStream in = SmokeKernels.class.getResourceAsStream("smoke_vadd.ptx")) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static GpuModule module(String ptx, String symbol) {
		return new GpuModule("vadd", ptx, "", "sm_90", List.of(new GpuModule.GpuKernel(symbol, "vadd", BLOCK, 0)));
	}
}
