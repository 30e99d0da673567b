package dev.forge.compiler.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the invariants of a {@link GraphFunction} and lists every problem found (empty when the
 * function is well formed); never throws. Invariants: every value is defined once (single
 * assignment, ids unique across parameters and ops); operands and results are defined before use by
 * the very value that was defined (same id, same type); every type is concrete; every result type is
 * the one its op's shape rule gives.
 */
public final class GraphVerifier {

	private GraphVerifier() {
	}

	public static List<String> verify(GraphFunction f) {
		List<String> problems = new ArrayList<>();
		Map<Integer, Value> defined = new HashMap<>();
		if (f.name() == null || f.name().isEmpty()) {
			problems.add("function has no name");
		}
		for (GraphFunction.Param p : f.params()) {
			define(p.value(), "parameter '" + p.name() + "'", defined, problems);
			try {
				ShapeRules.wellFormed(p.value().type());
			} catch (IllegalArgumentException e) {
				problems.add("parameter '" + p.name() + "': " + e.getMessage());
			}
		}
		for (int i = 0; i < f.body().size(); i++) {
			Op op = f.body().get(i);
			String where = "op " + i + " (" + safePrint(op) + ")";
			if (op == null || op.result() == null) {
				problems.add("op " + i + " is empty or has no result");
				continue;
			}
			for (Value operand : op.operands()) {
				use(operand, where, defined, problems);
			}
			try {
				var expected = ShapeRules.infer(op);
				if (!expected.equals(op.result().type())) {
					problems.add(where + ": result type is " + ShapeRules.show(op.result().type()) + ", but the shape rule gives " + ShapeRules.show(expected));
				}
			} catch (IllegalArgumentException | ArithmeticException | NullPointerException e) {
				problems.add(where + ": " + e.getMessage());
			}
			define(op.result(), where, defined, problems);
		}
		if (f.results().isEmpty()) {
			problems.add("function returns nothing");
		}
		for (Value r : f.results()) {
			use(r, "return", defined, problems);
		}
		return problems;
	}

	private static void define(Value v, String where, Map<Integer, Value> defined, List<String> problems) {
		if (v == null) {
			problems.add(where + ": defines no value");
			return;
		}
		if (defined.putIfAbsent(v.id(), v) != null) {
			problems.add(where + ": " + v + " is defined twice");
		}
	}

	private static void use(Value v, String where, Map<Integer, Value> defined, List<String> problems) {
		if (v == null) {
			problems.add(where + ": a missing operand");
			return;
		}
		Value def = defined.get(v.id());
		if (def == null) {
			problems.add(where + ": " + v + " is used before it is defined");
		} else if (!def.equals(v)) {
			problems.add(where + ": " + v + " is used as " + ShapeRules.show(v.type()) + ", but defined as " + ShapeRules.show(def.type()));
		}
	}

	private static String safePrint(Op op) {
		try {
			return op == null ? "null" : Op.mnemonic(op);
		} catch (RuntimeException e) {
			return "?";
		}
	}
}
