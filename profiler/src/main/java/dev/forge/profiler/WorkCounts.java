package dev.forge.profiler;

import java.util.Map;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.Op;
import dev.forge.compiler.graph.Value;
import dev.forge.compiler.interp.Interpreter;
import dev.forge.compiler.interp.NdArray;

/**
 * The work of one call of a function for concrete dims, the numerators of GFLOP/s and GB/s.
 *
 * <p>FLOPs count the arithmetic the function asks for, not what a kernel happens to execute: a
 * matmul is {@code 2*M*N*K} per batch (a multiply and an add per product term); an elementwise op,
 * comparisons and transcendentals included, 1 per result element; a reduction 1 per input element.
 * Ops that only move or convert data (reshape, transpose, broadcast, concat, cast) and constants
 * count 0, so fusing or eliding them does not change the figure.
 *
 * <p>Bytes are the minimum traffic: every parameter read once and every result written once, in
 * their dtypes (bool as one byte); intermediates are assumed to stay on chip.
 *
 * @param flops floating-point (or integer) operations
 * @param bytes bytes read and written
 */
public record WorkCounts(long flops, long bytes) {

	/**
	 * Counts {@code f} for {@code dims}.
	 *
	 * @throws dev.forge.compiler.interp.InterpreterException when a dim is unbound or negative
	 * @throws ArithmeticException                          when a count overflows a long
	 */
	public static WorkCounts of(GraphFunction f, Map<String, Long> dims) {
		long flops = 0;
		for (Op op : f.body()) {
			flops = Math.addExact(flops, flops(op, dims));
		}
		long bytes = 0;
		for (GraphFunction.Param p : f.params()) {
			bytes = Math.addExact(bytes, bytes(p.value(), dims));
		}
		for (Value v : f.results()) {
			bytes = Math.addExact(bytes, bytes(v, dims));
		}
		return new WorkCounts(flops, bytes);
	}

	/** GFLOP/s at {@code ms} milliseconds per call. */
	public double gflops(double ms) {
		return flops / ms / 1e6;
	}

	/** GB/s (10^9 bytes) at {@code ms} milliseconds per call. */
	public double gbps(double ms) {
		return bytes / ms / 1e6;
	}

	private static long flops(Op op, Map<String, Long> dims) {
		return switch (op) {
			case Op.MatMul m -> {
				// The result holds batch * M * N elements, each a K-long dot product.
				long k = Interpreter.shape(m.lhs().type(), dims)[m.lhs().rank() - 1];
				yield Math.multiplyExact(2, Math.multiplyExact(elements(m.result(), dims), k));
			}
			case Op.Unary u -> elements(u.result(), dims);
			case Op.Binary b -> elements(b.result(), dims);
			case Op.Reduce r -> elements(r.x(), dims);
			// reshape, transpose, broadcast_to, concat, cast, constant, dim: data movement and
			// constants. A default rather than a case each, so that ops the compiler adds later
			// compile here too (and count 0 until they get a case of their own).
			default -> 0;
		};
	}

	private static long elements(Value v, Map<String, Long> dims) {
		return NdArray.size(Interpreter.shape(v.type(), dims));
	}

	private static long bytes(Value v, Map<String, Long> dims) {
		return Math.multiplyExact(elements(v, dims), Math.max(1, v.type().dtype().bits() / 8));
	}
}
