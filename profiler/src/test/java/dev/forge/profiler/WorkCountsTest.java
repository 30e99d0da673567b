package dev.forge.profiler;

import static dev.forge.profiler.Types.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.forge.compiler.graph.GraphBuilder;
import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.compiler.graph.SourceRange;
import dev.forge.compiler.graph.Value;
import dev.forge.compiler.interp.InterpreterException;
import dev.forge.types.DType;
import dev.forge.types.Dim;

class WorkCountsTest {

	private static final SourceRange AT = SourceRange.NONE;

	@Test
	void matmulIsTwoMNKPerBatch() {
		GraphBuilder b = new GraphBuilder("bmm");
		Value x = b.param("x", tensor(DType.BF16, "B", "M", "K"), null);
		Value w = b.param("w", tensor(DType.BF16, "K", "N"), null);
		GraphFunction f = b.build(List.of(b.matmul(x, w, AT)));
		WorkCounts w1 = WorkCounts.of(f, Map.of("B", 3L, "M", 5L, "K", 7L, "N", 11L));
		assertEquals(2L * 3 * 5 * 7 * 11, w1.flops());
		// bf16: 2 bytes; x (3*5*7) + w (7*11) read, result (3*5*11) written
		assertEquals(2L * (3 * 5 * 7 + 7 * 11 + 3 * 5 * 11), w1.bytes());
	}

	@Test
	void broadcastBatchDimsCount() {
		GraphBuilder b = new GraphBuilder("bmm2");
		Value x = b.param("x", tensor(DType.F32, "B", 1, "M", "K"), null);
		Value w = b.param("w", tensor(DType.F32, "H", "K", "N"), null);
		GraphFunction f = b.build(List.of(b.matmul(x, w, AT)));
		assertEquals(2L * 2 * 3 * 4 * 5 * 6, WorkCounts.of(f, Map.of("B", 2L, "H", 3L, "M", 4L, "K", 5L, "N", 6L)).flops());
	}

	/** RMSNorm as lowered: casts and broadcasts free, elementwise 1 per element, the mean 1 per input element. */
	@Test
	void elementwiseReductionsAndLayoutOps() {
		GraphBuilder b = new GraphBuilder("rms_norm");
		Value x = b.param("x", tensor(DType.BF16, "S", "D"), null);
		Value w = b.param("w", tensor(DType.BF16, "D"), null);
		Value eps = b.param("eps", tensor(DType.F64), 1e-6);
		Value xf = b.cast(x, DType.F32, AT); // 0
		Value sq = b.binary(BinaryKind.MUL, xf, xf, AT); // S*D
		Value mean = b.reduce(ReduceKind.MEAN, sq, List.of(1), true, AT); // S*D
		Value e = b.cast(eps, DType.F32, AT); // 0
		Value r = b.unary(UnaryKind.RSQRT, b.binary(BinaryKind.ADD, mean, e, AT), AT); // S + S
		Value y = b.binary(BinaryKind.MUL, xf, r, AT); // S*D
		Value wb = b.broadcastTo(b.cast(w, DType.F32, AT), List.of(Dim.symbol("S"), Dim.symbol("D")), AT); // 0
		Value out = b.cast(b.binary(BinaryKind.MUL, y, wb, AT), DType.BF16, AT); // S*D
		Value t = b.transpose(out, List.of(1, 0), AT); // 0
		GraphFunction f = b.build(List.of(b.reshape(t, List.of(Dim.symbol("D").times(Dim.symbol("S"))), AT)));
		long s = 6;
		long d = 10;
		WorkCounts c = WorkCounts.of(f, Map.of("S", s, "D", d));
		assertEquals(4 * s * d + 2 * s, c.flops());
		assertEquals(2 * s * d + 2 * d + 8 + 2 * s * d, c.bytes()); // x, w, eps (f64) read; the result written
	}

	@Test
	void boolsAreOneByte() {
		GraphBuilder b = new GraphBuilder("gt");
		Value x = b.param("x", tensor(DType.I8, "N"), null);
		Value y = b.param("y", tensor(DType.I8, "N"), null);
		GraphFunction f = b.build(List.of(b.binary(BinaryKind.GT, x, y, AT)));
		assertEquals(new WorkCounts(9, 27), WorkCounts.of(f, Map.of("N", 9L)));
	}

	@Test
	void ratesPerMillisecond() {
		WorkCounts w = new WorkCounts(2_000_000_000L, 500_000_000L);
		assertEquals(200.0, w.gflops(10), 1e-9); // 2 GFLOP in 10 ms
		assertEquals(50.0, w.gbps(10), 1e-9);
	}

	@Test
	void unboundDimsAreAnError() {
		GraphBuilder b = new GraphBuilder("neg");
		Value x = b.param("x", tensor(DType.F32, "N"), null);
		GraphFunction f = b.build(List.of(b.unary(UnaryKind.NEG, x, AT)));
		assertThrows(InterpreterException.class, () -> WorkCounts.of(f, Map.of()));
	}
}
