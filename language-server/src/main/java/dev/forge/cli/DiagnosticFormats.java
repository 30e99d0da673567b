package dev.forge.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.driver.FileReport;
import dev.forge.driver.LineMap;
import dev.forge.validation.IssueCodes;

/** The three ways `forge check` prints diagnostics: text (file:line:col), JSON, SARIF 2.1.0. */
public final class DiagnosticFormats {

	static final String SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

	private DiagnosticFormats() {
	}

	/** `file:line:col: severity: message [CODE]`, 1-based like compilers print. */
	public static String text(List<FileReport> reports) {
		StringBuilder out = new StringBuilder();
		for (FileReport report : reports) {
			for (SourceDiagnostic d : report.diagnostics()) {
				LineMap.Position p = report.lines().position(d.offset());
				out.append(display(report.path())).append(':').append(p.line() + 1).append(':').append(p.column() + 1).append(": ")
						.append(d.severity().label()).append(": ").append(d.message()).append(" [").append(d.code()).append("]\n");
			}
		}
		return out.toString();
	}

	/** A JSON array, one object per diagnostic, ranges 0-based as in LSP. */
	static String json(List<FileReport> reports) {
		JsonArray all = new JsonArray();
		for (FileReport report : reports) {
			for (SourceDiagnostic d : report.diagnostics()) {
				JsonObject o = new JsonObject();
				o.addProperty("file", display(report.path()));
				o.add("range", range(report.lines(), d));
				o.addProperty("severity", d.severity().label());
				o.addProperty("code", d.code());
				o.addProperty("message", d.message());
				all.add(o);
			}
		}
		return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(all) + "\n";
	}

	static String sarif(List<FileReport> reports, String version) {
		TreeMap<String, String> usedRules = new TreeMap<>();
		JsonArray results = new JsonArray();
		for (FileReport report : reports) {
			for (SourceDiagnostic d : report.diagnostics()) {
				usedRules.put(d.code(), IssueCodes.TITLES.getOrDefault(d.code(), d.code()));
				LineMap.Position start = report.lines().position(d.offset());
				LineMap.Position end = report.lines().position(d.offset() + d.length());
				JsonObject region = new JsonObject();
				region.addProperty("startLine", start.line() + 1);
				region.addProperty("startColumn", start.column() + 1);
				region.addProperty("endLine", end.line() + 1);
				region.addProperty("endColumn", end.column() + 1);
				JsonObject artifact = new JsonObject();
				artifact.addProperty("uri", display(report.path()).replace('\\', '/'));
				JsonObject physical = new JsonObject();
				physical.add("artifactLocation", artifact);
				physical.add("region", region);
				JsonObject location = new JsonObject();
				location.add("physicalLocation", physical);
				JsonArray locations = new JsonArray();
				locations.add(location);
				JsonObject message = new JsonObject();
				message.addProperty("text", d.message());
				JsonObject result = new JsonObject();
				result.addProperty("ruleId", d.code());
				result.addProperty("level", switch (d.severity()) {
					case ERROR -> "error";
					case WARNING -> "warning";
					case INFO -> "note";
				});
				result.add("message", message);
				result.add("locations", locations);
				results.add(result);
			}
		}
		JsonArray rules = new JsonArray();
		usedRules.forEach((id, title) -> {
			JsonObject rule = new JsonObject();
			rule.addProperty("id", id);
			JsonObject description = new JsonObject();
			description.addProperty("text", title);
			rule.add("shortDescription", description);
			rules.add(rule);
		});
		JsonObject driver = new JsonObject();
		driver.addProperty("name", "forge");
		driver.addProperty("version", version);
		driver.addProperty("informationUri", "https://forge.dev");
		driver.add("rules", rules);
		JsonObject tool = new JsonObject();
		tool.add("driver", driver);
		JsonObject run = new JsonObject();
		run.add("tool", tool);
		run.add("results", results);
		JsonArray runs = new JsonArray();
		runs.add(run);
		JsonObject log = new JsonObject();
		log.addProperty("$schema", SARIF_SCHEMA);
		log.addProperty("version", "2.1.0");
		log.add("runs", runs);
		return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(log) + "\n";
	}

	private static JsonObject range(LineMap lines, SourceDiagnostic d) {
		JsonObject range = new JsonObject();
		range.add("start", position(lines.position(d.offset())));
		range.add("end", position(lines.position(d.offset() + d.length())));
		return range;
	}

	private static JsonObject position(LineMap.Position p) {
		JsonObject o = new JsonObject();
		o.addProperty("line", p.line());
		o.addProperty("character", p.column());
		return o;
	}

	static String display(Path path) {
		return path.toString();
	}
}
