package dev.forge.compiler.gpu;

import static org.bytedeco.llvm.global.LLVM.*;

import dev.forge.compiler.host.IrBuilder;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * exp, log, expm1 and tanh of f64 values in plain LLVM arithmetic: PTX has no f64 transcendental
 * instructions, and going through f32 would miss the f64 tolerance. Argument reduction by powers of
 * two (Cody-Waite with a two-part ln 2) and polynomials whose truncation error is below 1e-16
 * relative on the reduced range; no target intrinsics, so the same code runs on the host (where
 * {@code Float64Test} checks it against {@link Math}).
 */
final class Float64 {

	private static final double LN2_HI = 6.93147180369123816490e-01;
	private static final double LN2_LO = 1.90821492927058770002e-10;
	private static final double LOG2E = 1.4426950408889634;

	private Float64() {
	}

	private static LLVMValueRef c(IrBuilder ir, double v) {
		return ir.constF(ir.f64(), v);
	}

	/** 2^k for an integer k in [-1022, 1023] (i64), built from its bits. */
	private static LLVMValueRef pow2(IrBuilder ir, LLVMValueRef k) {
		return ir.bitcast(ir.shl(ir.add(k, ir.i64(1023)), ir.i64(52)), ir.f64());
	}

	/** e^x: x = n ln2 + r with |r| <= ln2/2, e^r by its Taylor series to r^13, times 2^n in two halves (no exponent overflow). */
	static LLVMValueRef exp(IrBuilder ir, LLVMValueRef x) {
		LLVMValueRef n = ir.intrinsic("llvm.rint", ir.f64(), ir.fmul(x, c(ir, LOG2E)));
		LLVMValueRef r = ir.fma(ir.fneg(n), c(ir, LN2_HI), x);
		r = ir.fma(ir.fneg(n), c(ir, LN2_LO), r);
		LLVMValueRef p = c(ir, 1.0 / factorial(13));
		for (int k = 12; k >= 0; k--) {
			p = ir.fma(p, r, c(ir, 1.0 / factorial(k)));
		}
		LLVMValueRef ni = ir.fptosi(ir.intrinsic("llvm.maxnum", ir.f64(), ir.intrinsic("llvm.minnum", ir.f64(), n, c(ir, 1100)),
				c(ir, -1100)), ir.i64());
		LLVMValueRef k1 = ir.ashr(ni, ir.i64(1));
		LLVMValueRef k2 = ir.sub(ni, k1);
		LLVMValueRef clampedK1 = ir.smax(ir.smin(k1, ir.i64(1023)), ir.i64(-1022));
		LLVMValueRef clampedK2 = ir.smax(ir.smin(k2, ir.i64(1023)), ir.i64(-1022));
		LLVMValueRef y = ir.fmul(ir.fmul(p, pow2(ir, clampedK1)), pow2(ir, clampedK2));
		LLVMValueRef big = ir.fcmp(LLVMRealOGT, x, c(ir, 709.782712893384));
		LLVMValueRef small = ir.fcmp(LLVMRealOLT, x, c(ir, -745.2));
		y = ir.select(big, c(ir, Double.POSITIVE_INFINITY), ir.select(small, c(ir, 0.0), y));
		return ir.select(ir.fcmp(LLVMRealUNO, x, x), x, y);
	}

	/** e^x - 1 without cancellation: the Taylor series for |x| < 0.5, exp(x) - 1 elsewhere. */
	static LLVMValueRef expm1(IrBuilder ir, LLVMValueRef x) {
		LLVMValueRef p = c(ir, 1.0 / factorial(18));
		for (int k = 17; k >= 1; k--) {
			p = ir.fma(p, x, c(ir, 1.0 / factorial(k)));
		}
		LLVMValueRef series = ir.fmul(p, x);
		LLVMValueRef near = ir.fcmp(LLVMRealOLT, ir.intrinsic("llvm.fabs", ir.f64(), x), c(ir, 0.5));
		return ir.select(near, series, ir.fsub(exp(ir, x), c(ir, 1.0)));
	}

	/** tanh(x) = sign(x) e / (e + 2) with e = expm1(2|x|); 1 beyond 20, where e overflows nothing but rounds to it. */
	static LLVMValueRef tanh(IrBuilder ir, LLVMValueRef x) {
		LLVMValueRef a = ir.intrinsic("llvm.fabs", ir.f64(), x);
		LLVMValueRef e = expm1(ir, ir.fmul(a, c(ir, 2.0)));
		LLVMValueRef t = ir.select(ir.fcmp(LLVMRealOGT, a, c(ir, 20.0)), c(ir, 1.0), ir.fdiv(e, ir.fadd(e, c(ir, 2.0))));
		return ir.intrinsic("llvm.copysign", ir.f64(), t, x);
	}

	/**
	 * log(x): x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s) with s = (m - 1) / (m + 1)
	 * as an odd series to s^23, plus e ln2 in two parts. Subnormals are scaled up first; 0 gives
	 * -inf, negatives NaN, inf and NaN themselves.
	 */
	static LLVMValueRef log(IrBuilder ir, LLVMValueRef x) {
		LLVMValueRef subnormal = ir.fcmp(LLVMRealOLT, x, c(ir, Double.MIN_NORMAL));
		LLVMValueRef scaled = ir.select(subnormal, ir.fmul(x, c(ir, 0x1p54)), x);
		LLVMValueRef bits = ir.bitcast(scaled, ir.i64());
		LLVMValueRef e = ir.sub(ir.lshr(bits, ir.i64(52)), ir.i64(1023));
		e = ir.sub(e, ir.select(subnormal, ir.i64(54), ir.i64(0)));
		LLVMValueRef m = ir.bitcast(ir.or(ir.and(bits, ir.i64(0x000FFFFFFFFFFFFFL)), ir.i64(0x3FF0000000000000L)), ir.f64());
		LLVMValueRef high = ir.fcmp(LLVMRealOGT, m, c(ir, Math.sqrt(2.0)));
		m = ir.select(high, ir.fmul(m, c(ir, 0.5)), m);
		e = ir.add(e, ir.zext(high, ir.i64()));
		LLVMValueRef s = ir.fdiv(ir.fsub(m, c(ir, 1.0)), ir.fadd(m, c(ir, 1.0)));
		LLVMValueRef z = ir.fmul(s, s);
		LLVMValueRef p = c(ir, 1.0 / 23);
		for (int k = 21; k >= 1; k -= 2) {
			p = ir.fma(p, z, c(ir, 1.0 / k));
		}
		LLVMValueRef logM = ir.fmul(ir.fmul(c(ir, 2.0), s), p);
		LLVMValueRef ef = ir.sitofp(e, ir.f64());
		LLVMValueRef y = ir.fma(ef, c(ir, LN2_HI), ir.fma(ef, c(ir, LN2_LO), logM));
		y = ir.select(ir.fcmp(LLVMRealOEQ, x, c(ir, 0.0)), c(ir, Double.NEGATIVE_INFINITY), y);
		y = ir.select(ir.fcmp(LLVMRealOLT, x, c(ir, 0.0)), c(ir, Double.NaN), y);
		return ir.select(ir.fcmp(LLVMRealOEQ, x, c(ir, Double.POSITIVE_INFINITY)), x, ir.select(ir.fcmp(LLVMRealUNO, x, x), x, y));
	}

	private static double factorial(int k) {
		double f = 1;
		for (int i = 2; i <= k; i++) {
			f *= i;
		}
		return f;
	}
}
