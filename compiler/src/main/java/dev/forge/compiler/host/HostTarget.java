package dev.forge.compiler.host;

import static org.bytedeco.llvm.global.LLVM.*;

import java.nio.file.Path;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.llvm.LLVM.LLVMContextRef;
import org.bytedeco.llvm.LLVM.LLVMMemoryBufferRef;
import org.bytedeco.llvm.LLVM.LLVMModuleRef;
import org.bytedeco.llvm.LLVM.LLVMPassBuilderOptionsRef;
import org.bytedeco.llvm.LLVM.LLVMTargetDataRef;
import org.bytedeco.llvm.LLVM.LLVMTargetMachineRef;
import org.bytedeco.llvm.LLVM.LLVMTargetRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * The LLVM target machine of the CPU this JVM runs on: host triple, the host CPU's name and features
 * (so that AVX-512 is used where present), aggressive code generation. It configures modules (triple,
 * data layout), runs pass pipelines and emits assembly and object code. One instance is not
 * thread-safe (LLVM target machines are not); create one per compilation, they are cheap.
 */
public final class HostTarget implements AutoCloseable {

	/** The pass pipeline of {@link #optimize}. */
	public static final String O3 = "default<O3>";

	private final String triple;
	private final String cpu;
	private final String features;
	private final String dataLayout;
	private LLVMTargetMachineRef machine;

	private HostTarget(String triple, String cpu, String features) {
		this.triple = triple;
		this.cpu = cpu;
		this.features = features;
		this.machine = newMachine(triple, cpu, features);
		LLVMTargetDataRef td = LLVMCreateTargetDataLayout(machine);
		this.dataLayout = LlvmSupport.take(LLVMCopyStringRepOfTargetData(td));
		LLVMDisposeTargetData(td);
	}

	/** The host target: LLVM's default triple, host CPU name and host features. */
	public static HostTarget create() {
		LlvmSupport.init();
		String triple = LlvmSupport.take(LLVMGetDefaultTargetTriple());
		String cpu = LlvmSupport.take(LLVMGetHostCPUName());
		String features = LlvmSupport.take(LLVMGetHostCPUFeatures());
		return new HostTarget(triple, cpu, features);
	}

	private static LLVMTargetMachineRef newMachine(String triple, String cpu, String features) {
		LLVMTargetRef target = new LLVMTargetRef();
		BytePointer err = new BytePointer((BytePointer) null);
		if (LLVMGetTargetFromTriple(new BytePointer(triple), target, err) != 0) {
			throw new LlvmException("no LLVM target for " + triple + ": " + LlvmSupport.take(err));
		}
		// PIC so that the same objects link both into the JIT and into shared libraries.
		return LLVMCreateTargetMachine(target, triple, cpu, features, LLVMCodeGenLevelAggressive, LLVMRelocPIC,
				LLVMCodeModelDefault);
	}

	/** A fresh target machine with this target's settings, owned by the caller (the JIT takes one). */
	LLVMTargetMachineRef newMachine() {
		return newMachine(triple, cpu, features);
	}

	public String triple() {
		return triple;
	}

	public String cpu() {
		return cpu;
	}

	/** Comma-separated LLVM feature string, e.g. {@code +avx512f,+fma,...}. */
	public String features() {
		return features;
	}

	public String dataLayout() {
		return dataLayout;
	}

	/** Whether the host CPU has the named feature ({@code "avx512f"}). */
	public boolean hasFeature(String name) {
		for (String f : features.split(",")) {
			if (f.equals("+" + name)) {
				return true;
			}
		}
		return false;
	}

	public LLVMTargetMachineRef machine() {
		if (machine == null) {
			throw new IllegalStateException("host target closed");
		}
		return machine;
	}

	/**
	 * Sets the module's triple and data layout (the vectorizer needs them) and, on AVX-512 hosts, asks
	 * every defined function for 512-bit vectors: LLVM's default for these CPUs is 256 (a frequency
	 * precaution for mixed code), but our kernels are all vector math.
	 */
	public void configure(LLVMModuleRef module) {
		LLVMSetTarget(module, triple);
		LLVMSetDataLayout(module, dataLayout);
		if (hasFeature("avx512f")) {
			LLVMContextRef ctx = LLVMGetModuleContext(module);
			for (LLVMValueRef f = LLVMGetFirstFunction(module); f != null && !f.isNull(); f = LLVMGetNextFunction(f)) {
				if (LLVMIsDeclaration(f) == 0) {
					String k = "prefer-vector-width", v = "512";
					LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, LLVMCreateStringAttribute(ctx, k, k.length(), v, v.length()));
				}
			}
		}
	}

	/** Runs {@code default<O3>} on the module (triple and data layout are set first). */
	public void optimize(LLVMModuleRef module) {
		runPasses(module, O3);
	}

	/** Runs a new-pass-manager pipeline ({@code "default<O3>"}, {@code "instcombine,dce"}) on the module. */
	public void runPasses(LLVMModuleRef module, String pipeline) {
		configure(module);
		LLVMPassBuilderOptionsRef options = LLVMCreatePassBuilderOptions();
		try {
			LLVMPassBuilderOptionsSetLoopVectorization(options, 1);
			LLVMPassBuilderOptionsSetSLPVectorization(options, 1);
			LLVMPassBuilderOptionsSetLoopUnrolling(options, 1);
			LLVMPassBuilderOptionsSetLoopInterleaving(options, 1);
			LlvmSupport.check(LLVMRunPasses(module, pipeline, machine(), options), "pass pipeline " + pipeline);
		} finally {
			LLVMDisposePassBuilderOptions(options);
		}
	}

	/** Native assembly (AT&T syntax) of the module. */
	public String emitAssembly(LLVMModuleRef module) {
		return new String(emit(module, LLVMAssemblyFile), java.nio.charset.StandardCharsets.UTF_8);
	}

	/** A relocatable ELF object of the module. */
	public byte[] emitObject(LLVMModuleRef module) {
		return emit(module, LLVMObjectFile);
	}

	/** Writes assembly ({@code assembly = true}) or an object file. */
	public void emitToFile(LLVMModuleRef module, Path file, boolean assembly) {
		configure(module);
		BytePointer err = new BytePointer((BytePointer) null);
		if (LLVMTargetMachineEmitToFile(machine(), module, new BytePointer(file.toString()),
				assembly ? LLVMAssemblyFile : LLVMObjectFile, err) != 0) {
			throw new LlvmException("code generation to " + file + " failed: " + LlvmSupport.take(err));
		}
	}

	private byte[] emit(LLVMModuleRef module, int kind) {
		configure(module);
		BytePointer err = new BytePointer((BytePointer) null);
		LLVMMemoryBufferRef buffer = new LLVMMemoryBufferRef();
		if (LLVMTargetMachineEmitToMemoryBuffer(machine(), module, kind, err, buffer) != 0) {
			throw new LlvmException("code generation failed: " + LlvmSupport.take(err));
		}
		try {
			BytePointer start = LLVMGetBufferStart(buffer);
			byte[] bytes = new byte[Math.toIntExact(LLVMGetBufferSize(buffer))];
			start.get(bytes);
			return bytes;
		} finally {
			LLVMDisposeMemoryBuffer(buffer);
		}
	}

	@Override
	public void close() {
		if (machine != null) {
			LLVMDisposeTargetMachine(machine);
			machine = null;
		}
	}
}
