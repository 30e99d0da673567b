package dev.forge.compiler.host;

import static org.bytedeco.llvm.global.LLVM.*;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.llvm.LLVM.LLVMErrorRef;
import org.bytedeco.llvm.LLVM.LLVMModuleRef;

/**
 * One-time LLVM initialization and the small conversions every host-backend class needs (LLVM errors
 * and messages to Java exceptions and strings). The natives (~170 MB extracted on first use) load
 * only when {@link #init()} is first called, so that parts of the compiler that never reach LLVM do
 * not pay for them.
 */
public final class LlvmSupport {

	private LlvmSupport() {
	}

	/** Holder idiom: the JVM runs this exactly once, thread-safely, on first access. */
	private static final class Init {
		static final boolean DONE;
		static {
			// X86 is the host; NVPTX is initialized by the GPU backend when it needs it.
			LLVMInitializeNativeTarget();
			LLVMInitializeNativeAsmPrinter();
			LLVMInitializeNativeAsmParser();
			DONE = true;
		}
	}

	/** Loads the natives and registers the host target (idempotent, thread-safe). */
	public static void init() {
		if (!Init.DONE) {
			throw new IllegalStateException("LLVM initialization failed");
		}
	}

	/** Throws an {@link LlvmException} carrying the message of a non-null LLVM error (and frees it). */
	public static void check(LLVMErrorRef error, String what) {
		if (error != null && !error.isNull()) {
			BytePointer msg = LLVMGetErrorMessage(error);
			String text = msg.getString();
			LLVMDisposeErrorMessage(msg);
			throw new LlvmException(what + ": " + text);
		}
	}

	/** The string of an LLVM-allocated message, freeing it; "" for null. */
	public static String take(BytePointer message) {
		if (message == null || message.isNull()) {
			return "";
		}
		String s = message.getString();
		LLVMDisposeMessage(message);
		return s;
	}

	/** Runs LLVM's module verifier; throws with the verifier's report when the module is broken. */
	public static void verify(LLVMModuleRef module) {
		BytePointer err = new BytePointer((BytePointer) null);
		boolean broken = LLVMVerifyModule(module, LLVMReturnStatusAction, err) != 0;
		String text = take(err);
		if (broken) {
			throw new LlvmException("invalid LLVM module: " + text.strip());
		}
	}

	/** The textual IR of a module. */
	public static String print(LLVMModuleRef module) {
		return take(LLVMPrintModuleToString(module));
	}
}
