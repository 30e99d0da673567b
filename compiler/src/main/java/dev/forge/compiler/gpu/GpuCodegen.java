package dev.forge.compiler.gpu;

import static org.bytedeco.llvm.global.LLVM.*;

import dev.forge.compiler.host.IrBuilder;
import dev.forge.compiler.host.KernelAbi;
import dev.forge.compiler.host.LlvmSupport;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.targets.Target;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.llvm.LLVM.LLVMMetadataRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * Tile IR (with GPU layouts, see {@code LayoutAssignment}) -> LLVM IR (NVPTX) -> PTX: every kernel
 * of a function in one module, each a {@code ptx_kernel} with its block size as {@code maxntid},
 * sharing one dynamic shared-memory array. The calling convention is {@link GpuAbi}.
 */
public final class GpuCodegen {

	private GpuCodegen() {
	}

	/** Compiles every kernel of f (lowered for {@code target}, a GPU) into one PTX module. */
	public static GpuModule compile(TileFunction f, Target target) {
		return compile(f, target, f.name() + ".forge");
	}

	/** As {@link #compile(TileFunction, Target)}, with {@code .loc} line info pointing into {@code sourcePath}. */
	public static GpuModule compile(TileFunction f, Target target, String sourcePath) {
		if (!target.isGpu()) {
			throw new IllegalArgumentException("target " + target.name() + " is not a GPU");
		}
		try (IrBuilder ir = new IrBuilder(f.name()); NvptxTarget nvptx = new NvptxTarget(target)) {
			LineInfo lines = new LineInfo(ir, sourcePath);
			nvptx.configure(ir.module());
			LLVMValueRef shared = LLVMAddGlobalInAddressSpace(ir.module(), ir.array(ir.i8(), 0), "forge_shared", 3);
			LLVMSetAlignment(shared, 1024); // wgmma operands' swizzle atoms
			LLVMSetLinkage(shared, LLVMExternalLinkage);
			List<GpuModule.GpuKernel> kernels = new ArrayList<>();
			for (Kernel k : f.kernels()) {
				GpuKernelEmitter emitter = new GpuKernelEmitter(ir, k, target.warpSize(), target.hasFeature("cp_async"),
						dev.forge.compiler.tile.TensorCoreOperands.hasMma(target), shared, lines);
				String symbol = KernelAbi.symbol(f, k);
				LLVMValueRef fn = emitter.emit(symbol);
				annotate(ir, fn, "maxntidx", emitter.threadsPerBlock());
				List<GpuAbi.TensorMap> maps = GpuAbi.tensorMaps(k);
				if (!maps.isEmpty()) {
					gridConstants(ir, fn, GpuAbi.parameterCount(k), maps.size());
				}
				kernels.add(new GpuModule.GpuKernel(symbol, k.name(), emitter.threadsPerBlock(), emitter.sharedBytes(), maps));
			}
			lines.close();
			LlvmSupport.verify(ir.module());
			nvptx.optimize(ir.module());
			String llvm = LlvmSupport.print(ir.module());
			String ptx = nvptx.ptx(ir.module());
			return new GpuModule(f.name(), ptx, llvm, nvptx.sm(), kernels);
		}
	}

	/**
	 * Marks the {@code count} by-value tensor-map parameters after the first {@code first} as
	 * {@code grid_constant} (one entry listing them all, 1-based: a second entry is ignored), so that
	 * TMA reads the parameter in place instead of a local copy (gpu-notes).
	 */
	private static void gridConstants(IrBuilder ir, LLVMValueRef fn, int first, int count) {
		LLVMMetadataRef[] indices = new LLVMMetadataRef[count];
		for (int i = 0; i < count; i++) {
			indices[i] = LLVMValueAsMetadata(ir.i32(first + i + 1));
		}
		LLVMMetadataRef list = LLVMMDNodeInContext2(ir.context(), new PointerPointer<>(indices), count);
		String key = "grid_constant";
		LLVMMetadataRef[] ops = { LLVMValueAsMetadata(fn), LLVMMDStringInContext2(ir.context(), key, key.length()), list };
		LLVMMetadataRef node = LLVMMDNodeInContext2(ir.context(), new PointerPointer<>(ops), ops.length);
		LLVMAddNamedMetadataOperand(ir.module(), "nvvm.annotations", LLVMMetadataAsValue(ir.context(), node));
	}

	/** One {@code !nvvm.annotations} entry: {@code !{ptr @fn, !"key", i32 value}}. */
	private static void annotate(IrBuilder ir, LLVMValueRef fn, String key, int value) {
		LLVMMetadataRef[] ops = { LLVMValueAsMetadata(fn), LLVMMDStringInContext2(ir.context(), key, key.length()),
				LLVMValueAsMetadata(ir.i32(value)) };
		LLVMMetadataRef node = LLVMMDNodeInContext2(ir.context(), new PointerPointer<>(ops), ops.length);
		LLVMAddNamedMetadataOperand(ir.module(), "nvvm.annotations", LLVMMetadataAsValue(ir.context(), node));
	}
}
