package dev.forge.compiler.lint;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.compiler.interp.Elementwise;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TileValue;

/**
 * FORGE-L-FILL: a load's elements past the edge of its tensor read the fill value ({@code fill=}, 0 by
 * default), and a reduction over them must see its neutral element there (0 for a sum, -inf for a
 * max). A forward dataflow over the kernel tracks, per tile value, along which axes it holds padded
 * elements and what they hold: the fill, a constant an operation made of it ({@code exp(-inf) = 0}),
 * or an unknown value ({@code 0 - mean}). A reduction along a padded axis whose padding is not its
 * neutral element is reported, with the load and the operation that changed the fill.
 *
 * <p>Rules that keep it quiet where the program is right: an accumulator ({@code total += x}, a loop-carried
 * operand) keeps its own elements when the fill is the operation's identity; {@code tile.where} whose
 * condition comes from {@code tile.arange} is taken to be the bounds mask and its constant branch is
 * what the padding holds. Limits: masks built from loaded values are not recognised (the padding is then
 * taken to be either branch).
 */
final class FillValues {

	/** Padded elements along {@code axes}: constant {@code value} (NaN: unknown), from {@code load}, changed by {@code changedBy}. */
	private record Pad(Set<Integer> axes, double value, Stmt load, Stmt changedBy) {
		boolean known() {
			return !Double.isNaN(value);
		}

		Pad with(double v, Stmt by) {
			boolean changed = Double.compare(v, value) != 0;
			return new Pad(axes, v, load, changedBy != null || !changed ? changedBy : by);
		}
	}

	/** Finite values an unpadded operand may hold: an operation whose result is the same for all of them is a constant. */
	private static final double[] SAMPLES = { -2.5, -1, 0, 0.5, 1, 3.75 };

	private final Map<Integer, Pad> pads = new HashMap<>();
	private final Map<Integer, Double> constants = new HashMap<>();
	private final Set<Integer> carried = new java.util.HashSet<>();
	private final Set<Integer> masks = new java.util.HashSet<>();
	private final Map<Stmt, LintDiagnostic> found = new java.util.LinkedHashMap<>();

	private FillValues() {
	}

	static List<LintDiagnostic> check(Kernel k) {
		FillValues f = new FillValues();
		f.block(k.body());
		return new ArrayList<>(f.found.values());
	}

	private void block(List<Stmt> body) {
		for (Stmt s : body) {
			statement(s);
		}
	}

	private void statement(Stmt s) {
		switch (s) {
			case Stmt.Load l -> {
				Set<Integer> axes = new TreeSet<>(l.access().tileAxis());
				axes.removeIf(a -> a < 0);
				if (!axes.isEmpty()) {
					pads.put(l.result().id(), new Pad(axes, l.other(), l, null));
				}
			}
			case Stmt.Full f -> constants.put(f.result().id(), f.value());
			case Stmt.Iota i -> masks.add(i.result().id());
			case Stmt.Unary u -> {
				pass(u.x(), u.result());
				Pad p = pads.get(u.x().id());
				if (p != null) {
					pads.put(u.result().id(), p.with(p.known() ? unary(u.kind(), p.value()) : Double.NaN, s));
				}
			}
			case Stmt.Binary b -> binary(b);
			case Stmt.Select sel -> select(sel);
			case Stmt.Reduce r -> reduce(r);
			case Stmt.Cast c -> same(c.x(), c.result());
			case Stmt.Copy c -> same(c.x(), c.result());
			case Stmt.Reshape r -> {
				Pad p = pads.get(r.x().id());
				if (p != null) {
					pads.put(r.result().id(), new Pad(reshaped(p.axes(), r.x().type().shape(), r.result().type().shape()), p.value(), p.load(),
							p.changedBy()));
				}
				pass(r.x(), r.result());
			}
			case Stmt.Transpose t -> {
				Pad p = pads.get(t.x().id());
				if (p != null) {
					Set<Integer> axes = new TreeSet<>();
					for (int a = 0; a < t.perm().size(); a++) {
						if (p.axes().contains(t.perm().get(a))) {
							axes.add(a);
						}
					}
					pads.put(t.result().id(), new Pad(axes, p.value(), p.load(), p.changedBy()));
				}
				pass(t.x(), t.result());
			}
			case Stmt.For f -> loop(f);
			default -> {
			}
		}
	}

	/**
	 * The padded axes after a reshape: where it only adds or drops axes of size 1 ({@code m[:, None]}), the
	 * others keep their order; otherwise every axis (conservative for a later reduction).
	 */
	private static Set<Integer> reshaped(Set<Integer> axes, List<Integer> from, List<Integer> to) {
		List<Integer> a = new ArrayList<>(), b = new ArrayList<>();
		for (int d = 0; d < from.size(); d++) {
			if (from.get(d) != 1) {
				a.add(d);
			}
		}
		for (int d = 0; d < to.size(); d++) {
			if (to.get(d) != 1) {
				b.add(d);
			}
		}
		Set<Integer> out = new TreeSet<>();
		boolean same = a.size() == b.size();
		for (int i = 0; same && i < a.size(); i++) {
			same = from.get(a.get(i)).equals(to.get(b.get(i)));
			if (axes.contains(a.get(i))) {
				out.add(b.get(i));
			}
		}
		if (!same) {
			out.clear();
			for (int d = 0; d < to.size(); d++) {
				out.add(d);
			}
		}
		return out;
	}

	/** Mask-ness flows through comparisons and casts of arange-derived values. */
	private void pass(TileValue from, TileValue to) {
		if (masks.contains(from.id())) {
			masks.add(to.id());
		}
	}

	private void same(TileValue from, TileValue to) {
		pass(from, to);
		Pad p = pads.get(from.id());
		if (p != null) {
			pads.put(to.id(), p);
		}
		Double c = constants.get(from.id());
		if (c != null) {
			constants.put(to.id(), c);
		}
	}

	private void loop(Stmt.For f) {
		for (int round = 0; round < 2; round++) {
			for (int i = 0; i < f.carried().size(); i++) {
				TileValue c = f.carried().get(i);
				carried.add(c.id());
				Pad p = join(pads.get(f.inits().get(i).id()), round == 0 ? null : pads.get(f.yielded().get(i).id()));
				if (p != null) {
					pads.put(c.id(), p);
				} else {
					pads.remove(c.id());
				}
			}
			block(f.body());
		}
		for (int i = 0; i < f.results().size(); i++) {
			Pad p = join(pads.get(f.inits().get(i).id()), pads.get(f.yielded().get(i).id()));
			if (p != null) {
				pads.put(f.results().get(i).id(), p);
			}
		}
	}

	private static Pad join(Pad a, Pad b) {
		if (a == null || b == null) {
			return a == null ? b : a;
		}
		Set<Integer> axes = new TreeSet<>(a.axes());
		axes.addAll(b.axes());
		double v = Double.compare(a.value(), b.value()) == 0 ? a.value() : Double.NaN;
		return new Pad(axes, v, a.load(), a.changedBy() != null ? a.changedBy() : b.changedBy());
	}

	private void binary(Stmt.Binary b) {
		pass(b.lhs(), b.result());
		pass(b.rhs(), b.result());
		Pad l = pads.get(b.lhs().id()), r = pads.get(b.rhs().id());
		if (l == null && r == null) {
			return;
		}
		// x - m[:, None] with m a row reduction: m is padded only in rows x pads too; those rows are never stored,
		// so along x's other padded axes m holds real values.
		if (l != null && r != null && !l.axes().equals(r.axes())) {
			if (l.axes().containsAll(r.axes())) {
				r = null;
			} else if (r.axes().containsAll(l.axes())) {
				l = null;
			}
		}
		if (l != null && r != null) {
			Set<Integer> axes = new TreeSet<>(l.axes());
			axes.addAll(r.axes());
			double v = l.known() && r.known() ? binary(b.kind(), l.value(), r.value()) : Double.NaN;
			pads.put(b.result().id(), new Pad(axes, v, l.load(), l.changedBy() != null ? l.changedBy() : b));
			return;
		}
		boolean padLeft = l != null;
		Pad p = padLeft ? l : r;
		TileValue other = padLeft ? b.rhs() : b.lhs();
		// An accumulator (total += x) keeps its own elements where x's fill is the operation's identity.
		if (carried.contains(other.id()) && p.known() && identity(b.kind(), p.value(), padLeft)) {
			return;
		}
		Double k = constants.get(other.id());
		double v = Double.NaN;
		if (p.known()) {
			v = k != null ? (padLeft ? binary(b.kind(), p.value(), k) : binary(b.kind(), k, p.value())) : sameForAll(b.kind(), p.value(), padLeft);
		}
		pads.put(b.result().id(), p.with(v, b));
	}

	/** {@code fill op x} (or {@code x op fill}) when it is one value for every finite x, else NaN. */
	private static double sameForAll(BinaryKind kind, double fill, boolean fillLeft) {
		double first = Double.NaN;
		for (int i = 0; i < SAMPLES.length; i++) {
			double v = fillLeft ? binary(kind, fill, SAMPLES[i]) : binary(kind, SAMPLES[i], fill);
			if (i == 0) {
				first = v;
			} else if (Double.compare(v, first) != 0) {
				return Double.NaN;
			}
		}
		return first;
	}

	private static boolean identity(BinaryKind kind, double fill, boolean fillLeft) {
		return switch (kind) {
			case ADD -> fill == 0;
			case SUB, DIV -> !fillLeft && fill == (kind == BinaryKind.SUB ? 0 : 1);
			case MUL -> fill == 1;
			case MAX -> fill == Double.NEGATIVE_INFINITY;
			case MIN -> fill == Double.POSITIVE_INFINITY;
			default -> false;
		};
	}

	private void select(Stmt.Select s) {
		Pad a = pads.get(s.a().id()), b = pads.get(s.b().id());
		if (masks.contains(s.cond().id())) {
			// tile.where(cols < width, x - mean, 0.0): the bounds mask; the padding holds the constant branch.
			Double ka = constants.get(s.a().id()), kb = constants.get(s.b().id());
			Pad p = a != null ? a : b;
			if (p != null && (ka != null || kb != null)) {
				pads.put(s.result().id(), new Pad(p.axes(), ka != null ? ka : kb, p.load(), null));
			}
			return;
		}
		Pad p = join(a, b);
		if (p != null) {
			pads.put(s.result().id(), a != null && b != null ? p : p.with(Double.NaN, s));
		}
	}

	private void reduce(Stmt.Reduce r) {
		Pad p = pads.get(r.x().id());
		if (p == null) {
			return;
		}
		if (p.axes().contains(r.axis()) && !neutral(r.kind(), p.value())) {
			report(r, p);
		}
		Set<Integer> rest = new TreeSet<>(p.axes());
		rest.remove(r.axis());
		if (!rest.isEmpty()) {
			pads.put(r.result().id(), new Pad(rest, Double.NaN, p.load(), r));
		}
	}

	private static boolean neutral(ReduceKind kind, double v) {
		return switch (kind) {
			case SUM, MEAN -> v == 0;
			case MAX -> v == Double.NEGATIVE_INFINITY;
			case MIN -> v == Double.POSITIVE_INFINITY;
		};
	}

	private static String neutralText(ReduceKind kind) {
		return switch (kind) {
			case SUM, MEAN -> "0.0";
			case MAX -> "-inf";
			case MIN -> "inf";
		};
	}

	private void report(Stmt.Reduce r, Pad p) {
		if (found.containsKey(r)) {
			return;
		}
		Stmt.Load load = (Stmt.Load) p.load();
		String what = "tile." + r.kind().name().toLowerCase(java.util.Locale.ROOT) + " at line " + r.range().line();
		String fill = number(load.other());
		StringBuilder m = new StringBuilder();
		List<LintDiagnostic.Related> related = new ArrayList<>();
		related.add(new LintDiagnostic.Related(load.range(), "the load whose elements past the edge read " + fill));
		if (p.changedBy() == null) {
			m.append("the load at line ").append(load.range().line()).append(" fills elements past the edge with ").append(fill)
					.append(", which is not neutral for the ").append(what).append(" (it needs ").append(neutralText(r.kind()))
					.append("): load with fill=").append(neutralText(r.kind()));
		} else {
			Stmt by = p.changedBy();
			related.add(new LintDiagnostic.Related(by.range(), "the " + Stmt.mnemonic(by) + " that changes the fill"));
			m.append("the load at line ").append(load.range().line()).append(" fills elements past the edge with ").append(fill)
					.append(", but the ").append(Stmt.mnemonic(by)).append(" at line ").append(by.range().line()).append(" turns them into ")
					.append(p.known() ? number(p.value()) : "other values").append(" that the ").append(what)
					.append(" takes in; put its neutral element back: tile.where(<in-bounds mask>, ..., ").append(neutralText(r.kind()))
					.append(") before reducing");
		}
		found.put(r, new LintDiagnostic(LintDiagnostic.FILL, LintDiagnostic.Severity.WARNING, m.toString(), r.range(), related, List.of()));
	}

	private static String number(double v) {
		return v == Double.NEGATIVE_INFINITY ? "-inf" : v == Double.POSITIVE_INFINITY ? "inf" : String.valueOf(v);
	}

	/** The reference interpreter's unary, but silu(-inf) is its limit 0, and the erf family is followed through 0 only. */
	private static double unary(UnaryKind kind, double x) {
		return switch (kind) {
			case SILU -> x == Double.NEGATIVE_INFINITY ? 0 : Elementwise.unary(kind, x);
			case GELU, GELU_TANH, ERF -> x == 0 ? 0 : Double.NaN;
			default -> Elementwise.unary(kind, x);
		};
	}

	/** The reference interpreter's arithmetic; other operations (comparisons, bit operations) are not followed. */
	private static double binary(BinaryKind kind, double a, double b) {
		return switch (kind) {
			case ADD, SUB, MUL, DIV, MAX, MIN, POW -> Elementwise.binary(kind, a, b);
			default -> Double.NaN;
		};
	}
}
