package dev.forge.compiler.schedule;

import java.util.stream.Collectors;

import dev.forge.compiler.graph.Op;
import dev.forge.compiler.graph.Value;

/** The one text form of the Schedule IR (documented in docs/compiler.md). */
public final class SchedulePrinter {

	private SchedulePrinter() {
	}

	public static String print(ScheduleFunction s) {
		StringBuilder out = new StringBuilder();
		out.append("schedule @").append(s.graph().name()).append(" {\n");
		s.views().entrySet().stream().sorted((a, b) -> Integer.compare(a.getKey().id(), b.getKey().id()))
				.forEach(e -> out.append("  view ").append(e.getKey()).append(" = ").append(e.getValue()).append(" as ")
						.append(type(e.getKey())).append('\n'));
		for (KernelGroup g : s.groups()) {
			out.append("  kernel @").append(g.name()).append(' ').append(g.kind().mnemonic()).append(" -> ")
					.append(g.output()).append(' ').append(type(g.output())).append('\n');
			out.append("    reads ").append(g.inputs().isEmpty() ? "nothing"
					: g.inputs().stream().map(Value::toString).collect(Collectors.joining(", "))).append('\n');
			out.append("    fuses ").append(g.ops().isEmpty() ? "nothing"
					: g.ops().stream().map(o -> o.result() + " " + Op.mnemonic(o)).collect(Collectors.joining(", ")))
					.append('\n');
			out.append("    tiling ").append(g.tiling() == null ? "none yet" : g.tiling().toString()).append('\n');
		}
		out.append("}\n");
		return out.toString();
	}

	private static String type(Value v) {
		return v.type().dims().stream().map(Object::toString).collect(Collectors.joining(",", "[", "]")) + " "
				+ v.type().dtype().sourceName();
	}
}
