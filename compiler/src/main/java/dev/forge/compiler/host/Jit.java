package dev.forge.compiler.host;

import static org.bytedeco.llvm.global.LLVM.*;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.llvm.LLVM.LLVMMemoryBufferRef;
import org.bytedeco.llvm.LLVM.LLVMModuleRef;
import org.bytedeco.llvm.LLVM.LLVMOrcDefinitionGeneratorRef;
import org.bytedeco.llvm.LLVM.LLVMOrcJITTargetMachineBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMOrcLLJITBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMOrcLLJITRef;

/**
 * An ORC LLJIT for the host: holds compiled code until closed and hands out its functions as FFM
 * addresses and downcall handles. Code comes in as object files emitted by {@link HostTarget}, so the
 * JIT runs exactly the code that {@code --emit asm} shows. Symbols it does not define resolve against
 * the process (memset, memcpy that LLVM may introduce).
 *
 * <p>Closing frees the code: addresses and handles obtained before must not be called afterwards.
 */
public final class Jit implements AutoCloseable {

	private LLVMOrcLLJITRef jit;
	private final char globalPrefix;

	private Jit(LLVMOrcLLJITRef jit) {
		this.jit = jit;
		this.globalPrefix = (char) LLVMOrcLLJITGetGlobalPrefix(jit);
	}

	/** A JIT whose code generator is configured like {@link HostTarget#create()}. */
	public static Jit create() {
		LlvmSupport.init();
		try (HostTarget host = HostTarget.create()) {
			LLVMOrcJITTargetMachineBuilderRef tmb = LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(host.newMachine());
			LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
			LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, tmb); // takes tmb
			LLVMOrcLLJITRef jit = new LLVMOrcLLJITRef();
			LlvmSupport.check(LLVMOrcCreateLLJIT(jit, builder), "creating the JIT"); // takes builder
			Jit result = new Jit(jit);
			LLVMOrcDefinitionGeneratorRef gen = new LLVMOrcDefinitionGeneratorRef();
			LlvmSupport.check(LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(gen, (byte) result.globalPrefix, null, null),
					"process symbol generator");
			LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(jit), gen);
			return result;
		}
	}

	/** Adds a relocatable object (from {@link HostTarget#emitObject}); its symbols become visible. */
	public void addObject(byte[] object) {
		BytePointer data = new BytePointer(object.length);
		data.put(object);
		LLVMMemoryBufferRef buffer = LLVMCreateMemoryBufferWithMemoryRangeCopy(data, object.length, new BytePointer("forge-object"));
		data.close();
		LlvmSupport.check(LLVMOrcLLJITAddObjectFile(live(), LLVMOrcLLJITGetMainJITDylib(jit), buffer), "adding an object to the JIT");
	}

	/** Compiles an (optimized) module with the host target and adds the object. */
	public void addModule(HostTarget host, LLVMModuleRef module) {
		addObject(host.emitObject(module));
	}

	/** The address of a defined function or global; throws if the name is not defined. */
	public MemorySegment lookup(String name) {
		try (LongPointer out = new LongPointer(1)) {
			LlvmSupport.check(LLVMOrcLLJITLookup(live(), out, name), "looking up " + name);
			return MemorySegment.ofAddress(out.get());
		}
	}

	/** A downcall handle for the named function with the given C signature. */
	public MethodHandle downcall(String name, FunctionDescriptor signature) {
		return Linker.nativeLinker().downcallHandle(lookup(name), signature);
	}

	private LLVMOrcLLJITRef live() {
		if (jit == null) {
			throw new IllegalStateException("JIT closed");
		}
		return jit;
	}

	@Override
	public void close() {
		if (jit != null) {
			LlvmSupport.check(LLVMOrcDisposeLLJIT(jit), "disposing the JIT");
			jit = null;
		}
	}
}
