package dev.forge.compiler.gpu;

import static org.bytedeco.llvm.global.LLVM.*;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.compiler.host.IrBuilder;
import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * The elementwise formulas of {@code Elementwise} on NVPTX scalars (f32 or f64 compute values, i64
 * integers, i1 booleans). PTX has no exp or log instruction of full precision: exp and log go
 * through {@code ex2.approx}/{@code lg2.approx} (relative error ~2^-22, well inside the f32
 * tolerance), tanh and erf through formulas chosen to keep their relative error small near zero and
 * in the tails, where the naive forms cancel.
 */
final class GpuMath {

	private static final double LOG2E = 1.4426950408889634;
	private static final double LN2 = 0.6931471805599453;

	private final IrBuilder ir;

	GpuMath(IrBuilder ir) {
		this.ir = ir;
	}

	private boolean isDouble(LLVMValueRef x) {
		return LLVMGetTypeKind(LLVMTypeOf(x)) == LLVMDoubleTypeKind;
	}

	private LLVMValueRef c(LLVMValueRef like, double v) {
		return ir.constF(LLVMTypeOf(like), v);
	}

	/** 2^x: the f32 hardware approximation; f64 in full precision (PTX has no f64 exp2). */
	LLVMValueRef exp2(LLVMValueRef x) {
		if (isDouble(x)) {
			return exp(ir.fmul(x, c(x, LN2)));
		}
		return ir.intrinsic("llvm.nvvm.ex2.approx.f", new LLVMTypeRef[0], x);
	}

	LLVMValueRef log2(LLVMValueRef x) {
		if (isDouble(x)) {
			return ir.fmul(log(x), c(x, LOG2E));
		}
		return ir.intrinsic("llvm.nvvm.lg2.approx.f", new LLVMTypeRef[0], x);
	}

	LLVMValueRef exp(LLVMValueRef x) {
		return isDouble(x) ? Float64.exp(ir, x) : exp2(ir.fmul(x, c(x, LOG2E)));
	}

	LLVMValueRef log(LLVMValueRef x) {
		return isDouble(x) ? Float64.log(ir, x) : ir.fmul(log2(x), c(x, LN2));
	}

	LLVMValueRef sqrt(LLVMValueRef x) {
		return ir.intrinsic("llvm.sqrt", LLVMTypeOf(x), x);
	}

	LLVMValueRef abs(LLVMValueRef x) {
		return ir.intrinsic("llvm.fabs", LLVMTypeOf(x), x);
	}

	/** tanh: an odd Taylor polynomial below 0.55 (where 1 - e^-2x cancels), (1 - e^-2|x|) / (1 + e^-2|x|) above, signed; f64 through expm1. */
	LLVMValueRef tanh(LLVMValueRef x) {
		if (isDouble(x)) {
			return Float64.tanh(ir, x);
		}
		LLVMValueRef a = abs(x);
		LLVMValueRef t = exp(ir.fmul(a, c(x, -2.0)));
		LLVMValueRef big = ir.fdiv(ir.fsub(c(x, 1.0), t), ir.fadd(c(x, 1.0), t));
		LLVMValueRef x2 = ir.fmul(x, x);
		// x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835, Horner in x^2.
		LLVMValueRef p = c(x, 62.0 / 2835.0);
		p = ir.fma(p, x2, c(x, -17.0 / 315.0));
		p = ir.fma(p, x2, c(x, 2.0 / 15.0));
		p = ir.fma(p, x2, c(x, -1.0 / 3.0));
		p = ir.fma(p, x2, c(x, 1.0));
		LLVMValueRef small = ir.fmul(p, x);
		LLVMValueRef signedBig = ir.intrinsic("llvm.copysign", LLVMTypeOf(x), big, x);
		return ir.select(ir.fcmp(LLVMRealOLT, a, c(x, 0.55)), small, signedBig);
	}

	LLVMValueRef sigmoid(LLVMValueRef x) {
		return ir.fdiv(c(x, 1.0), ir.fadd(c(x, 1.0), exp(ir.fneg(x))));
	}

	/** erfc(y) for y >= 0 (Abramowitz and Stegun 7.1.26, relative form: poly(t) e^-y^2, error < 1.5e-7). */
	private LLVMValueRef erfcNonNegative(LLVMValueRef y) {
		LLVMValueRef t = ir.fdiv(c(y, 1.0), ir.fma(y, c(y, 0.3275911), c(y, 1.0)));
		LLVMValueRef p = c(y, 1.061405429);
		p = ir.fma(p, t, c(y, -1.453152027));
		p = ir.fma(p, t, c(y, 1.421413741));
		p = ir.fma(p, t, c(y, -0.284496736));
		p = ir.fma(p, t, c(y, 0.254829592));
		p = ir.fmul(p, t);
		return ir.fmul(p, exp(ir.fneg(ir.fmul(y, y))));
	}

	/**
	 * erf(x): near 0 its odd Maclaurin series (1 - erfc would cancel there), else
	 * sign(x) (1 - erfc(|x|)); absolute error about 1.5e-7.
	 */
	LLVMValueRef erf(LLVMValueRef x) {
		LLVMValueRef a = abs(x);
		LLVMValueRef x2 = ir.fmul(x, x);
		// 2/sqrt(pi) (x - x^3/3 + x^5/10 - x^7/42 + x^9/216 - x^11/1320): below 0.5 the next term is < 1e-9 relative.
		LLVMValueRef p = c(x, -1.0 / 1320);
		p = ir.fma(p, x2, c(x, 1.0 / 216));
		p = ir.fma(p, x2, c(x, -1.0 / 42));
		p = ir.fma(p, x2, c(x, 1.0 / 10));
		p = ir.fma(p, x2, c(x, -1.0 / 3));
		p = ir.fma(p, x2, c(x, 1.0));
		LLVMValueRef small = ir.fmul(ir.fmul(p, x), c(x, 2.0 / Math.sqrt(Math.PI)));
		LLVMValueRef big = ir.fsub(c(x, 1.0), erfcNonNegative(a));
		LLVMValueRef signedBig = ir.select(ir.fcmp(LLVMRealOLT, x, c(x, 0.0)), ir.fneg(big), big);
		return ir.select(ir.fcmp(LLVMRealOLT, a, c(x, 0.5)), small, signedBig);
	}

	/** The exact GELU x * Phi(x) = x/2 * erfc(-x/sqrt2), with erfc evaluated where it does not cancel. */
	LLVMValueRef gelu(LLVMValueRef x) {
		LLVMValueRef y = ir.fmul(abs(x), c(x, 1.0 / Math.sqrt(2.0)));
		LLVMValueRef e = erfcNonNegative(y);
		// x >= 0: 1 + erf(y) = 2 - erfc(y); x < 0: 1 + erf(-y) = erfc(y).
		LLVMValueRef onePlusErf = ir.select(ir.fcmp(LLVMRealOGE, x, c(x, 0.0)), ir.fsub(c(x, 2.0), e), e);
		return ir.fmul(ir.fmul(x, c(x, 0.5)), onePlusErf);
	}

	LLVMValueRef unary(UnaryKind kind, LLVMValueRef x) {
		return switch (kind) {
			case NEG -> ir.fneg(x);
			case EXP -> exp(x);
			case LOG -> log(x);
			case SQRT -> sqrt(x);
			case RSQRT -> ir.fdiv(c(x, 1.0), sqrt(x));
			case TANH -> tanh(x);
			case SIGMOID -> sigmoid(x);
			case RELU -> ir.select(ir.fcmp(LLVMRealOGT, x, c(x, 0.0)), x, c(x, 0.0));
			case GELU -> gelu(x);
			case GELU_TANH -> ir.fmul(ir.fmul(x, c(x, 0.5)), ir.fadd(c(x, 1.0), tanh(ir.fmul(c(x, Math.sqrt(2.0 / Math.PI)),
					ir.fadd(x, ir.fmul(c(x, 0.044715), ir.fmul(x, ir.fmul(x, x))))))));
			case SILU -> ir.fmul(x, sigmoid(x));
			case ABS -> abs(x);
			case ERF -> erf(x);
		};
	}

	/** {@code a kind b} on float compute values; comparisons give i1. */
	LLVMValueRef binaryFloat(BinaryKind kind, LLVMValueRef a, LLVMValueRef b) {
		return switch (kind) {
			case ADD -> ir.fadd(a, b);
			case SUB -> ir.fsub(a, b);
			case MUL -> ir.fmul(a, b);
			case DIV -> ir.fdiv(a, b);
			// Java's Math.max/min (the reference) propagate NaN: PTX max.NaN / min.NaN.
			case MAX -> ir.intrinsic("llvm.maximum", LLVMTypeOf(a), a, b);
			case MIN -> ir.intrinsic("llvm.minimum", LLVMTypeOf(a), a, b);
			case POW -> pow(a, b);
			case BIT_AND, BIT_OR, BIT_XOR, SHL, SHR -> throw new IllegalArgumentException(kind.mnemonic() + " of floats");
			case EQ -> ir.fcmp(LLVMRealOEQ, a, b);
			case NE -> ir.fcmp(LLVMRealUNE, a, b);
			case LT -> ir.fcmp(LLVMRealOLT, a, b);
			case LE -> ir.fcmp(LLVMRealOLE, a, b);
			case GT -> ir.fcmp(LLVMRealOGT, a, b);
			case GE -> ir.fcmp(LLVMRealOGE, a, b);
		};
	}

	/** {@code a kind b} on i64 values; comparisons give i1. Division floors, as Python's {@code //}. */
	LLVMValueRef binaryInt(BinaryKind kind, LLVMValueRef a, LLVMValueRef b) {
		return switch (kind) {
			case ADD -> ir.add(a, b);
			case SUB -> ir.sub(a, b);
			case MUL -> ir.mul(a, b);
			case DIV -> ir.sdiv(a, b);
			case MAX -> ir.smax(a, b);
			case MIN -> ir.smin(a, b);
			case POW -> ir.fptosi(pow(ir.sitofp(a, ir.f64()), ir.sitofp(b, ir.f64())), LLVMTypeOf(a));
			case BIT_AND -> ir.and(a, b);
			case BIT_OR -> ir.or(a, b);
			case BIT_XOR -> ir.xor(a, b);
			case SHL -> LLVMBuildShl(ir.raw(), a, b, "");
			case SHR -> LLVMBuildAShr(ir.raw(), a, b, "");
			case EQ -> ir.icmp(LLVMIntEQ, a, b);
			case NE -> ir.icmp(LLVMIntNE, a, b);
			case LT -> ir.icmp(LLVMIntSLT, a, b);
			case LE -> ir.icmp(LLVMIntSLE, a, b);
			case GT -> ir.icmp(LLVMIntSGT, a, b);
			case GE -> ir.icmp(LLVMIntSGE, a, b);
		};
	}

	/** x^y as 2^(y log2|x|), with the sign of a negative base to an odd integer power, NaN for other negative bases, and x = 0 exact. */
	LLVMValueRef pow(LLVMValueRef x, LLVMValueRef y) {
		LLVMValueRef magnitude = exp2(ir.fmul(y, log2(abs(x))));
		LLVMValueRef yInteger = ir.fcmp(LLVMRealOEQ, ir.intrinsic("llvm.floor", LLVMTypeOf(y), y), y);
		LLVMValueRef half = ir.fmul(y, c(y, 0.5));
		LLVMValueRef yOdd = ir.and(yInteger, ir.fcmp(LLVMRealONE, ir.intrinsic("llvm.floor", LLVMTypeOf(y), half), half));
		LLVMValueRef negative = ir.fcmp(LLVMRealOLT, x, c(x, 0.0));
		LLVMValueRef forNegative = ir.select(yInteger, ir.select(yOdd, ir.fneg(magnitude), magnitude), c(x, Double.NaN));
		LLVMValueRef r = ir.select(negative, forNegative, magnitude);
		LLVMValueRef zero = ir.fcmp(LLVMRealOEQ, x, c(x, 0.0));
		LLVMValueRef atZero = ir.select(ir.fcmp(LLVMRealOGT, y, c(y, 0.0)), c(x, 0.0),
				ir.select(ir.fcmp(LLVMRealOEQ, y, c(y, 0.0)), c(x, 1.0), c(x, Double.POSITIVE_INFINITY)));
		r = ir.select(zero, atZero, r);
		// x^0 = 1 for every x, NaN included (Java's Math.pow).
		return ir.select(ir.fcmp(LLVMRealOEQ, y, c(y, 0.0)), c(x, 1.0), r);
	}
}
