package dev.forge.compiler.host;

import static org.bytedeco.llvm.global.LLVM.*;

import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * Vectorizable f32 transcendental functions for {@code float} and {@code <N x float>} values. Each is
 * emitted once per type as a small internal alwaysinline function of straight-line IR (range
 * reduction, polynomial, selects for the special cases; no libm calls, no branches), so a loop that
 * calls them still goes through LLVM's loop vectorizer. Accuracy, measured in {@code VectorMathTest}
 * against f64 references over a sweep including subnormals, huge values, infinities and NaN: exp,
 * log, tanh 1 ulp; sigmoid 2; silu 3; erf 4; gelu 4 ulp above x = -1 and within 2^-21 |x| below,
 * where 1 + erf(x/sqrt 2) cancels (no erfc); sqrt exact (llvm.sqrt), rsqrt 1 ulp. Subnormal
 * results are held to an absolute error of 64 * 2^-149.
 */
public final class VectorMath {

	private static final float LN2_HI = 0.693359375f;
	private static final float LN2_LO = -2.12194440e-4f;

	private final IrBuilder ir;

	public VectorMath(IrBuilder ir) {
		this.ir = ir;
	}

	/** e^x (Cephes expf: x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial, scaling by 2^n in two steps). */
	public LLVMValueRef exp(LLVMValueRef x) {
		return unary("exp", x, this::expBody);
	}

	/** Natural logarithm (Cephes logf); log(0) = -inf, log(x < 0) = NaN, subnormals are exact-scaled. */
	public LLVMValueRef log(LLVMValueRef x) {
		return unary("log", x, this::logBody);
	}

	/** tanh: odd polynomial below 0.625, {@code 1 - 2/(e^{2|x|}+1)} above, with the sign of x. */
	public LLVMValueRef tanh(LLVMValueRef x) {
		return unary("tanh", x, this::tanhBody);
	}

	/** The error function: odd/even rational approximation on [-4, 4], +-1 outside. */
	public LLVMValueRef erf(LLVMValueRef x) {
		return unary("erf", x, this::erfBody);
	}

	/** 1 / (1 + e^-x). */
	public LLVMValueRef sigmoid(LLVMValueRef x) {
		return unary("sigmoid", x, v -> {
			// e = exp(-|x|) never overflows: 1/(1+e) for x >= 0, e/(1+e) below, accurate in both tails.
			LLVMTypeRef t = LLVMTypeOf(v);
			LLVMValueRef e = exp(ir.fneg(abs(v)));
			LLVMValueRef inv = ir.fdiv(ir.constF(t, 1), ir.fadd(ir.constF(t, 1), e));
			return ir.select(ir.fcmp(LLVMRealOLT, v, ir.constF(t, 0)), ir.fmul(e, inv), inv);
		});
	}

	/** x * sigmoid(x). */
	public LLVMValueRef silu(LLVMValueRef x) {
		return ir.fmul(x, sigmoid(x));
	}

	/** Exact gelu: x/2 (1 + erf(x / sqrt 2)). */
	public LLVMValueRef gelu(LLVMValueRef x) {
		return unary("gelu", x, v -> {
			LLVMTypeRef t = LLVMTypeOf(v);
			LLVMValueRef e = erf(ir.fmul(v, ir.constF(t, 0.70710678118654752440)));
			return ir.fmul(ir.fmul(v, ir.constF(t, 0.5)), ir.fadd(ir.constF(t, 1), e));
		});
	}

	/** The tanh approximation of gelu: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
	public LLVMValueRef geluTanh(LLVMValueRef x) {
		return unary("gelu_tanh", x, v -> {
			LLVMTypeRef t = LLVMTypeOf(v);
			LLVMValueRef inner = ir.fmul(ir.constF(t, 0.79788456080286535588),
					ir.fma(ir.fmul(ir.constF(t, 0.044715), ir.fmul(v, v)), v, v));
			return ir.fmul(ir.fmul(v, ir.constF(t, 0.5)), ir.fadd(ir.constF(t, 1), tanh(inner)));
		});
	}

	/** llvm.sqrt (a single vsqrtps; correctly rounded). */
	public LLVMValueRef sqrt(LLVMValueRef x) {
		return ir.intrinsic("llvm.sqrt", LLVMTypeOf(x), x);
	}

	/** 1 / sqrt(x), correctly rounded division of a correctly rounded root (no rsqrt14 estimate). */
	public LLVMValueRef rsqrt(LLVMValueRef x) {
		return ir.fdiv(ir.constF(LLVMTypeOf(x), 1), sqrt(x));
	}

	public LLVMValueRef abs(LLVMValueRef x) {
		return ir.intrinsic("llvm.fabs", LLVMTypeOf(x), x);
	}

	// ---- bodies

	private LLVMValueRef expBody(LLVMValueRef x) {
		LLVMTypeRef t = LLVMTypeOf(x), it = ir.like(t, ir.i32());
		// Clamp with ordered compares so NaN passes through; 89 overflows to inf, -104 underflows to 0.
		LLVMValueRef xc = ir.select(ir.fcmp(LLVMRealOGT, x, ir.constF(t, 89)), ir.constF(t, 89), x);
		xc = ir.select(ir.fcmp(LLVMRealOLT, xc, ir.constF(t, -104)), ir.constF(t, -104), xc);
		LLVMValueRef fx = ir.intrinsic("llvm.roundeven", t, ir.fmul(xc, ir.constF(t, 1.44269504088896341)));
		LLVMValueRef r = ir.fma(fx, ir.constF(t, -LN2_HI), xc);
		r = ir.fma(fx, ir.constF(t, -LN2_LO), r);
		LLVMValueRef p = horner(r, 1.9875691500E-4, 1.3981999507E-3, 8.3334519073E-3, 4.1665795894E-2, 1.6666665459E-1,
				5.0000001201E-1);
		LLVMValueRef y = ir.fadd(ir.fma(p, ir.fmul(r, r), r), ir.constF(t, 1));
		// 2^n for n in [-150, 129] as two normal powers 2^(n>>1) * 2^(n - n>>1).
		LLVMValueRef n = ir.fptosi(fx, it);
		LLVMValueRef n1 = ir.ashr(n, ir.constI(it, 1));
		LLVMValueRef n2 = ir.sub(n, n1);
		y = ir.fmul(ir.fmul(y, pow2(n1, t)), pow2(n2, t));
		return ir.select(ir.fcmp(LLVMRealUNO, x, x), x, y);
	}

	private LLVMValueRef pow2(LLVMValueRef n, LLVMTypeRef t) {
		LLVMTypeRef it = LLVMTypeOf(n);
		return ir.bitcast(ir.shl(ir.add(n, ir.constI(it, 127)), ir.constI(it, 23)), t);
	}

	private LLVMValueRef logBody(LLVMValueRef x) {
		LLVMTypeRef t = LLVMTypeOf(x), it = ir.like(t, ir.i32());
		// Subnormals: scale by 2^23 first so that the exponent field is meaningful.
		LLVMValueRef small = ir.fcmp(LLVMRealOLT, x, ir.constF(t, Float.MIN_NORMAL));
		LLVMValueRef xs = ir.select(small, ir.fmul(x, ir.constF(t, 8388608.0)), x);
		LLVMValueRef bits = ir.bitcast(xs, it);
		LLVMValueRef e = ir.sitofp(ir.sub(ir.and(ir.lshr(bits, ir.constI(it, 23)), ir.constI(it, 0xff)), ir.constI(it, 126)), t);
		e = ir.fsub(e, ir.select(small, ir.constF(t, 23), ir.constF(t, 0)));
		// Mantissa in [0.5, 1); below sqrt(1/2) use 2m - 1 and e - 1 so that m - 1 stays small.
		LLVMValueRef m = ir.bitcast(ir.or(ir.and(bits, ir.constI(it, 0x807fffff)), ir.constI(it, 0x3f000000)), t);
		LLVMValueRef lt = ir.fcmp(LLVMRealOLT, m, ir.constF(t, 0.707106781186547524));
		e = ir.select(lt, ir.fsub(e, ir.constF(t, 1)), e);
		m = ir.fsub(ir.select(lt, ir.fadd(m, m), m), ir.constF(t, 1));
		LLVMValueRef z = ir.fmul(m, m);
		LLVMValueRef p = horner(m, 7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1,
				-1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1);
		LLVMValueRef y = ir.fmul(ir.fmul(p, m), z);
		y = ir.fma(e, ir.constF(t, LN2_LO), y);
		y = ir.fma(z, ir.constF(t, -0.5), y);
		LLVMValueRef r = ir.fadd(m, y);
		r = ir.fma(e, ir.constF(t, LN2_HI), r);
		r = ir.select(ir.fcmp(LLVMRealOEQ, x, ir.constF(t, 0)), ir.constF(t, Double.NEGATIVE_INFINITY), r);
		r = ir.select(ir.fcmp(LLVMRealOLT, x, ir.constF(t, 0)), ir.constF(t, Double.NaN), r);
		r = ir.select(ir.fcmp(LLVMRealOEQ, x, ir.constF(t, Double.POSITIVE_INFINITY)), x, r);
		return ir.select(ir.fcmp(LLVMRealUNO, x, x), x, r);
	}

	private LLVMValueRef tanhBody(LLVMValueRef x) {
		LLVMTypeRef t = LLVMTypeOf(x);
		LLVMValueRef ax = abs(x);
		LLVMValueRef z = ir.fmul(x, x);
		LLVMValueRef p = horner(z, -5.70498872745E-3, 2.06390887954E-2, -5.37397155531E-2, 1.33314422036E-1, -3.33332819422E-1);
		LLVMValueRef small = ir.fma(ir.fmul(p, z), x, x);
		LLVMValueRef e = exp(ir.fmul(ax, ir.constF(t, 2)));
		LLVMValueRef big = ir.fsub(ir.constF(t, 1), ir.fdiv(ir.constF(t, 2), ir.fadd(e, ir.constF(t, 1))));
		big = ir.intrinsic("llvm.copysign", t, big, x);
		return ir.select(ir.fcmp(LLVMRealOLT, ax, ir.constF(t, 0.625)), small, big);
	}

	private LLVMValueRef erfBody(LLVMValueRef x) {
		LLVMTypeRef t = LLVMTypeOf(x);
		LLVMValueRef xc = ir.select(ir.fcmp(LLVMRealOGT, x, ir.constF(t, 4)), ir.constF(t, 4), x);
		xc = ir.select(ir.fcmp(LLVMRealOLT, xc, ir.constF(t, -4)), ir.constF(t, -4), xc);
		LLVMValueRef x2 = ir.fmul(xc, xc);
		LLVMValueRef p = horner(x2, -2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
				-7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02);
		LLVMValueRef q = horner(x2, -1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
				-1.42647390514189e-02);
		// (p/q)*x rather than (x*p)/q: one rounding for tiny (subnormal) x.
		return ir.fmul(ir.fdiv(p, q), xc);
	}

	/** c0 x^(n-1) + ... + c(n-1), by Horner with fma. */
	private LLVMValueRef horner(LLVMValueRef x, double... c) {
		LLVMTypeRef t = LLVMTypeOf(x);
		LLVMValueRef p = ir.constF(t, c[0]);
		for (int i = 1; i < c.length; i++) {
			p = ir.fma(p, x, ir.constF(t, c[i]));
		}
		return p;
	}

	private LLVMValueRef unary(String name, LLVMValueRef x, java.util.function.UnaryOperator<LLVMValueRef> body) {
		LLVMTypeRef t = LLVMTypeOf(x);
		String suffix = IrBuilder.isVector(t) ? "v" + LLVMGetVectorSize(t) + "f32" : "f32";
		LLVMValueRef f = ir.helper("forge." + name + "." + suffix, ir.fnType(t, t), fn -> ir.ret(body.apply(ir.param(fn, 0))));
		return ir.call(f, x);
	}
}
