package dev.forge.compiler.lint;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.forge.compiler.tile.Index;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.KernelArg;
import dev.forge.compiler.tile.Stmt;

/**
 * FORGE-L-GLOBAL-RACE (for @kernels): two programs of the grid writing the same elements of an output.
 * A store writes the box {@code origin[a] + [0, size along a)} of its argument; the origin is a function
 * of the program ids (and loop variables). Two programs p != q overlap where, along every axis, their
 * origins differ by less than the box's size. The origins are affine in the program ids in practice:
 * their coefficients are measured by evaluating the index (extents set to a large value), then small
 * differences of program ids (-2..2 per grid axis, loop variables free) are searched for an overlap.
 * A grid axis whose extent is the constant 1 has one program and never races. Not covered: a program
 * reading what another writes, and non-affine indices (treated by the same sampling, which may miss).
 */
final class GlobalRaces {

	private static final long LARGE = 1 << 20;

	private GlobalRaces() {
	}

	static List<LintDiagnostic> check(Kernel k) {
		List<LintDiagnostic> out = new ArrayList<>();
		int axes = k.grid().size();
		List<Integer> live = new ArrayList<>();
		for (int g = 0; g < axes; g++) {
			if (!(k.grid().get(g) instanceof Index.Const c && c.value() <= 1)) {
				live.add(g);
			}
		}
		if (live.isEmpty()) {
			return out;
		}
		for (Stmt s : Stmt.flatten(k.body())) {
			if (!(s instanceof Stmt.Store st)) {
				continue;
			}
			KernelArg arg = k.arg(st.arg());
			if (arg == null) {
				continue;
			}
			Set<String> loopVars = new HashSet<>();
			for (Index o : st.access().origin()) {
				collectLoopVars(o, loopVars);
			}
			List<String> vars = new ArrayList<>(loopVars);
			int n = live.size() + vars.size();
			if (n > 6) {
				continue; // 5^n differences: beyond this the search is not worth its time
			}
			long[][] coefficient = new long[st.access().rank()][n];
			long[] size = new long[st.access().rank()];
			for (int a = 0; a < st.access().rank(); a++) {
				int t = st.access().tileAxis().get(a);
				size[a] = t < 0 ? 1 : st.value().type().shape().get(t);
				Index o = st.access().origin().get(a);
				long base = eval(o, live, vars, new long[n]);
				for (int i = 0; i < n; i++) {
					long[] at = new long[n];
					at[i] = 1;
					coefficient[a][i] = eval(o, live, vars, at) - base;
				}
			}
			long[] delta = overlap(coefficient, size, live.size(), n);
			if (delta != null) {
				out.add(report(k, st, live, delta));
			}
		}
		return out;
	}

	/** A difference of program ids (not all 0; loop variables free) under which the two boxes overlap, or null. */
	private static long[] overlap(long[][] coefficient, long[] size, int programAxes, int n) {
		long[] delta = new long[n];
		return search(coefficient, size, programAxes, delta, 0) ? delta : null;
	}

	private static boolean search(long[][] coefficient, long[] size, int programAxes, long[] delta, int i) {
		if (i == delta.length) {
			boolean programsDiffer = false;
			for (int g = 0; g < programAxes; g++) {
				programsDiffer |= delta[g] != 0;
			}
			if (!programsDiffer) {
				return false;
			}
			for (int a = 0; a < size.length; a++) {
				long d = 0;
				for (int j = 0; j < delta.length; j++) {
					d += coefficient[a][j] * delta[j];
				}
				if (Math.abs(d) >= size[a]) {
					return false;
				}
			}
			return true;
		}
		for (long v : new long[] { 0, 1, -1, 2, -2 }) {
			delta[i] = v;
			if (search(coefficient, size, programAxes, delta, i + 1)) {
				return true;
			}
		}
		delta[i] = 0;
		return false;
	}

	private static long eval(Index o, List<Integer> live, List<String> vars, long[] at) {
		return o.evaluate(leaf -> switch (leaf) {
			case Index.ProgramId p -> live.contains(p.axis()) ? at[live.indexOf(p.axis())] + 2 : 0;
			case Index.LoopVar v -> vars.contains(v.name()) ? at[live.size() + vars.indexOf(v.name())] + 2 : 0;
			default -> LARGE;
		});
	}

	private static void collectLoopVars(Index i, Set<String> out) {
		switch (i) {
			case Index.LoopVar v -> out.add(v.name());
			case Index.Binary b -> {
				collectLoopVars(b.lhs(), out);
				collectLoopVars(b.rhs(), out);
			}
			default -> {
			}
		}
	}

	private static LintDiagnostic report(Kernel k, Stmt.Store st, List<Integer> live, long[] delta) {
		StringBuilder p = new StringBuilder(), q = new StringBuilder();
		List<Integer> ignored = new ArrayList<>();
		for (int i = 0; i < live.size(); i++) {
			int g = live.get(i);
			long a = Math.max(0, -delta[i]);
			p.append(p.isEmpty() ? "" : ", ").append("pid").append(g).append('=').append(a);
			q.append(q.isEmpty() ? "" : ", ").append("pid").append(g).append('=').append(a + delta[i]);
			boolean used = false;
			for (Index o : st.access().origin()) {
				used |= usesProgram(o, g);
			}
			if (!used) {
				ignored.add(g);
			}
		}
		String why = !ignored.isEmpty()
				? "its index ignores program axis " + ignored.get(0) + " (grid extent " + Index.print(k.grid().get(ignored.get(0))) + ")"
				: "the blocks its index gives neighbouring programs overlap";
		String message = "global-memory race on '" + st.arg() + "': programs (" + p + ") and (" + q
				+ ") write the same elements with the store at line " + st.range().line() + ": " + why;
		return new LintDiagnostic(LintDiagnostic.GLOBAL_RACE, LintDiagnostic.Severity.WARNING, message, st.range(), List.of(), List.of());
	}

	private static boolean usesProgram(Index i, int g) {
		return switch (i) {
			case Index.ProgramId p -> p.axis() == g;
			case Index.Binary b -> usesProgram(b.lhs(), g) || usesProgram(b.rhs(), g);
			default -> false;
		};
	}
}
