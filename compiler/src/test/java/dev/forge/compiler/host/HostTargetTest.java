package dev.forge.compiler.host;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import org.bytedeco.llvm.LLVM.LLVMValueRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host target machine, verifier, emission and the JIT on a tiny module. */
class HostTargetTest {

	/** i64 @triple(i64 x) = 3 * x; and a loop sum that O3 folds. */
	private static void emitTriple(IrBuilder ir) {
		LLVMValueRef f = ir.declare("triple", ir.fnType(ir.i64(), ir.i64()), false);
		ir.begin(f);
		ir.ret(ir.mul(ir.param(f, 0), ir.i64(3)));
	}

	@Test
	void hostTargetHasTheHostCpu() {
		try (HostTarget host = HostTarget.create()) {
			assertTrue(host.triple().startsWith("x86_64"), host.triple());
			assertFalse(host.cpu().isEmpty());
			assertTrue(host.dataLayout().startsWith("e-"), host.dataLayout());
			assertTrue(host.features().contains("+sse2"), host.features());
		}
	}

	@Test
	void jitRunsAndEmitsAssemblyAndObjects(@TempDir Path dir) throws Throwable {
		try (IrBuilder ir = new IrBuilder("t"); HostTarget host = HostTarget.create(); Jit jit = Jit.create()) {
			emitTriple(ir);
			LlvmSupport.verify(ir.module());
			host.optimize(ir.module());
			assertTrue(LlvmSupport.print(ir.module()).contains("define i64 @triple"));
			assertTrue(host.emitAssembly(ir.module()).contains("triple:"));
			byte[] obj = host.emitObject(ir.module());
			assertEquals(0x7f, obj[0]); // ELF
			host.emitToFile(ir.module(), dir.resolve("t.s"), true);
			assertTrue(Files.readString(dir.resolve("t.s")).contains("triple:"));
			jit.addObject(obj);
			MethodHandle h = jit.downcall("triple", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
			assertEquals(42L, (long) h.invokeExact(14L));
			assertThrows(LlvmException.class, () -> jit.lookup("nothing_here"));
		}
	}

	@Test
	void verifierFailuresCarryLlvmsMessage() {
		try (IrBuilder ir = new IrBuilder("bad")) {
			LLVMValueRef f = ir.declare("bad", ir.fnType(ir.i64()), false);
			ir.begin(f); // a block without terminator
			LlvmException e = assertThrows(LlvmException.class, () -> LlvmSupport.verify(ir.module()));
			assertTrue(e.getMessage().contains("terminator"), e.getMessage());
		}
	}

	@Test
	void unknownIntrinsicsFailAtBuildTime() {
		try (IrBuilder ir = new IrBuilder("x")) {
			LLVMValueRef f = ir.declare("f", ir.fnType(ir.f32(), ir.f32()), false);
			ir.begin(f);
			assertThrows(IllegalArgumentException.class, () -> ir.intrinsic("llvm.fmaa", ir.f32(), ir.param(f, 0)));
		}
	}
}
