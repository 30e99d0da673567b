package dev.forge.util;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean": the closest known spelling of a misspelt name. */
public final class Names {

	private Names() {
	}

	/**
	 * The candidate closest to {@code name}: one that differs only in case, else the one at the
	 * smallest edit distance if that distance is small for the name's length (at most a third of it,
	 * at least 1, at most 3; ties go to the earlier candidate), else the only candidate that
	 * starts with the name.
	 */
	public static Optional<String> closest(String name, Collection<String> candidates) {
		if (name == null || name.isEmpty()) {
			return Optional.empty();
		}
		for (String candidate : candidates) {
			if (candidate.equalsIgnoreCase(name) && !candidate.equals(name)) {
				return Optional.of(candidate);
			}
		}
		int limit = Math.min(3, Math.max(1, name.length() / 3));
		String best = null;
		int bestDistance = Integer.MAX_VALUE;
		for (String candidate : candidates) {
			if (candidate.equals(name)) {
				continue;
			}
			int d = distance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
			if (d < bestDistance) {
				bestDistance = d;
				best = candidate;
			}
		}
		if (bestDistance <= limit) {
			return Optional.of(best);
		}
		// a truncated name: the one candidate that starts with it (nvptx -> nvptx64)
		String lower = name.toLowerCase(Locale.ROOT);
		List<String> longer = candidates.stream().filter(c -> name.length() >= 3 && c.toLowerCase(Locale.ROOT).startsWith(lower)).toList();
		return longer.size() == 1 ? Optional.of(longer.getFirst()) : Optional.empty();
	}

	/** Optimal string alignment distance: edits, with a swap of neighbours counting as one. */
	public static int distance(String a, String b) {
		int[][] d = new int[a.length() + 1][b.length() + 1];
		for (int i = 0; i <= a.length(); i++) {
			d[i][0] = i;
		}
		for (int j = 0; j <= b.length(); j++) {
			d[0][j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			for (int j = 1; j <= b.length(); j++) {
				int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
				d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
				if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
					d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
				}
			}
		}
		return d[a.length()][b.length()];
	}

	/** "a, b or c". */
	public static String either(Collection<String> names) {
		StringBuilder out = new StringBuilder();
		int i = 0;
		for (String name : names) {
			if (i > 0) {
				out.append(i == names.size() - 1 ? " or " : ", ");
			}
			out.append(name);
			i++;
		}
		return out.toString();
	}
}
