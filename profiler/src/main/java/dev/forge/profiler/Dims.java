package dev.forge.profiler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.StringJoiner;
import java.util.regex.Pattern;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.Op;
import dev.forge.compiler.graph.Value;
import dev.forge.types.Dim;

/**
 * Concrete values for a function's dim symbols, as given on the command line ({@code --dims
 * B=4,S=128}), and the check that every symbol the function needs is bound.
 */
public final class Dims {

	private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z_0-9]*");

	private Dims() {
	}

	/**
	 * Parses {@code "B=4,S=128"} (spaces around the parts allowed; empty text binds nothing) into
	 * an ordered map. Values are non-negative 64-bit integers: 0 makes empty tensors, as in NumPy.
	 *
	 * @throws IllegalArgumentException naming the part that is wrong
	 */
	public static Map<String, Long> parse(String text) {
		Map<String, Long> dims = new LinkedHashMap<>();
		if (text.isBlank()) {
			return dims;
		}
		for (String part : text.split(",", -1)) {
			String p = part.strip();
			int eq = p.indexOf('=');
			if (eq < 0) {
				throw new IllegalArgumentException("bad dims '" + text + "': '" + p + "' is not NAME=VALUE (e.g. B=4,S=128)");
			}
			String name = p.substring(0, eq).strip();
			String value = p.substring(eq + 1).strip();
			if (!NAME.matcher(name).matches()) {
				throw new IllegalArgumentException("bad dims '" + text + "': '" + name + "' is not a dim name");
			}
			long n;
			try {
				n = Long.parseLong(value);
			} catch (NumberFormatException e) {
				throw new IllegalArgumentException("bad dims '" + text + "': " + name + " must be a non-negative integer below 2^63, not '" + value + "'");
			}
			if (n < 0) {
				throw new IllegalArgumentException("bad dims '" + text + "': " + name + " must be a non-negative integer, not " + n);
			}
			if (dims.put(name, n) != null) {
				throw new IllegalArgumentException("bad dims '" + text + "': " + name + " is given twice");
			}
		}
		return dims;
	}

	/** {@code "B=4,S=128"}: the form {@link #parse} reads, in the map's order. */
	public static String format(Map<String, Long> dims) {
		StringJoiner out = new StringJoiner(",");
		dims.forEach((name, value) -> out.add(name + "=" + value));
		return out.toString();
	}

	/**
	 * The dim symbols the function needs, in order of first appearance: those of its parameters'
	 * shapes first, then those only its body mentions (int parameters of the source such as
	 * {@code heads}, seen in {@code D//heads} or a {@code dim} op).
	 */
	public static SequencedSet<String> freeSymbols(GraphFunction f) {
		LinkedHashSet<String> names = new LinkedHashSet<>();
		for (GraphFunction.Param p : f.params()) {
			addSymbols(p.value(), names);
		}
		for (Op op : f.body()) {
			if (op instanceof Op.DimValue d) {
				names.addAll(d.dim().symbols());
			}
			addSymbols(op.result(), names);
		}
		return Collections.unmodifiableSequencedSet(names);
	}

	/** The symbols of {@link #freeSymbols} that {@code dims} does not bind, in that order. */
	public static List<String> missing(GraphFunction f, Map<String, Long> dims) {
		List<String> missing = new ArrayList<>();
		for (String name : freeSymbols(f)) {
			if (!dims.containsKey(name)) {
				missing.add(name);
			}
		}
		return missing;
	}

	/**
	 * Throws unless {@code dims} binds every symbol of {@code f}, with a message such as
	 * {@code "missing dims: S, D (pass --dims S=...,D=...)"}.
	 */
	public static void requireAll(GraphFunction f, Map<String, Long> dims) {
		List<String> missing = missing(f, dims);
		if (!missing.isEmpty()) {
			StringJoiner example = new StringJoiner(",");
			missing.forEach(name -> example.add(name + "=..."));
			throw new IllegalArgumentException("missing dims: " + String.join(", ", missing) + " (pass --dims " + example + ")");
		}
	}

	private static void addSymbols(Value v, LinkedHashSet<String> names) {
		for (Dim d : v.type().dims()) {
			names.addAll(d.symbols());
		}
	}
}
