package dev.forge.compiler.gpu;

import static org.bytedeco.llvm.global.LLVM.*;

import dev.forge.compiler.host.LlvmException;
import dev.forge.compiler.host.LlvmSupport;
import dev.forge.targets.Target;
import java.nio.charset.StandardCharsets;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.llvm.LLVM.LLVMMemoryBufferRef;
import org.bytedeco.llvm.LLVM.LLVMModuleRef;
import org.bytedeco.llvm.LLVM.LLVMPassBuilderOptionsRef;
import org.bytedeco.llvm.LLVM.LLVMTargetDataRef;
import org.bytedeco.llvm.LLVM.LLVMTargetMachineRef;
import org.bytedeco.llvm.LLVM.LLVMTargetRef;

/**
 * LLVM's NVPTX target machine for a chip description: triple {@code nvptx64-nvidia-cuda}, the chip's
 * SM ({@code sm_90a}) and PTX ISA version ({@code +ptx80}). Shared-memory pointers are 32-bit
 * ({@code -nvptx-short-ptr}, as Triton sets it): a process-wide LLVM option, parsed once before the
 * first NVPTX data layout is made.
 */
final class NvptxTarget implements AutoCloseable {

	private static final class Init {
		static final boolean DONE;
		static {
			LlvmSupport.init();
			LLVMInitializeNVPTXTargetInfo();
			LLVMInitializeNVPTXTarget();
			LLVMInitializeNVPTXTargetMC();
			LLVMInitializeNVPTXAsmPrinter();
			String[] args = { "forge", "-nvptx-short-ptr" };
			PointerPointer<BytePointer> argv = new PointerPointer<>(args);
			LLVMParseCommandLineOptions(args.length, argv, (BytePointer) null);
			DONE = true;
		}
	}

	private final String triple;
	private final String sm;
	private final LLVMTargetMachineRef machine;
	private final String dataLayout;

	NvptxTarget(Target chip) {
		if (!Init.DONE) {
			throw new IllegalStateException("NVPTX initialization failed");
		}
		this.triple = chip.triple();
		this.sm = chip.smVersion();
		String features = "+ptx" + chip.ptxVersion().replace(".", "");
		LLVMTargetRef target = new LLVMTargetRef();
		BytePointer err = new BytePointer((BytePointer) null);
		if (LLVMGetTargetFromTriple(new BytePointer(triple), target, err) != 0) {
			throw new LlvmException("no LLVM target for " + triple + ": " + LlvmSupport.take(err));
		}
		machine = LLVMCreateTargetMachine(target, triple, sm, features, LLVMCodeGenLevelAggressive, LLVMRelocDefault,
				LLVMCodeModelDefault);
		LLVMTargetDataRef td = LLVMCreateTargetDataLayout(machine);
		dataLayout = LlvmSupport.take(LLVMCopyStringRepOfTargetData(td));
		LLVMDisposeTargetData(td);
	}

	String sm() {
		return sm;
	}

	void configure(LLVMModuleRef module) {
		LLVMSetTarget(module, triple);
		LLVMSetDataLayout(module, dataLayout);
	}

	void optimize(LLVMModuleRef module) {
		configure(module);
		LLVMPassBuilderOptionsRef options = LLVMCreatePassBuilderOptions();
		try {
			LlvmSupport.check(LLVMRunPasses(module, "default<O3>", machine, options), "NVPTX pass pipeline");
		} finally {
			LLVMDisposePassBuilderOptions(options);
		}
	}

	String ptx(LLVMModuleRef module) {
		configure(module);
		BytePointer err = new BytePointer((BytePointer) null);
		LLVMMemoryBufferRef buffer = new LLVMMemoryBufferRef();
		if (LLVMTargetMachineEmitToMemoryBuffer(machine, module, LLVMAssemblyFile, err, buffer) != 0) {
			throw new LlvmException("PTX generation failed: " + LlvmSupport.take(err));
		}
		try {
			BytePointer start = LLVMGetBufferStart(buffer);
			byte[] bytes = new byte[Math.toIntExact(LLVMGetBufferSize(buffer))];
			start.get(bytes);
			return new String(bytes, StandardCharsets.UTF_8);
		} finally {
			LLVMDisposeMemoryBuffer(buffer);
		}
	}

	@Override
	public void close() {
		LLVMDisposeTargetMachine(machine);
	}
}
