package dev.forge.types;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A symbolic tensor dimension such as {@code B}, {@code S*2} or {@code D//heads}, kept in a canonical
 * normal form so that dimensions equal by the rules below are {@link #equals equal} (and hash alike).
 * Immutable; every operation returns a normalized {@code Dim}.
 *
 * <h2>Normal form</h2>
 * A dim is a polynomial with {@code long} coefficients over <em>atoms</em>. An atom is a symbol (a
 * name like {@code B} or {@code heads}, matching {@code [A-Za-z_][A-Za-z_0-9]*}) or a floor division
 * {@code num//den} of two normalized dims that could not be simplified away. A monomial is a product
 * of atoms with positive exponents, sorted by atom; a dim is a sum of terms {@code coefficient *
 * monomial} with distinct monomials and non-zero coefficients, so {@code S*2 + S} is {@code 3*S} and
 * {@code (a+b)*(a-b)} is {@code a*a - b*b}. Terms are ordered by the graded lexicographic monomial
 * order: higher total degree first, then by the atom order (symbols alphabetically by
 * {@link String#compareTo}, then floor-division atoms), a larger exponent of an earlier atom first;
 * the constant term comes last. Coefficients lie within {@code ±Long.MAX_VALUE}.
 *
 * <h2>Floor division</h2>
 * {@link #floorDiv} is Python's {@code //}. Division by the constant 0 throws
 * {@link ArithmeticException} ({@code "division by zero"}). Two constants divide as in Python
 * ({@code -7//2 == -4}); {@code x//1 == x}; {@code 0//x == 0}. Otherwise {@code n//d} is normalized
 * by these rules, each exact for every integer value of the symbols where {@code d != 0}:
 * <ol>
 * <li>The denominator's leading coefficient is made positive: {@code n//(-d) == (-n)//d}.</li>
 * <li>Division with remainder by the leading term {@code c*m} of {@code d}: every term of {@code n}
 * whose monomial is divisible by {@code m} has its coefficient brought into {@code [0, c)} by moving
 * a multiple of {@code d} into the quotient {@code q} ({@code n = q*d + r}, so
 * {@code n//d = q + r//d}). Exact division is the case {@code r == 0}: {@code D*H//H == D},
 * {@code (heads*hd)//heads == hd}, {@code (2*S*D + 4*D)//(2*D) == S + 2},
 * {@code (a*a - b*b)//(a - b) == a + b}, {@code (2*S + 1)//2 == S}, {@code (S + 2)//2 == S//2 + 1}.
 * By a constant {@code c}, a constant remainder (then in {@code [0, c)}) divides to 0.</li>
 * <li>Common factors of the remainder and the denominator cancel: the gcd of all their
 * coefficients and their common monomial factor ({@code (2*S)//(2*T) == S//T},
 * {@code (2*S)//4 == S//2}).</li>
 * <li>Nested division by a positive constant merges: {@code (n//d)//c == n//(d*c)}, so
 * {@code D//2//2 == D//4}.</li>
 * </ol>
 * What remains becomes the atom {@code r//d}. Floor-division atoms nest at most {@value #MAX_DEPTH}
 * deep, a dim has at most {@value #MAX_TERMS} terms and degree {@value #MAX_DEGREE}; beyond these
 * limits, and on coefficient overflow, operations throw {@link ArithmeticException}.
 *
 * <h2>Comparison</h2>
 * {@link #compare} decides {@code a == b} for symbols that are rigid (the equation must hold for
 * all values): {@link Relation#EQUAL} when the normal forms are equal, {@link Relation#DIFFERENT} when
 * {@code a - b} is a non-zero polynomial without floor-division atoms ({@code S} vs {@code T},
 * {@code S} vs {@code S + 1}, {@code 2} vs {@code 3}), and {@link Relation#UNDECIDED} when {@code a -
 * b} still contains a floor division ({@code D//2*2} vs {@code D}).
 *
 * <h2>Notation ({@link #toString})</h2>
 * Deterministic source notation that {@link DimParser#parse} reads back to an equal dim. Terms in
 * the order above, joined by {@code " + "} and {@code " - "}; a negative first term starts with
 * {@code -}. A term prints as its coefficient's magnitude and its atoms joined by {@code *}, the
 * coefficient left out when it is 1, an atom repeated as often as its exponent ({@code D*D}, there
 * is no power operator). Constants print as decimal numbers, zero as {@code 0}. A floor-division atom
 * prints as {@code num//den}, the numerator in parentheses unless it is a single term and the
 * denominator unless it is a symbol or a number; the whole atom is in parentheses unless it alone
 * makes up its term with coefficient 1 (or is subtracted after an earlier term). Examples:
 * {@code B}, {@code 2*S}, {@code S*T + 1}, {@code -D + 4}, {@code D*D}, {@code -S},
 * {@code D//heads}, {@code (S + 1)//2}, {@code S + 2*(D//4) - 1}, {@code -(D//2)},
 * {@code x//(2*T)}.
 */
public final class Dim implements Comparable<Dim> {

	/** The answer of {@link Dim#compare}. */
	public enum Relation {
		/** Equal for all values of the symbols. */
		EQUAL,
		/** Not equal as polynomials over rigid symbols. */
		DIFFERENT,
		/** The difference still contains a floor division: neither could be shown. */
		UNDECIDED
	}

	/** Most floor divisions nested inside one another. */
	public static final int MAX_DEPTH = 32;
	/** Most terms in one dim. */
	public static final int MAX_TERMS = 10_000;
	/** Highest total degree of a monomial. */
	public static final int MAX_DEGREE = 100;

	/** Message of the {@link ArithmeticException} for a division by the constant 0. */
	static final String DIVISION_BY_ZERO = "division by zero";
	/** Message of the {@link ArithmeticException} for too many terms or too high a degree. */
	static final String TOO_LARGE = "dim too large";
	/** Message of the {@link ArithmeticException} for floor divisions nested too deeply. */
	static final String TOO_DEEP = "floor divisions nested too deeply";

	private static final long MAX_PRODUCT_WORK = 1_000_000;
	private static final int MAX_DIVISION_STEPS = 100_000;
	private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z_0-9]*");

	public static final Dim ZERO = new Dim(List.of());
	public static final Dim ONE = new Dim(List.of(new Term(Monomial.UNIT, 1)));

	/** Descending monomial order, distinct monomials, non-zero coefficients. */
	private final List<Term> terms;
	/** Nesting depth of floor-division atoms; 0 when there is none. */
	private final int depth;
	private final int hash;

	private Dim(List<Term> terms) {
		this.terms = terms;
		int d = 0;
		for (Term t : terms) {
			for (Power p : t.monomial.powers) {
				if (p.atom instanceof Div(Dim num, Dim den)) {
					d = Math.max(d, 1 + Math.max(num.depth, den.depth));
				}
			}
		}
		this.depth = d;
		this.hash = terms.hashCode();
	}

	// ---------------------------------------------------------------- factories

	/** The constant {@code value}; {@link ArithmeticException} for {@link Long#MIN_VALUE}. */
	public static Dim of(long value) {
		if (value == 0) {
			return ZERO;
		}
		if (value == 1) {
			return ONE;
		}
		return new Dim(List.of(new Term(Monomial.UNIT, checked(value))));
	}

	/**
	 * The symbol {@code name}.
	 *
	 * @throws IllegalArgumentException unless {@code name} matches {@code [A-Za-z_][A-Za-z_0-9]*}
	 */
	public static Dim symbol(String name) {
		if (name == null || !NAME.matcher(name).matches()) {
			throw new IllegalArgumentException("not a dim name: " + name);
		}
		return new Dim(List.of(new Term(Monomial.of(new Sym(name)), 1)));
	}

	// ---------------------------------------------------------------- arithmetic

	public Dim plus(Dim other) {
		if (other.terms.isEmpty()) {
			return this;
		}
		if (terms.isEmpty()) {
			return other;
		}
		Builder b = new Builder();
		b.addAll(this, 1);
		b.addAll(other, 1);
		return b.build();
	}

	public Dim minus(Dim other) {
		if (other.terms.isEmpty()) {
			return this;
		}
		Builder b = new Builder();
		b.addAll(this, 1);
		b.addAll(other, -1);
		return b.build();
	}

	public Dim negate() {
		if (terms.isEmpty()) {
			return this;
		}
		List<Term> negated = new ArrayList<>(terms.size());
		for (Term t : terms) {
			negated.add(new Term(t.monomial, -t.coefficient));
		}
		return new Dim(List.copyOf(negated));
	}

	public Dim times(Dim other) {
		if (terms.isEmpty() || other.terms.isEmpty()) {
			return ZERO;
		}
		if (other.equals(ONE)) {
			return this;
		}
		if (equals(ONE)) {
			return other;
		}
		if ((long) terms.size() * other.terms.size() > MAX_PRODUCT_WORK) {
			throw new ArithmeticException(TOO_LARGE);
		}
		Builder b = new Builder();
		for (Term x : terms) {
			for (Term y : other.terms) {
				b.add(x.monomial.times(y.monomial), Math.multiplyExact(x.coefficient, y.coefficient));
			}
		}
		return b.build();
	}

	/**
	 * Python's floor division {@code this // divisor}, normalized as the class comment describes.
	 *
	 * @throws ArithmeticException {@code "division by zero"} when {@code divisor} is the constant 0;
	 *         also on overflow or beyond the size limits
	 */
	public Dim floorDiv(Dim divisor) {
		Dim n = this;
		Dim d = divisor;
		if (d.terms.isEmpty()) {
			throw new ArithmeticException(DIVISION_BY_ZERO);
		}
		if (n.terms.isEmpty()) {
			return ZERO;
		}
		if (n.isConstant() && d.isConstant()) {
			return of(Math.floorDiv(n.terms.get(0).coefficient, d.terms.get(0).coefficient));
		}
		if (d.terms.get(0).coefficient < 0) {
			n = n.negate();
			d = d.negate();
		}
		if (d.equals(ONE)) {
			return n;
		}

		// Division with remainder by the leading term c*md of d: n = q*d + r.
		Term lead = d.terms.get(0);
		long c = lead.coefficient;
		Monomial md = lead.monomial;
		Builder quotient = new Builder();
		Builder remainder = new Builder();
		remainder.addAll(n, 1);
		Monomial cursor = null;
		int steps = 0;
		while (true) {
			Monomial m = cursor == null ? remainder.first() : remainder.after(cursor);
			if (m == null) {
				break;
			}
			if (++steps > MAX_DIVISION_STEPS) {
				throw new ArithmeticException(TOO_LARGE);
			}
			cursor = m;
			if (!m.divisibleBy(md)) {
				continue;
			}
			long qk = Math.floorDiv(remainder.coefficient(m), c);
			if (qk == 0) {
				continue;
			}
			Monomial qm = m.dividedBy(md);
			quotient.add(qm, qk);
			for (Term t : d.terms) {
				// Every term but the leading one lands below m (the order is multiplicative).
				remainder.add(t.monomial.times(qm), Math.negateExact(Math.multiplyExact(qk, t.coefficient)));
			}
		}
		Dim q = quotient.build();
		Dim r = remainder.build();
		if (r.terms.isEmpty()) {
			return q;
		}
		if (d.isConstant() && r.isConstant()) {
			return q; // 0 <= r < c
		}

		// Cancel common factors of r and d.
		long g = gcd(r.content(), d.content());
		Monomial m0 = r.commonMonomial().gcd(d.commonMonomial());
		if (g > 1 || !m0.powers.isEmpty()) {
			return q.plus(r.divideExactly(g, m0).floorDiv(d.divideExactly(g, m0)));
		}

		// (n1//d1)//c == n1//(d1*c) for a constant c > 0.
		if (d.isConstant() && r.terms.size() == 1) {
			Term only = r.terms.get(0);
			if (only.coefficient == 1 && only.monomial.degree == 1
					&& only.monomial.powers.get(0).atom instanceof Div(Dim n1, Dim d1)) {
				return q.plus(n1.floorDiv(d1.times(d)));
			}
		}

		if (1 + Math.max(r.depth, d.depth) > MAX_DEPTH) {
			throw new ArithmeticException(TOO_DEEP);
		}
		return q.plus(new Dim(List.of(new Term(Monomial.of(new Div(r, d)), 1))));
	}

	// ---------------------------------------------------------------- queries

	public boolean isZero() {
		return terms.isEmpty();
	}

	public boolean isConstant() {
		return terms.isEmpty() || (terms.size() == 1 && terms.get(0).monomial.powers.isEmpty());
	}

	/** The value of a constant dim; empty when the dim has symbols. */
	public OptionalLong constantValue() {
		if (terms.isEmpty()) {
			return OptionalLong.of(0);
		}
		return isConstant() ? OptionalLong.of(terms.get(0).coefficient) : OptionalLong.empty();
	}

	/** The name when this dim is exactly one symbol ({@code B}, not {@code 2*B} or {@code B + 1}). */
	public Optional<String> asSymbol() {
		if (terms.size() == 1) {
			Term t = terms.get(0);
			if (t.coefficient == 1 && t.monomial.degree == 1 && t.monomial.powers.get(0).atom instanceof Sym(String name)) {
				return Optional.of(name);
			}
		}
		return Optional.empty();
	}

	/** All symbol names, also those inside floor divisions, sorted; unmodifiable. */
	public Set<String> symbols() {
		TreeSet<String> names = new TreeSet<>();
		collectSymbols(names);
		return Collections.unmodifiableSortedSet(names);
	}

	private void collectSymbols(Set<String> names) {
		for (Term t : terms) {
			for (Power p : t.monomial.powers) {
				switch (p.atom) {
					case Sym(String name) -> names.add(name);
					case Div(Dim num, Dim den) -> {
						num.collectSymbols(names);
						den.collectSymbols(names);
					}
				}
			}
		}
	}

	/** Whether a floor division remains in the normal form. */
	public boolean hasFloorDiv() {
		return depth > 0;
	}

	/**
	 * Replaces symbols by dims (symbols not in {@code bindings} stay) and renormalizes.
	 *
	 * @throws ArithmeticException when a denominator becomes 0, on overflow or beyond the size limits
	 */
	public Dim substitute(Map<String, Dim> bindings) {
		if (bindings.isEmpty() || Collections.disjoint(bindings.keySet(), symbols())) {
			return this;
		}
		Dim result = ZERO;
		for (Term t : terms) {
			Dim term = of(t.coefficient);
			for (Power p : t.monomial.powers) {
				Dim value = switch (p.atom) {
					case Sym(String name) -> bindings.getOrDefault(name, symbol(name));
					case Div(Dim num, Dim den) -> num.substitute(bindings).floorDiv(den.substitute(bindings));
				};
				term = term.times(power(value, p.exponent));
			}
			result = result.plus(term);
		}
		return result;
	}

	/**
	 * The value for the given symbol values, floor division as in Python; empty when a symbol is
	 * unbound.
	 *
	 * @throws ArithmeticException when a denominator evaluates to 0 or on {@code long} overflow
	 */
	public OptionalLong evaluate(Map<String, Long> values) {
		long sum = 0;
		for (Term t : terms) {
			long product = t.coefficient;
			for (Power p : t.monomial.powers) {
				long value;
				switch (p.atom) {
					case Sym(String name) -> {
						Long v = values.get(name);
						if (v == null) {
							return OptionalLong.empty();
						}
						value = v;
					}
					case Div(Dim num, Dim den) -> {
						OptionalLong a = num.evaluate(values);
						OptionalLong b = den.evaluate(values);
						if (a.isEmpty() || b.isEmpty()) {
							return OptionalLong.empty();
						}
						if (b.getAsLong() == 0) {
							throw new ArithmeticException(DIVISION_BY_ZERO);
						}
						if (a.getAsLong() == Long.MIN_VALUE && b.getAsLong() == -1) {
							throw new ArithmeticException("long overflow");
						}
						value = Math.floorDiv(a.getAsLong(), b.getAsLong());
					}
				}
				product = Math.multiplyExact(product, power(value, p.exponent));
			}
			sum = Math.addExact(sum, product);
		}
		return OptionalLong.of(sum);
	}

	/** Decides {@code a == b} for rigid symbols; see the class comment. Never throws. */
	public static Relation compare(Dim a, Dim b) {
		if (a.equals(b)) {
			return Relation.EQUAL;
		}
		if (!a.hasFloorDiv() && !b.hasFloorDiv()) {
			return Relation.DIFFERENT; // distinct normal forms of polynomials
		}
		Dim difference;
		try {
			difference = a.minus(b);
		} catch (ArithmeticException overflow) {
			return Relation.UNDECIDED;
		}
		return difference.hasFloorDiv() ? Relation.UNDECIDED : Relation.DIFFERENT;
	}

	// ---------------------------------------------------------------- identity

	@Override
	public boolean equals(Object o) {
		return this == o || (o instanceof Dim other && hash == other.hash && terms.equals(other.terms));
	}

	@Override
	public int hashCode() {
		return hash;
	}

	/** A total order on normal forms, consistent with {@link #equals}; for deterministic output. */
	@Override
	public int compareTo(Dim other) {
		if (this == other) {
			return 0;
		}
		int n = Math.min(terms.size(), other.terms.size());
		for (int i = 0; i < n; i++) {
			Term x = terms.get(i);
			Term y = other.terms.get(i);
			int c = MONOMIAL_ORDER.compare(x.monomial, y.monomial);
			if (c != 0) {
				return c;
			}
			c = Long.compare(x.coefficient, y.coefficient);
			if (c != 0) {
				return c;
			}
		}
		return Integer.compare(terms.size(), other.terms.size());
	}

	/** The notation described in the class comment; {@link DimParser#parse} reads it back. */
	@Override
	public String toString() {
		if (terms.isEmpty()) {
			return "0";
		}
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < terms.size(); i++) {
			Term t = terms.get(i);
			boolean negative = t.coefficient < 0;
			if (i == 0) {
				if (negative) {
					out.append('-');
				}
			} else {
				out.append(negative ? " - " : " + ");
			}
			appendTerm(out, Math.abs(t.coefficient), t.monomial, i == 0 && negative);
		}
		return out.toString();
	}

	private static void appendTerm(StringBuilder out, long magnitude, Monomial m, boolean afterUnaryMinus) {
		if (m.powers.isEmpty()) {
			out.append(magnitude);
			return;
		}
		boolean bare = magnitude == 1 && m.degree == 1 && !afterUnaryMinus;
		boolean first = true;
		if (magnitude != 1) {
			out.append(magnitude);
			first = false;
		}
		for (Power p : m.powers) {
			for (int e = 0; e < p.exponent; e++) {
				if (!first) {
					out.append('*');
				}
				first = false;
				switch (p.atom) {
					case Sym(String name) -> out.append(name);
					case Div(Dim num, Dim den) -> {
						if (!bare) {
							out.append('(');
						}
						if (num.terms.size() == 1) {
							out.append(num);
						} else {
							out.append('(').append(num).append(')');
						}
						out.append("//");
						if (den.asSymbol().isPresent() || den.isConstant()) {
							out.append(den);
						} else {
							out.append('(').append(den).append(')');
						}
						if (!bare) {
							out.append(')');
						}
					}
				}
			}
		}
	}

	// ---------------------------------------------------------------- internals

	private static long checked(long coefficient) {
		if (coefficient == Long.MIN_VALUE) {
			throw new ArithmeticException("long overflow");
		}
		return coefficient;
	}

	private static long gcd(long a, long b) {
		a = Math.abs(a);
		b = Math.abs(b);
		while (b != 0) {
			long t = a % b;
			a = b;
			b = t;
		}
		return a;
	}

	/** The gcd of the coefficients (positive; this dim is not zero). */
	private long content() {
		long g = 0;
		for (Term t : terms) {
			g = gcd(g, t.coefficient);
			if (g == 1) {
				break;
			}
		}
		return g;
	}

	/** The greatest monomial dividing every term (this dim is not zero). */
	private Monomial commonMonomial() {
		Monomial m = terms.get(0).monomial;
		for (int i = 1; i < terms.size() && !m.powers.isEmpty(); i++) {
			m = m.gcd(terms.get(i).monomial);
		}
		return m;
	}

	/** Every coefficient divided by {@code g} and every monomial by {@code m}; both must divide. */
	private Dim divideExactly(long g, Monomial m) {
		List<Term> divided = new ArrayList<>(terms.size());
		for (Term t : terms) {
			divided.add(new Term(t.monomial.dividedBy(m), t.coefficient / g));
		}
		// Dividing every monomial by the same monomial keeps their order.
		return new Dim(List.copyOf(divided));
	}

	private static Dim power(Dim base, int exponent) {
		Dim result = ONE;
		for (int i = 0; i < exponent; i++) {
			result = result.times(base);
		}
		return result;
	}

	private static long power(long base, int exponent) {
		long result = 1;
		long b = base;
		int e = exponent;
		while (e > 0) {
			if ((e & 1) != 0) {
				result = Math.multiplyExact(result, b);
			}
			e >>= 1;
			if (e > 0) {
				b = Math.multiplyExact(b, b);
			}
		}
		return result;
	}

	/** A symbol or a floor division that could not be simplified. */
	private sealed interface Atom permits Sym, Div {
	}

	private record Sym(String name) implements Atom {
	}

	private record Div(Dim num, Dim den) implements Atom {
	}

	/** Symbols before floor divisions; symbols by name; floor divisions by numerator, then denominator. */
	private static int compareAtoms(Atom a, Atom b) {
		if (a instanceof Sym(String x)) {
			return b instanceof Sym(String y) ? x.compareTo(y) : -1;
		}
		if (b instanceof Sym) {
			return 1;
		}
		Div x = (Div) a;
		Div y = (Div) b;
		int c = x.num.compareTo(y.num);
		return c != 0 ? c : x.den.compareTo(y.den);
	}

	private record Power(Atom atom, int exponent) {
	}

	/** Powers sorted by atom, positive exponents; {@code degree} is their sum. */
	private record Monomial(List<Power> powers, int degree) {

		static final Monomial UNIT = new Monomial(List.of(), 0);

		static Monomial of(Atom atom) {
			return new Monomial(List.of(new Power(atom, 1)), 1);
		}

		Monomial times(Monomial other) {
			if (other.powers.isEmpty()) {
				return this;
			}
			if (powers.isEmpty()) {
				return other;
			}
			int degree = this.degree + other.degree;
			if (degree > MAX_DEGREE) {
				throw new ArithmeticException(TOO_LARGE);
			}
			List<Power> merged = new ArrayList<>(powers.size() + other.powers.size());
			int i = 0;
			int j = 0;
			while (i < powers.size() || j < other.powers.size()) {
				int c = i == powers.size() ? 1
						: j == other.powers.size() ? -1 : compareAtoms(powers.get(i).atom, other.powers.get(j).atom);
				if (c < 0) {
					merged.add(powers.get(i++));
				} else if (c > 0) {
					merged.add(other.powers.get(j++));
				} else {
					merged.add(new Power(powers.get(i).atom, powers.get(i++).exponent + other.powers.get(j++).exponent));
				}
			}
			return new Monomial(List.copyOf(merged), degree);
		}

		private int exponentOf(Atom atom) {
			for (Power p : powers) {
				if (p.atom.equals(atom)) {
					return p.exponent;
				}
			}
			return 0;
		}

		boolean divisibleBy(Monomial divisor) {
			if (divisor.degree > degree) {
				return false;
			}
			for (Power p : divisor.powers) {
				if (exponentOf(p.atom) < p.exponent) {
					return false;
				}
			}
			return true;
		}

		/** This divided by {@code divisor}, which must divide it. */
		Monomial dividedBy(Monomial divisor) {
			if (divisor.powers.isEmpty()) {
				return this;
			}
			List<Power> left = new ArrayList<>(powers.size());
			for (Power p : powers) {
				int e = p.exponent - divisor.exponentOf(p.atom);
				if (e > 0) {
					left.add(e == p.exponent ? p : new Power(p.atom, e));
				}
			}
			return new Monomial(List.copyOf(left), degree - divisor.degree);
		}

		Monomial gcd(Monomial other) {
			List<Power> common = new ArrayList<>();
			int d = 0;
			for (Power p : powers) {
				int e = Math.min(p.exponent, other.exponentOf(p.atom));
				if (e > 0) {
					common.add(e == p.exponent ? p : new Power(p.atom, e));
					d += e;
				}
			}
			return new Monomial(List.copyOf(common), d);
		}
	}

	/**
	 * Graded lexicographic order, greatest first: higher degree first; at equal degree, the first
	 * atom (in atom order) whose exponents differ decides, the larger exponent first.
	 */
	private static final Comparator<Monomial> MONOMIAL_ORDER = (x, y) -> {
		if (x.degree != y.degree) {
			return Integer.compare(y.degree, x.degree);
		}
		int n = Math.min(x.powers.size(), y.powers.size());
		for (int i = 0; i < n; i++) {
			Power p = x.powers.get(i);
			Power q = y.powers.get(i);
			int c = compareAtoms(p.atom, q.atom);
			if (c != 0) {
				return c;
			}
			if (p.exponent != q.exponent) {
				return Integer.compare(q.exponent, p.exponent);
			}
		}
		return Integer.compare(y.powers.size(), x.powers.size());
	};

	private record Term(Monomial monomial, long coefficient) {
	}

	/** A mutable sum of terms in monomial order. */
	private static final class Builder {

		private final TreeMap<Monomial, Long> sum = new TreeMap<>(MONOMIAL_ORDER);

		void add(Monomial m, long coefficient) {
			if (coefficient == 0) {
				return;
			}
			Long old = sum.get(m);
			long value = old == null ? coefficient : Math.addExact(old, coefficient);
			if (value == 0) {
				sum.remove(m);
			} else {
				sum.put(m, checked(value));
				if (sum.size() > MAX_TERMS) {
					throw new ArithmeticException(TOO_LARGE);
				}
			}
		}

		void addAll(Dim dim, long sign) {
			for (Term t : dim.terms) {
				add(t.monomial, sign * t.coefficient);
			}
		}

		Monomial first() {
			return sum.isEmpty() ? null : sum.firstKey();
		}

		Monomial after(Monomial m) {
			return sum.higherKey(m);
		}

		long coefficient(Monomial m) {
			return sum.getOrDefault(m, 0L);
		}

		Dim build() {
			if (sum.isEmpty()) {
				return ZERO;
			}
			List<Term> terms = new ArrayList<>(sum.size());
			for (Map.Entry<Monomial, Long> e : sum.entrySet()) {
				terms.add(new Term(e.getKey(), e.getValue()));
			}
			Dim built = new Dim(List.copyOf(terms));
			return built.equals(ONE) ? ONE : built;
		}
	}
}
