package dev.forge.compiler.graph;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The one text form of the Graph IR (see docs/compiler.md):
 *
 * <pre>
 * func @linear(%0 x: [B,K] f32, %1 w: [K,N] f32, %2 b: [N] f32) -> ([B,N] f32) {
 *   %3 = matmul %0, %1 : [B,K] f32, [K,N] f32 -> [B,N] f32  // 15:12
 *   %4 = add %3, %2 : [B,N] f32, [N] f32 -> [B,N] f32  // 15:12
 *   return %4
 * }
 * </pre>
 */
public final class GraphPrinter {

	private GraphPrinter() {
	}

	public static String print(GraphFunction f) {
		StringBuilder b = new StringBuilder("func @").append(f.name()).append('(');
		for (int i = 0; i < f.params().size(); i++) {
			GraphFunction.Param p = f.params().get(i);
			b.append(i > 0 ? ", " : "").append(p.value()).append(' ').append(p.name()).append(": ").append(ShapeRules.show(p.value().type()));
			if (p.defaultValue() != null) {
				b.append(" = ").append(number(p.defaultValue()));
			}
		}
		b.append(") -> (").append(f.results().stream().map(v -> ShapeRules.show(v.type())).collect(Collectors.joining(", "))).append(") {\n");
		for (Op op : f.body()) {
			b.append("  ").append(print(op)).append('\n');
		}
		b.append("  return ").append(f.results().stream().map(Value::toString).collect(Collectors.joining(", "))).append("\n}\n");
		return b.toString();
	}

	public static String print(Op op) {
		StringBuilder b = new StringBuilder().append(op.result()).append(" = ").append(Op.mnemonic(op));
		List<Value> operands = op.operands();
		switch (op) {
			case Op.Constant c -> b.append(' ').append(number(c.value()));
			case Op.DimValue d -> b.append(' ').append(d.dim());
			default -> b.append(' ').append(operands.stream().map(Value::toString).collect(Collectors.joining(", ")));
		}
		switch (op) {
			case Op.Reduce r -> b.append(" {axes = ").append(r.axes()).append(r.keepDims() ? ", keepdims" : "").append('}');
			case Op.Transpose t -> b.append(" {perm = ").append(t.perm()).append('}');
			case Op.Concat c -> b.append(" {axis = ").append(c.axis()).append('}');
			case Op.Slice s -> b.append(" {starts = ").append(s.starts()).append(", kept = ").append(s.kept()).append('}');
			case Op.Iota i -> b.append(" {axis = ").append(i.axis()).append('}');
			default -> {
			}
		}
		b.append(" : ");
		if (!operands.isEmpty()) {
			b.append(operands.stream().map(v -> ShapeRules.show(v.type())).collect(Collectors.joining(", "))).append(" -> ");
		}
		b.append(ShapeRules.show(op.result().type()));
		if (op.range().isKnown()) {
			b.append("  // ").append(op.range().line()).append(':').append(op.range().column());
		}
		return b.toString();
	}

	/** Shortest text that reads back to the same double: 2.0, 1.0E-6, -Infinity. */
	static String number(double v) {
		return Double.toString(v);
	}
}
