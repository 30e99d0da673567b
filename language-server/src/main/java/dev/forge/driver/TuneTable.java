package dev.forge.driver;

import java.util.Locale;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import dev.forge.profiler.tune.Tuner;

/** The table `forge tune` ends with: every candidate's schedule, fate, time, GFLOP/s and % of roofline, or why it was not timed. */
final class TuneTable {

	private TuneTable() {
	}

	static String text(Tuner.Result r) {
		StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "%n%4s  %-34s %-9s %10s %10s %9s  %s%n", "#", "schedule", "status",
				"median ms", "GFLOP/s", "roofline", "note"));
		for (Tuner.Outcome o : r.outcomes()) {
			if (o.status() == Tuner.Status.PRUNED || o.status() == Tuner.Status.SKIPPED) {
				continue; // counted below, not listed one by one
			}
			String mark = o.id() == r.best() ? "*" : " ";
			String note = o.reason() != null ? o.reason() : o.id() == 0 ? "default" : "";
			if (o.report() != null) {
				t.append(String.format(Locale.ROOT, "%3d%s  %-34s %-9s %10.3f %10.1f %8.1f%%  %s%n", o.id(), mark, o.candidate().asSchedule(),
						o.status().name().toLowerCase(Locale.ROOT), o.report().medianMs(), o.report().gflops(), o.rooflinePercent(), note));
			} else {
				t.append(String.format(Locale.ROOT, "%3d%s  %-34s %-9s %10s %10s %9s  %s%n", o.id(), mark, o.candidate().asSchedule(),
						o.status().name().toLowerCase(Locale.ROOT), "-", "-", "-", note));
			}
		}
		long pruned = r.outcomes().stream().filter(o -> o.status() == Tuner.Status.PRUNED).count();
		long skipped = r.outcomes().stream().filter(o -> o.status() == Tuner.Status.SKIPPED).count();
		if (pruned + skipped > 0) {
			t.append(String.format(Locale.ROOT, "      %d pruned before compiling (chip limits, same Tile IR, cost model), %d not reached in the budget%n",
					pruned, skipped));
		}
		return t.toString();
	}

	static JsonObject json(Tuner.Result r) {
		JsonObject j = new JsonObject();
		j.addProperty("best", r.best());
		j.addProperty("best_schedule", r.bestOutcome().candidate().asSchedule());
		j.addProperty("best_ms", r.bestMs());
		j.addProperty("default_ms", r.defaultMs());
		j.addProperty("speedup", r.defaultMs() / r.bestMs());
		JsonArray list = new JsonArray();
		for (Tuner.Outcome o : r.outcomes()) {
			JsonObject c = new JsonObject();
			c.addProperty("id", o.id());
			JsonObject sizes = new JsonObject();
			o.candidate().sizes().forEach(sizes::addProperty);
			c.add("schedule", sizes);
			c.addProperty("status", o.status().name().toLowerCase(Locale.ROOT));
			c.addProperty("reason", o.reason());
			if (o.report() != null) {
				c.addProperty("median_ms", o.report().medianMs());
				c.addProperty("gflops", o.report().gflops());
				c.addProperty("max_rel_error", o.report().maxRelError());
				if (Double.isFinite(o.rooflinePercent())) {
					c.addProperty("percent_of_roofline", o.rooflinePercent());
				}
			}
			list.add(c);
		}
		j.add("candidates", list);
		return j;
	}
}
