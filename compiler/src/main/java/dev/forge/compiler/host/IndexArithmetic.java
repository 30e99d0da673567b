package dev.forge.compiler.host;

import static org.bytedeco.llvm.global.LLVM.*;

import dev.forge.compiler.tile.Index;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * The Tile IR's index operators on 64-bit integers, as {@link Index#evaluate} defines them (floor
 * and ceiling division round as Python's {@code //}), emitted once for every backend: the host and
 * the GPU compute offsets, bounds and grids the same way.
 */
public final class IndexArithmetic {

	private IndexArithmetic() {
	}

	/** {@code x op y} on i64 values. */
	public static LLVMValueRef binary(IrBuilder ir, Index.Operator op, LLVMValueRef x, LLVMValueRef y) {
		return switch (op) {
			case ADD -> ir.add(x, y);
			case SUB -> ir.sub(x, y);
			case MUL -> ir.mul(x, y);
			case FLOOR_DIV -> floorDiv(ir, x, y);
			case CEIL_DIV -> ir.sub(ir.i64(0), floorDiv(ir, ir.sub(ir.i64(0), x), y));
			case MIN -> ir.smin(x, y);
			case MAX -> ir.smax(x, y);
		};
	}

	/** x // y, rounding toward negative infinity: the truncated quotient, minus one when the remainder's sign differs from y's. */
	public static LLVMValueRef floorDiv(IrBuilder ir, LLVMValueRef x, LLVMValueRef y) {
		LLVMValueRef q = ir.sdiv(x, y), r = ir.srem(x, y);
		LLVMValueRef adjust = ir.and(ir.icmp(LLVMIntNE, r, ir.i64(0)), ir.icmp(LLVMIntSLT, ir.xor(r, y), ir.i64(0)));
		return ir.sub(q, ir.zext(adjust, ir.i64()));
	}
}
