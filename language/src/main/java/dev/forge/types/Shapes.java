package dev.forge.types;

import java.util.ArrayList;
import java.util.List;

/** Shape arithmetic shared by the type rules: comparison, broadcasting, element counts. */
final class Shapes {

	private Shapes() {
	}

	/** The first pair of dims that differ, or null when the shapes agree (ranks must be equal). */
	record Difference(Dim expected, Dim actual, Dim.Relation relation) {
		String describe() {
			return actual + " vs " + expected;
		}
	}

	static Difference firstDifference(List<Dim> expected, List<Dim> actual) {
		Difference undecided = null;
		for (int i = 0; i < expected.size(); i++) {
			Dim.Relation r = Dim.compare(expected.get(i), actual.get(i));
			if (r == Dim.Relation.DIFFERENT) {
				return new Difference(expected.get(i), actual.get(i), r);
			}
			if (r == Dim.Relation.UNDECIDED && undecided == null) {
				undecided = new Difference(expected.get(i), actual.get(i), r);
			}
		}
		return undecided;
	}

	/** NumPy broadcasting of two shapes; a null result dim list never happens, problems go to {@code onConflict}. */
	interface Conflict {
		void report(Dim a, Dim b, Dim.Relation relation);
	}

	static List<Dim> broadcast(List<Dim> a, List<Dim> b, Conflict onConflict) {
		int rank = Math.max(a.size(), b.size());
		List<Dim> out = new ArrayList<>(rank);
		boolean reported = false; // the first conflict explains the expression; more would repeat it
		for (int i = 0; i < rank; i++) {
			int ia = a.size() - rank + i;
			int ib = b.size() - rank + i;
			Dim x = ia >= 0 ? a.get(ia) : null;
			Dim y = ib >= 0 ? b.get(ib) : null;
			if (x == null) {
				out.add(y);
			} else if (y == null) {
				out.add(x);
			} else if (isOne(x)) {
				out.add(y);
			} else if (isOne(y)) {
				out.add(x);
			} else {
				Dim.Relation r = Dim.compare(x, y);
				if (r != Dim.Relation.EQUAL && !reported) {
					onConflict.report(x, y, r);
					reported = r == Dim.Relation.DIFFERENT;
				}
				out.add(x);
			}
		}
		return out;
	}

	static boolean isOne(Dim d) {
		return d.isConstant() && d.constantValue().getAsLong() == 1;
	}

	static Dim product(List<Dim> dims) {
		Dim p = Dim.of(1);
		for (Dim d : dims) {
			p = p.times(d);
		}
		return p;
	}

	private static final java.util.regex.Pattern SPLIT = java.util.regex.Pattern.compile("\\b([A-Za-z_]\\w*)//([A-Za-z_]\\w*|\\d+)\\b");

	/**
	 * Compares element counts the way a reshape means them: a shape on either side that splits
	 * a dim ({@code D//heads}) asserts that it divides evenly (the runtime checks it), so each split symbol
	 * D is written as heads*q before comparing. Without a split this is {@link Dim#compare}.
	 */
	static Dim.Relation compareAssumingDivisible(Dim a, Dim b, List<Dim> shape) {
		Dim.Relation plain = Dim.compare(a, b);
		if (plain != Dim.Relation.UNDECIDED) {
			return plain;
		}
		java.util.Map<String, Dim> split = new java.util.HashMap<>();
		int fresh = 0;
		for (Dim d : shape) {
			java.util.regex.Matcher m = SPLIT.matcher(d.toString());
			while (m.find()) {
				String numerator = m.group(1);
				String denominator = m.group(2);
				Dim by = Character.isDigit(denominator.charAt(0)) ? Dim.of(Long.parseLong(denominator)) : Dim.symbol(denominator);
				split.putIfAbsent(numerator, by.times(Dim.symbol("_q" + fresh++)));
			}
		}
		return split.isEmpty() ? plain : Dim.compare(a.substitute(split), b.substitute(split));
	}

	static String show(List<Dim> dims) {
		return Type.shape(dims, null);
	}
}
