package dev.forge.compiler.host;

import org.bytedeco.llvm.LLVM.LLVMValueRef;

import static org.bytedeco.llvm.global.LLVM.LLVMIntSLT;

/**
 * {@code interp.Philox} as LLVM IR, for the host and the GPU backends alike: the same 32-bit word
 * operations, so that compiled code draws exactly the numbers the reference interpreter draws.
 */
public final class PhiloxIr {

	private static final int ROUND_A = 0xD2511F53;
	private static final int ROUND_B = 0xCD9E8D57;
	private static final int KEY_A = 0x9E3779B9;
	private static final int KEY_B = 0xBB67AE85;

	private PhiloxIr() {
	}

	/** The random word (i32) of {@code offset} (any integer; its low 32 bits count) under the i64 {@code seed}. */
	public static LLVMValueRef bits(IrBuilder ir, LLVMValueRef seed, LLVMValueRef offset) {
		LLVMValueRef k0 = ir.trunc(seed, ir.i32());
		LLVMValueRef k1 = ir.trunc(ir.lshr(seed, ir.i64(32)), ir.i32());
		int width = org.bytedeco.llvm.global.LLVM.LLVMGetIntTypeWidth(org.bytedeco.llvm.global.LLVM.LLVMTypeOf(offset));
		LLVMValueRef c0 = width > 32 ? ir.trunc(offset, ir.i32()) : width < 32 ? ir.sext(offset, ir.i32()) : offset, c1 = ir.i32(0), c2 = ir.i32(0), c3 = ir.i32(0);
		for (int r = 0; r < dev.forge.compiler.interp.Philox.ROUNDS; r++) {
			LLVMValueRef a0 = c0, a2 = c2;
			c0 = ir.xor(ir.xor(mulhi(ir, ROUND_B, a2), c1), k0);
			c2 = ir.xor(ir.xor(mulhi(ir, ROUND_A, a0), c3), k1);
			c1 = ir.mul(ir.i32(ROUND_B), a2);
			c3 = ir.mul(ir.i32(ROUND_A), a0);
			k0 = ir.add(k0, ir.i32(KEY_A));
			k1 = ir.add(k1, ir.i32(KEY_B));
		}
		return c0;
	}

	/** A uniform f32 in [0, 1) from a random word: (x < 0 ? -x - 1 : x) * 2^-31, as the interpreter. */
	public static LLVMValueRef uniform(IrBuilder ir, LLVMValueRef bits) {
		LLVMValueRef negative = ir.icmp(LLVMIntSLT, bits, ir.i32(0));
		LLVMValueRef nonNegative = ir.select(negative, ir.sub(ir.sub(ir.i32(0), bits), ir.i32(1)), bits);
		return ir.fmul(ir.sitofp(nonNegative, ir.f32()), ir.constF(ir.f32(), 4.6566127342e-10f));
	}

	private static LLVMValueRef mulhi(IrBuilder ir, int constant, LLVMValueRef x) {
		LLVMValueRef wide = ir.mul(ir.i64(Integer.toUnsignedLong(constant)), ir.zext(x, ir.i64()));
		return ir.trunc(ir.lshr(wide, ir.i64(32)), ir.i32());
	}
}
