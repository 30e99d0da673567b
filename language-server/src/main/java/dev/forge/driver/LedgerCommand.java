package dev.forge.driver;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import dev.forge.profiler.cache.ArtifactCache;
import dev.forge.profiler.cache.Ledger;

/**
 * `forge ledger`: the ledger as a table, or {@code --replay N}: entry N's run again (its file,
 * function, dims, seed and target, through `forge run`), compared with what the ledger recorded: the
 * same outputs (their hash) and a median time within noise (a factor of {@link #TIME_NOISE}).
 */
public final class LedgerCommand {

	/** Times of one kernel on a shared machine swing by up to this factor from run to run. */
	static final double TIME_NOISE = 1.5;

	private LedgerCommand() {
	}

	public static int run(Integer replay, Path dir, String format, String version, PrintStream out) {
		Path cacheDir = dir != null ? dir : ArtifactCache.defaultDir();
		Ledger ledger = new Ledger(cacheDir);
		List<JsonObject> entries = ledger.entries();
		if (replay == null) {
			if (format.equals("json")) {
				JsonArray all = new JsonArray();
				entries.forEach(all::add);
				out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(all));
				return 0;
			}
			out.println(String.format(Locale.ROOT, "%4s  %-20s %-8s %-16s %-24s %-6s %-5s %10s %9s  %s", "#", "time", "command", "function", "dims",
					"target", "cache", "median ms", "verified", "schedule"));
			for (int i = 0; i < entries.size(); i++) {
				JsonObject e = entries.get(i);
				out.println(String.format(Locale.ROOT, "%4d  %-20s %-8s %-16s %-24s %-6s %-5s %10.3f %9s  %s", i + 1, str(e, "time").replaceAll("\\.\\d+Z$", "Z"),
						str(e, "command"), str(e, "function"), str(e, "dims"), str(e, "target"), str(e, "cache"), num(e, "median_ms"),
						bool(e, "verified") ? "yes" : "NO", str(e, "schedule")));
			}
			out.println(entries.size() + " entries in " + ledger.file());
			return 0;
		}
		if (replay < 1 || replay > entries.size()) {
			throw new UsageException("--replay " + replay + ": the ledger has " + entries.size() + " entries (1 to " + entries.size() + ")");
		}
		JsonObject e = entries.get(replay - 1);
		Path file = Path.of(str(e, "file"));
		String nowHash = LedgerLines.fileHash(file);
		if (nowHash == null) {
			throw new UsageException("entry " + replay + "'s source " + file + " is gone");
		}
		boolean sameSource = nowHash.equals(str(e, "file_sha256"));
		out.println("replaying  #" + replay + ": " + str(e, "command") + " " + file + " --fn " + str(e, "function") + " --dims " + str(e, "dims")
				+ " --seed " + (long) num(e, "seed") + " --target " + str(e, "target"));
		if (!sameSource) {
			out.println("note       the source changed since (its hash differs): outputs may differ for that reason");
		}
		// The run itself, as `forge run --format json` (it appends its own ledger line).
		ByteArrayOutputStream buffer = new ByteArrayOutputStream();
		int exit = RunCommand.run(new RunCommand.Options(file, str(e, "function"), str(e, "dims").isEmpty() ? null : str(e, "dims"), (long) num(e, "seed"),
				str(e, "target"), "json", Map.of(), null, str(e, "command").equals("profile"), version, null, dir, false),
				new PrintStream(buffer, true, StandardCharsets.UTF_8));
		String text = buffer.toString(StandardCharsets.UTF_8);
		JsonObject now = com.google.gson.JsonParser.parseString(text.substring(text.indexOf('{'))).getAsJsonObject();
		List<JsonObject> after = new Ledger(cacheDir).entries();
		JsonObject line = after.get(after.size() - 1);
		String before = str(e, "outputs_sha256");
		String outputs = str(line, "outputs_sha256");
		boolean sameOutputs = !before.isEmpty() && before.equals(outputs);
		double was = num(e, "median_ms"), is = num(now, "median_ms");
		boolean timeOk = is <= was * TIME_NOISE && is >= was / TIME_NOISE;
		boolean verified = now.get("verified").getAsBoolean();
		out.println("verified   " + (verified ? "yes" : "NO") + " (was " + (bool(e, "verified") ? "yes" : "no") + ")");
		out.println("outputs    " + (before.isEmpty() ? "not recorded" : sameOutputs ? "identical (" + outputs.substring(0, 19) + ")" : "DIFFER (" + outputs.substring(0, 19)
				+ " vs recorded " + before.substring(0, 19) + ")"));
		out.println(String.format(Locale.ROOT, "time       %.3f ms vs recorded %.3f ms (%.2fx): %s", is, was, is / was,
				timeOk ? "within noise" : "outside noise (x" + TIME_NOISE + ")"));
		boolean reproduces = exit == 0 && verified && (before.isEmpty() || sameOutputs) && timeOk;
		out.println("reproduces " + (reproduces ? "yes" : "no"));
		return reproduces ? 0 : 1;
	}

	private static String str(JsonObject o, String k) {
		JsonElement e = o.get(k);
		return e == null || e.isJsonNull() ? "" : e.getAsString();
	}

	private static double num(JsonObject o, String k) {
		JsonElement e = o.get(k);
		try {
			return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
		} catch (RuntimeException ex) {
			return Double.NaN;
		}
	}

	private static boolean bool(JsonObject o, String k) {
		JsonElement e = o.get(k);
		return e != null && !e.isJsonNull() && e.getAsBoolean();
	}
}
