package dev.forge.compiler.tile;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import dev.forge.compiler.graph.SourceRange;
import dev.forge.types.Dim;

/** The one text form of the Tile IR (documented in docs/compiler.md). */
public final class TilePrinter {

	private final StringBuilder out = new StringBuilder();
	/** The current kernel's layouts by value id, and the names they print as (#L0, #S0, ...). */
	private Threads threads = Threads.ONE;
	private final java.util.Map<Layout, String> layoutNames = new java.util.LinkedHashMap<>();

	private TilePrinter() {
	}

	public static String print(TileFunction function) {
		TilePrinter p = new TilePrinter();
		p.function(function);
		return p.out.toString();
	}

	public static String print(Kernel kernel) {
		TilePrinter p = new TilePrinter();
		p.kernel(kernel, "");
		return p.out.toString();
	}

	private void function(TileFunction f) {
		List<String> params = new ArrayList<>();
		for (Buffer b : f.buffers()) {
			if (b.role() == Buffer.Role.INPUT || b.role() == Buffer.Role.OUTPUT) {
				params.add((b.role() == Buffer.Role.INPUT ? "in " : "out ") + b.name() + ": " + shape(b.shape()) + " "
						+ b.dtype().sourceName());
			}
		}
		out.append("tile.func @").append(f.name()).append("(").append(String.join(", ", params)).append(") {\n");
		for (Buffer b : f.buffers()) {
			if (b.role() == Buffer.Role.TEMP) {
				out.append("  temp ").append(b.name()).append(": ").append(shape(b.shape())).append(' ')
						.append(b.dtype().sourceName()).append('\n');
			} else if (b.role() == Buffer.Role.DIM) {
				out.append("  dim ").append(b.name()).append(": ").append(b.dtype().sourceName()).append(" = ")
						.append(b.dim()).append('\n');
			}
		}
		for (Kernel k : f.kernels()) {
			kernel(k, "  ");
		}
		out.append("}\n");
	}

	private void kernel(Kernel k, String indent) {
		String args = k.args().stream()
				.map(a -> (a.output() ? "out " : "") + a.name() + ": " + shape(a.shape()) + " " + a.dtype().sourceName()
						+ (a.name().equals(a.buffer()) ? "" : " = " + a.buffer()))
				.collect(Collectors.joining(", "));
		String grid = k.grid().stream().map(Index::print).collect(Collectors.joining(", "));
		threads = k.threads();
		layoutNames.clear();
		out.append(indent).append("kernel @").append(k.name()).append('(').append(args).append(") grid [").append(grid)
				.append("]").append(threads.distributed() ? " threads " + threads.warps() + "x" + threads.lanes() : "").append(" {\n");
		if (k.schedule() != null && !k.schedule().isEmpty()) {
			out.append(indent).append("  // schedule: ").append(k.schedule()).append('\n');
		}
		for (Stmt s : Stmt.flatten(k.body())) {
			if (s instanceof Stmt.Def d && threads.of(d.result()) != null && !layoutNames.containsKey(threads.of(d.result()))) {
				Layout l = threads.of(d.result());
				String prefix = "#" + switch (l) {
					case Layout.Swizzled x -> "S";
					case Layout.Replicated x -> "R";
					case Layout.Mma x -> "M";
					case Layout.DotOperand x -> x.operand() == 0 ? "A" : "B";
					case Layout.Blocked x -> "L";
				};
				long sameKind = layoutNames.values().stream().filter(x -> x.startsWith(prefix)).count();
				String name = prefix + sameKind;
				layoutNames.put(l, name);
				out.append(indent).append("  ").append(name).append(" = ").append(l).append('\n');
			}
		}
		body(k.body(), indent + "  ");
		out.append(indent).append("}\n");
	}

	private void body(List<Stmt> stmts, String indent) {
		for (Stmt s : stmts) {
			out.append(indent);
			switch (s) {
				case Stmt.For f -> {
					if (!f.results().isEmpty()) {
						out.append(values(f.results())).append(" = ");
					}
					out.append("for ").append(f.var()).append(" in range(").append(Index.print(f.lo())).append(", ")
							.append(Index.print(f.hi())).append(", ").append(f.step()).append(')');
					if (!f.carried().isEmpty()) {
						List<String> pairs = new ArrayList<>();
						for (int i = 0; i < f.carried().size(); i++) {
							pairs.add(f.carried().get(i) + " = " + f.inits().get(i));
						}
						out.append(" carry(").append(String.join(", ", pairs)).append(')');
					}
					out.append(" {").append(comment(f.range())).append('\n');
					body(f.body(), indent + "  ");
					if (!f.yielded().isEmpty()) {
						out.append(indent).append("  yield ").append(values(f.yielded())).append('\n');
					}
					out.append(indent).append("}\n");
					continue;
				}
				case Stmt.Atomic a -> out.append(Stmt.mnemonic(a)).append(' ').append(access(a.arg(), a.access())).append(", ").append(a.value())
						.append(a.mask() == null ? "" : " mask " + a.mask());
				case Stmt.Store st -> out.append("store ").append(access(st.arg(), st.access())).append(", ").append(st.value())
						.append(st.mask() == null ? "" : " mask " + st.mask());
				case Stmt.Barrier b -> out.append("barrier");
				case Stmt.AsyncWait w -> out.append("async_wait ").append(w.pending());
				case Stmt.Def d -> def(d);
			}
			out.append(comment(s.range())).append('\n');
		}
	}

	private void def(Stmt.Def d) {
		out.append(d.result()).append(" = ").append(Stmt.mnemonic(d));
		String operands = values(d.operands());
		switch (d) {
			case Stmt.AsyncCopy a -> {
				out.append(' ').append(access(a.arg(), a.access()));
				if (a.other() != 0) {
					out.append(" {other = ").append(a.other()).append('}');
				}
			}
			case Stmt.Load l -> {
				out.append(' ').append(access(l.arg(), l.access()));
				if (l.other() != 0) {
					out.append(" {other = ").append(l.other()).append('}');
				}
			}
			case Stmt.Full f -> out.append(' ').append(f.value());
			case Stmt.Iota i -> out.append(' ').append(Index.print(i.origin())).append(" {axis = ").append(i.axis()).append('}');
			case Stmt.Reduce r -> out.append(' ').append(operands).append(" {axis = ").append(r.axis())
					.append(r.kind() == dev.forge.compiler.graph.OpKinds.ReduceKind.MEAN ? ", count = " + Index.print(r.count()) : "")
					.append('}');
			case Stmt.Transpose t -> out.append(' ').append(operands).append(" {perm = ").append(t.perm()).append('}');
			case Stmt.Scan sc -> out.append(' ').append(operands).append(" {axis = ").append(sc.axis()).append('}');
			default -> out.append(' ').append(operands);
		}
		out.append(" : ").append(d.result().type());
		Layout l = threads.of(d.result());
		if (l != null) {
			out.append(' ').append(layoutNames.get(l));
		}
	}

	/** {@code x[pid0 * 4 + i0, c + i1]}: the argument's index per axis, i<n> the position along tile axis n. */
	static String access(String arg, Access access) {
		List<String> parts = new ArrayList<>();
		for (int a = 0; a < access.rank(); a++) {
			Index origin = access.origin().get(a);
			int t = access.tileAxis().get(a);
			if (t < 0) {
				parts.add(Index.print(origin));
			} else if (origin instanceof Index.Const c && c.value() == 0) {
				parts.add("i" + t);
			} else {
				parts.add(Index.print(origin) + " + i" + t);
			}
		}
		return arg + "[" + String.join(", ", parts) + "]";
	}

	private static String values(List<TileValue> values) {
		return values.stream().map(TileValue::toString).collect(Collectors.joining(", "));
	}

	private static String shape(List<Dim> dims) {
		return dims.stream().map(Dim::toString).collect(Collectors.joining(",", "[", "]"));
	}

	private static String comment(SourceRange range) {
		return range.isKnown() ? "  // " + range.line() + ":" + range.column() : "";
	}
}
