package dev.forge.server;

import java.util.List;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** What a command is applied to: its arguments [uri, function] or [{uri, function, target}]. */
record Invocation(String uri, String function, String target) {

	static Invocation of(List<Object> arguments) {
		if (arguments == null || arguments.isEmpty()) {
			return null;
		}
		Object first = arguments.get(0);
		if (first instanceof JsonElement e && e.isJsonObject()) {
			JsonObject o = e.getAsJsonObject();
			String function = string(o.get("function"));
			if (function == null) {
				function = string(o.get("fn"));
			}
			if (function == null) {
				function = string(o.get("name"));
			}
			String uri = string(o.get("uri"));
			return uri == null || function == null ? null : new Invocation(uri, function, string(o.get("target")));
		}
		if (arguments.size() >= 2) {
			String uri = first instanceof JsonElement e ? string(e) : first instanceof String s ? s : null;
			Object second = arguments.get(1);
			String function = second instanceof JsonElement e ? string(e) : second instanceof String s ? s : null;
			return uri == null || function == null ? null : new Invocation(uri, function, null);
		}
		return null;
	}

	private static String string(JsonElement e) {
		return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : null;
	}
}
