package dev.forge.compiler.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forge.compiler.host.HostTarget;
import dev.forge.compiler.host.IrBuilder;
import dev.forge.compiler.host.Jit;
import dev.forge.compiler.host.LlvmSupport;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.DoubleUnaryOperator;
import org.bytedeco.llvm.LLVM.LLVMValueRef;
import org.junit.jupiter.api.Test;

/**
 * The GPU backend's f64 exp, log and tanh (plain LLVM arithmetic, no PTX instruction does them),
 * compiled for the host and run on 200,000 arguments each, including the range ends, subnormals,
 * zero, infinities and NaN: within 1e-15 relative of {@link Math} (a few ulp), far inside the f64
 * tolerance of 1e-9 the GPU runs are checked with.
 */
class Float64Test {

	@Test
	void expMatchesMath() throws Throwable {
		check("exp", Float64::exp, Math::exp, -745.0, 709.7);
	}

	@Test
	void logMatchesMath() throws Throwable {
		check("log", Float64::log, Math::log, 1e-300, 1e300);
	}

	@Test
	void tanhMatchesMath() throws Throwable {
		check("tanh", Float64::tanh, Math::tanh, -30.0, 30.0);
	}

	private static void check(String name, BiFunction<IrBuilder, LLVMValueRef, LLVMValueRef> emit, DoubleUnaryOperator reference,
			double lo, double hi) throws Throwable {
		try (IrBuilder ir = new IrBuilder(name); HostTarget host = HostTarget.create()) {
			LLVMValueRef fn = ir.declare("f64_" + name, ir.fnType(ir.f64(), ir.f64()), false);
			ir.begin(fn);
			ir.ret(emit.apply(ir, ir.param(fn, 0)));
			LlvmSupport.verify(ir.module());
			host.optimize(ir.module());
			try (Jit jit = Jit.create()) {
				jit.addObject(host.emitObject(ir.module()));
				MethodHandle f = jit.downcall("f64_" + name, FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE, ValueLayout.JAVA_DOUBLE));
				SplittableRandom random = new SplittableRandom(7);
				double[] special = { 0.0, -0.0, 1.0, -1.0, 0.5, 1e-310, 4.9e-324, Double.MIN_NORMAL, 1e-8, -1e-8, 0.34657, 0.5, 0.55, 20.5,
						709.78, -745.1, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, lo, hi };
				double worst = 0;
				String at = "";
				for (int i = 0; i < 200_000 + special.length; i++) {
					double x = i < special.length ? special[i]
							: lo > 0 ? Math.exp(Math.log(lo) + random.nextDouble() * (Math.log(hi) - Math.log(lo)))
									: (i % 2 == 0 ? lo + random.nextDouble() * (hi - lo) : (random.nextDouble() - 0.5) * 4);
					double got = (double) f.invokeExact(x);
					double want = reference.applyAsDouble(x);
					double err = Double.isNaN(want) ? (Double.isNaN(got) ? 0 : Double.POSITIVE_INFINITY)
							: Double.isInfinite(want) || want == 0 ? (got == want ? 0 : Math.abs(got - want) < 1e-300 ? 0 : Double.POSITIVE_INFINITY)
									: Math.abs(got - want) / Math.max(Math.abs(want), Double.MIN_NORMAL);
					if (err > worst) {
						worst = err;
						at = name + "(" + x + ") = " + got + ", Math gives " + want;
					}
				}
				assertTrue(worst <= 1e-15, "worst relative error " + worst + ": " + at);
			}
		}
	}
}
