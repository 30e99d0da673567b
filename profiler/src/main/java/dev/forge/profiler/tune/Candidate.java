package dev.forge.profiler.tune;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * One point of a search space: values of schedule fields ({@code m n k d vector warps stages}, as
 * {@code tile.context()} and {@code .schedule(block=(m, n), k=)} name them). A field not set keeps
 * what the function's own schedule (or the cost-model default) gives it.
 */
public record Candidate(Map<String, Integer> sizes) {

	/** The order fields are printed in. */
	private static final java.util.List<String> ORDER = java.util.List.of("m", "n", "k", "d", "vector", "warps", "stages");

	public Candidate {
		Map<String, Integer> sorted = new LinkedHashMap<>();
		for (String f : ORDER) {
			if (sizes.containsKey(f)) {
				sorted.put(f, sizes.get(f));
			}
		}
		sizes.forEach(sorted::putIfAbsent);
		sizes = java.util.Collections.unmodifiableMap(sorted);
	}

	/** {@code m=128 n=256 k=64 vector=16}, or {@code default} when it sets nothing. */
	public String describe() {
		if (sizes.isEmpty()) {
			return "default";
		}
		StringJoiner j = new StringJoiner(" ");
		sizes.forEach((f, v) -> j.add(f + "=" + v));
		return j.toString();
	}

	/** As the schedule statement would set it: {@code block=(128,256) k=64 vector=16 warps=4}. */
	public String asSchedule() {
		StringJoiner j = new StringJoiner(" ");
		if (sizes.containsKey("m") && sizes.containsKey("n")) {
			j.add("block=(" + sizes.get("m") + "," + sizes.get("n") + ")");
		} else if (sizes.containsKey("m")) {
			j.add("m=" + sizes.get("m"));
		} else if (sizes.containsKey("n")) {
			j.add("n=" + sizes.get("n"));
		}
		sizes.forEach((f, v) -> {
			if (!f.equals("m") && !f.equals("n")) {
				j.add(f + "=" + v);
			}
		});
		return j.length() == 0 ? "default" : j.toString();
	}
}
