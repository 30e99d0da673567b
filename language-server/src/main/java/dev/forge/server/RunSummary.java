package dev.forge.server;

import java.util.List;
import java.util.Locale;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The result of `forge.run` / `forge.profile` for the editor: {@code {summary, output, ok}} from what
 * {@code forge run|profile FILE --fn NAME --format json} printed and its exit status (0 verified, 1 not
 * verified, 2 a usage error with the message on stderr; anything else is a crash).
 */
final class RunSummary {

	private RunSummary() {
	}

	static JsonObject result(String summary, String output, boolean ok) {
		JsonObject o = new JsonObject();
		o.addProperty("summary", summary);
		o.addProperty("output", output);
		o.addProperty("ok", ok);
		return o;
	}

	/** {@code what} is "run" or "profile"; {@code function} the requested function. */
	static JsonObject of(String what, String function, LauncherProcess.Result r) {
		if (r.killed()) {
			return result(function + ": " + what + " cancelled", r.output(), false);
		}
		JsonObject json = parse(r.stdout());
		if ((r.exitCode() == 0 || r.exitCode() == 1) && json != null) {
			String name = string(json, "function", function);
			boolean verified = json.has("verified") && json.get("verified").isJsonPrimitive() ? json.get("verified").getAsBoolean() : r.exitCode() == 0;
			StringBuilder s = new StringBuilder(name).append(": ");
			if (verified) {
				s.append("verified");
			} else {
				s.append("NOT verified");
				Double error = number(json, "max_rel_error");
				if (error != null) {
					s.append(" (max rel error ").append(String.format(Locale.ROOT, "%.2g", error)).append(')');
				}
			}
			Double ms = number(json, "median_ms");
			if (ms != null) {
				s.append(", ").append(format(ms)).append(" ms");
			}
			Double gflops = number(json, "gflops");
			Double gbps = number(json, "gbps");
			if (gflops != null && gflops > 0) {
				s.append(", ").append(format(gflops)).append(" GFLOP/s");
			} else if (gbps != null && gbps > 0) {
				s.append(", ").append(format(gbps)).append(" GB/s");
			}
			Double peak = number(json, "peak_flops_percent");
			if (peak != null) {
				s.append(" (").append(String.format(Locale.ROOT, peak < 10 ? "%.1f" : "%.0f", peak)).append("% of peak)");
			}
			String target = string(json, "target", null);
			if (target != null) {
				s.append(" on ").append(target);
			}
			return result(s.toString(), r.output(), verified && r.exitCode() == 0);
		}
		String said = message(r.stderr());
		if (r.exitCode() == 0) {
			return result(function + ": " + what + " printed no JSON result" + (said.isEmpty() ? "" : ": " + said), r.output(), false);
		}
		if (r.exitCode() == 1 || r.exitCode() == 2) {
			return result(function + ": " + what + " failed: " + (said.isEmpty() ? "exit code " + r.exitCode() : said), r.output(), false);
		}
		String how = r.exitCode() > 128 ? "killed by signal " + (r.exitCode() - 128) : "exit code " + r.exitCode();
		return result(function + ": " + what + " crashed (" + how + ")" + (said.isEmpty() ? "" : ": " + said), r.output(), false);
	}

	/**
	 * The result of `forge.tune` from what {@code forge tune FILE --fn NAME --format json} printed (exit 0
	 * tuned, 1 source errors, 2 a usage error): "NAME: tuned SCHEDULE, T ms vs the default's D ms (Sx), R
	 * rejected, on TARGET".
	 */
	static JsonObject ofTune(String function, LauncherProcess.Result r) {
		if (r.killed()) {
			return result(function + ": tune cancelled", r.output(), false);
		}
		JsonObject json = r.exitCode() == 0 ? parse(r.stdout()) : null;
		if (json != null && json.has("best_schedule")) {
			String name = string(json, "function", function);
			StringBuilder s = new StringBuilder(name).append(": tuned ").append(string(json, "best_schedule", "?"));
			Double best = number(json, "best_ms");
			Double byDefault = number(json, "default_ms");
			if (best != null) {
				s.append(", ").append(format(best)).append(" ms");
			}
			if (byDefault != null) {
				s.append(" vs the default's ").append(format(byDefault)).append(" ms");
			}
			Double speedup = number(json, "speedup");
			if (speedup != null) {
				s.append(" (").append(String.format(Locale.ROOT, "%.2fx", speedup)).append(')');
			}
			int rejected = 0;
			if (json.has("candidates") && json.get("candidates").isJsonArray()) {
				for (JsonElement c : json.getAsJsonArray("candidates")) {
					if (c.isJsonObject() && "rejected".equals(string(c.getAsJsonObject(), "status", null))) {
						rejected++;
					}
				}
			}
			s.append(", ").append(rejected).append(" rejected");
			String target = string(json, "target", null);
			if (target != null) {
				s.append(", on ").append(target);
			}
			return result(s.toString(), r.output(), true);
		}
		if (r.exitCode() == 0 || r.exitCode() == 1 || r.exitCode() == 2) {
			// forge tune prints source errors on stdout (exit 1) and usage errors on stderr (exit 2).
			String said = message(r.exitCode() == 1 && r.stderr().isBlank() ? r.stdout() : r.stderr());
			if (r.exitCode() == 0) {
				return result(function + ": tune printed no JSON result" + (said.isEmpty() ? "" : ": " + said), r.output(), false);
			}
			return result(function + ": tune failed: " + (said.isEmpty() ? "exit code " + r.exitCode() : said), r.output(), false);
		}
		String said = message(r.stderr());
		String how = r.exitCode() > 128 ? "killed by signal " + (r.exitCode() - 128) : "exit code " + r.exitCode();
		return result(function + ": tune crashed (" + how + ")" + (said.isEmpty() ? "" : ": " + said), r.output(), false);
	}

	/** The lines of stderr that say what went wrong: those with "error" (at most two), else the last line. */
	static String message(String stderr) {
		List<String> lines = stderr.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
		List<String> errors = lines.stream().filter(l -> l.toLowerCase(Locale.ROOT).contains("error")).limit(2).toList();
		if (!errors.isEmpty()) {
			return String.join("; ", errors);
		}
		return lines.isEmpty() ? "" : lines.getLast();
	}

	/** The JSON object printed on stdout (the whole of it, or its last line that is an object). */
	private static JsonObject parse(String stdout) {
		String text = stdout.strip();
		if (text.isEmpty()) {
			return null;
		}
		try {
			JsonElement e = JsonParser.parseString(text);
			if (e.isJsonObject()) {
				return e.getAsJsonObject();
			}
		} catch (RuntimeException e) {
			// not a single JSON value: look for an object from the first '{' on
		}
		int start = text.indexOf('{');
		if (start > 0) {
			try {
				JsonElement e = JsonParser.parseString(text.substring(start));
				return e.isJsonObject() ? e.getAsJsonObject() : null;
			} catch (RuntimeException e) {
				return null;
			}
		}
		return null;
	}

	private static String string(JsonObject o, String key, String otherwise) {
		JsonElement e = o.get(key);
		return e != null && e.isJsonPrimitive() ? e.getAsString() : otherwise;
	}

	private static Double number(JsonObject o, String key) {
		JsonElement e = o.get(key);
		if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
			return null;
		}
		return e.getAsDouble();
	}

	/** Three significant digits, without an exponent: 0.0123, 0.07, 1.23, 45.6, 789, 12345. */
	static String format(double v) {
		double a = Math.abs(v);
		if (a >= 100 || a == 0) {
			return String.format(Locale.ROOT, "%.0f", v);
		}
		if (a >= 10) {
			return String.format(Locale.ROOT, "%.1f", v);
		}
		if (a >= 1) {
			return String.format(Locale.ROOT, "%.2f", v);
		}
		// 0.0700 -> 0.07
		return new java.math.BigDecimal(String.format(Locale.ROOT, "%.3g", v)).stripTrailingZeros().toPlainString();
	}
}
