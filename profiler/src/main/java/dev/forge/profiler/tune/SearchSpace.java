package dev.forge.profiler.tune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The candidates a tuning tries: the product of the values of each tuned field, either as the
 * function's {@code @kernel.autotune(space=...)} lists them or derived from its schedule's knobs
 * around the values the cost-model default chose (block sizes from a quarter to four times, the
 * k step from a quarter to twice, half and full vector width; on a GPU also warps and stages).
 * The default is always the first candidate, so that every tuning times it in the same run.
 */
public final class SearchSpace {

	/** Fields that are tile sizes: powers of two from 1 to 4096 here. */
	private static final Set<String> BLOCKS = Set.of("m", "n", "d");

	private SearchSpace() {
	}

	/** The product of {@code space} (field to candidate values), after {@code defaults} as the first candidate. */
	public static List<Candidate> explicit(Map<String, Integer> defaults, Map<String, List<Integer>> space) {
		return withDefaultFirst(defaults, product(space));
	}

	/**
	 * Values around {@code defaults} for each field of {@code knobs} (those the schedule has: m, n, k,
	 * d, vector, and on a GPU warps and stages), at most {@code vectorMax} vector lanes.
	 */
	public static List<Candidate> derived(Map<String, Integer> defaults, Set<String> knobs, boolean gpu, int vectorMax) {
		Map<String, List<Integer>> space = new LinkedHashMap<>();
		for (String field : knobs) {
			Integer d = defaults.get(field);
			if (d == null) {
				continue;
			}
			List<Integer> values = switch (field) {
				case "k" -> scaled(d, List.of(0.25, 0.5, 1.0, 2.0), 8, 1024);
				case "vector" -> gpu ? scaled(d, List.of(0.5, 1.0), 1, 16) : scaled(d, List.of(0.5, 1.0), 4, vectorMax);
				case "warps" -> List.of(2, 4, 8);
				case "stages" -> List.of(1, 2, 3, 4);
				default -> BLOCKS.contains(field) ? scaled(d, List.of(0.25, 0.5, 1.0, 2.0, 4.0), 1, 4096) : List.of(d);
			};
			space.put(field, values);
		}
		return withDefaultFirst(defaults, product(space));
	}

	private static List<Integer> scaled(int d, List<Double> factors, int min, int max) {
		Set<Integer> out = new LinkedHashSet<>();
		for (double f : factors) {
			long v = Math.round(d * f);
			if (v >= min && v <= max) {
				out.add((int) v);
			}
		}
		if (out.isEmpty()) {
			out.add(d);
		}
		return new ArrayList<>(out);
	}

	private static List<Map<String, Integer>> product(Map<String, List<Integer>> space) {
		List<Map<String, Integer>> out = new ArrayList<>();
		out.add(new LinkedHashMap<>());
		for (Map.Entry<String, List<Integer>> e : space.entrySet()) {
			List<Map<String, Integer>> next = new ArrayList<>();
			for (Map<String, Integer> partial : out) {
				for (int v : e.getValue()) {
					Map<String, Integer> m = new LinkedHashMap<>(partial);
					m.put(e.getKey(), v);
					next.add(m);
				}
			}
			out = next;
		}
		return out;
	}

	private static List<Candidate> withDefaultFirst(Map<String, Integer> defaults, List<Map<String, Integer>> points) {
		List<Candidate> out = new ArrayList<>();
		Set<Map<String, Integer>> seen = new java.util.HashSet<>();
		Map<String, Integer> first = new LinkedHashMap<>();
		// The default, spelled in the space's fields so that it can be recognised among the points.
		Set<String> fields = points.isEmpty() ? Set.of() : points.get(0).keySet();
		for (String f : fields) {
			if (defaults.containsKey(f)) {
				first.put(f, defaults.get(f));
			}
		}
		out.add(new Candidate(first));
		seen.add(new Candidate(first).sizes());
		for (Map<String, Integer> p : points) {
			Candidate c = new Candidate(p);
			if (seen.add(c.sizes())) {
				out.add(c);
			}
		}
		return out;
	}
}
