package dev.forge.types;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.emf.ecore.EObject;

import dev.forge.forge.Argument;
import dev.forge.forge.Call;
import dev.forge.forge.DictEntry;
import dev.forge.forge.DictExpr;
import dev.forge.forge.Expression;
import dev.forge.forge.FloatLiteral;
import dev.forge.forge.IntLiteral;
import dev.forge.forge.ListExpr;
import dev.forge.forge.Name;
import dev.forge.forge.StringLiteral;
import dev.forge.forge.TupleExpr;
import dev.forge.util.Names;
import dev.forge.validation.IssueCodes;

/**
 * Schedules and autotuning spaces, checked against the kernel they name:
 * {@code k.schedule(block=(128,128), k=64).warps(8).stages(3).vector(8).swizzle("xor")} and
 * {@code @kernel.autotune(space=dict(BM=[64,128], ...), metric=..., budget_ms=..., cache=...)}.
 */
final class Schedules {

	/** Schedule methods and what each takes. */
	static final Map<String, String> METHODS = Map.of("warps", "a power of two from 1 to 32", "stages", "a pipeline depth from 1 to 8",
			"vector", "a power of two from 1 to 16", "swizzle", "\"xor\" or \"none\"");

	/** Keywords of .schedule(...). */
	private static final List<String> SCHEDULE_KEYWORDS = List.of("block", "k", "d");

	/** Autotune space keys: the schedule parameter and the tile.context() field that reads it. */
	private static final Map<String, String> SPACE = new LinkedHashMap<>();
	static {
		SPACE.put("BM", "m");
		SPACE.put("BN", "n");
		SPACE.put("BK", "k");
		SPACE.put("BD", "d");
		SPACE.put("warps", "warps");
		SPACE.put("stages", "stages");
		SPACE.put("vector", "vector");
	}

	private static final List<String> METRICS = List.of("latency_ms", "tflops", "gbps");
	private static final List<String> AUTOTUNE_KEYWORDS = List.of("space", "metric", "budget_ms", "cache");

	private Schedules() {
	}

	static Type call(Type.Opaque builder, Call c, List<Type> argTypes, TypeChecker checker) {
		if (builder.name().equals("schedule")) {
			for (Argument a : c.getArgs()) {
				if (a.getName() == null) {
					checker.error(IssueCodes.SCHEDULE, "schedule(...) takes keywords: block=(BM, BN), k=BK, d=BD", a);
				} else if (!SCHEDULE_KEYWORDS.contains(a.getName())) {
					String s = Names.closest(a.getName(), SCHEDULE_KEYWORDS).orElse(null);
					checker.error(IssueCodes.SCHEDULE, "schedule(...) has no parameter '" + a.getName() + "'" + (s == null ? "" : "; did you mean '" + s + "'?")
							+ " (it takes block=, k=, d=)", a);
				} else if (a.getName().equals("block")) {
					List<Expression> sizes = a.getValue() instanceof TupleExpr t ? t.getElements() : a.getValue() == null ? List.of() : List.of(a.getValue());
					if (sizes.size() > 2) {
						checker.error(IssueCodes.SCHEDULE, "block= takes one or two sizes (BM, BN), got " + sizes.size(), a.getValue());
					}
					sizes.forEach(x -> powerOfTwo("block", x, 1, 1024, checker));
				} else {
					powerOfTwo(a.getName() + "=", a.getValue(), 1, 1024, checker);
				}
			}
			return new Type.Opaque("Schedule", builder.kernel());
		}
		String method = builder.name().substring("schedule.".length());
		if (c.getArgs().size() != 1 || c.getArgs().get(0).getName() != null) {
			checker.error(IssueCodes.SCHEDULE, "." + method + "(...) takes one value: " + METHODS.get(method), c);
			return new Type.Opaque("Schedule", builder.kernel());
		}
		Expression value = c.getArgs().get(0).getValue();
		switch (method) {
			case "warps" -> powerOfTwo(".warps", value, 1, 32, checker);
			case "vector" -> powerOfTwo(".vector", value, 1, 16, checker);
			case "stages" -> range(".stages", value, 1, 8, checker);
			case "swizzle" -> {
				if (!(value instanceof StringLiteral s) || !List.of("xor", "none").contains(String.join("", s.getParts()))) {
					checker.error(IssueCodes.SCHEDULE, ".swizzle(...) takes \"xor\" or \"none\"", value);
				}
			}
			default -> {
			}
		}
		return new Type.Opaque("Schedule", builder.kernel());
	}

	static void checkAutotune(Call call, Set<String> contextReads, TypeChecker checker) {
		for (Argument a : call.getArgs()) {
			if (a.getName() == null || !AUTOTUNE_KEYWORDS.contains(a.getName())) {
				String s = a.getName() == null ? null : Names.closest(a.getName(), AUTOTUNE_KEYWORDS).orElse(null);
				checker.error(IssueCodes.AUTOTUNE, a.getName() == null ? "autotune(...) takes keywords: space=, metric=, budget_ms=, cache="
						: "autotune(...) has no parameter '" + a.getName() + "'" + (s == null ? "" : "; did you mean '" + s + "'?"), a);
				continue;
			}
			Expression v = a.getValue();
			switch (a.getName()) {
				case "space" -> space(v, contextReads, checker);
				case "metric" -> {
					if (!(v instanceof StringLiteral s) || !METRICS.contains(String.join("", s.getParts()))) {
						checker.error(IssueCodes.AUTOTUNE, "metric= is one of " + String.join(", ", METRICS.stream().map(m -> "\"" + m + "\"").toList()), v);
					}
				}
				case "budget_ms" -> {
					if (!(v instanceof IntLiteral || v instanceof FloatLiteral) || number(v) <= 0) {
						checker.error(IssueCodes.AUTOTUNE, "budget_ms= is a positive number of milliseconds", v);
					}
				}
				case "cache" -> {
					if (!(v instanceof StringLiteral)) {
						checker.error(IssueCodes.AUTOTUNE, "cache= is a folder path, as a string", v);
					}
				}
				default -> {
				}
			}
		}
	}

	private static void space(Expression v, Set<String> contextReads, TypeChecker checker) {
		Map<String, EObject> keys = new LinkedHashMap<>();
		Map<String, Expression> values = new LinkedHashMap<>();
		if (v instanceof Call c && c.getCallee() instanceof Name n && n.getId().equals("dict")) {
			for (Argument a : c.getArgs()) {
				if (a.getName() != null) {
					keys.put(a.getName(), a);
					values.put(a.getName(), a.getValue());
				}
			}
		} else if (v instanceof DictExpr d) {
			for (DictEntry e : d.getEntries()) {
				if (e.getKey() instanceof StringLiteral s) {
					keys.put(String.join("", s.getParts()), e);
					values.put(String.join("", s.getParts()), e.getValue());
				}
			}
		} else {
			checker.error(IssueCodes.AUTOTUNE, "space= is dict(NAME=[values...], ...)", v);
			return;
		}
		for (Map.Entry<String, EObject> e : keys.entrySet()) {
			String key = e.getKey();
			if (!SPACE.containsKey(key)) {
				String s = Names.closest(key, SPACE.keySet()).orElse(null);
				checker.error(IssueCodes.AUTOTUNE, "'" + key + "' is not a schedule parameter" + (s == null ? "" : "; did you mean '" + s + "'?") + " (tunable: "
						+ String.join(", ", SPACE.keySet()) + ")", e.getValue());
				continue;
			}
			Expression list = values.get(key);
			List<Expression> choices = list instanceof ListExpr l ? l.getElements() : list instanceof TupleExpr t ? t.getElements() : null;
			if (choices == null || choices.isEmpty()) {
				checker.error(IssueCodes.AUTOTUNE, key + "= is a list of candidate values, as in " + key + "=[64, 128]", list);
				continue;
			}
			for (Expression choice : choices) {
				if (key.equals("stages")) {
					range(key, choice, 1, 8, checker);
				} else {
					powerOfTwo(key, choice, 1, key.equals("warps") ? 32 : key.equals("vector") ? 16 : 1024, checker);
				}
			}
			String field = SPACE.get(key);
			String dim = TypeChecker.CONTEXT_FIELDS.get(field);
			if (key.startsWith("B") && !contextReads.contains(dim)) {
				checker.warning(IssueCodes.AUTOTUNE, key + " is tuned, but the kernel never reads T." + field + " (tile.context()." + field + ")", e.getValue());
			}
		}
	}

	private static void powerOfTwo(String what, Expression v, long min, long max, TypeChecker checker) {
		if (!(v instanceof IntLiteral)) {
			return; // a name or expression: its value is checked where it is known
		}
		long n = (long) number(v);
		if (n < min || n > max || (n & (n - 1)) != 0) {
			checker.error(IssueCodes.AUTOTUNE.equals(what) ? IssueCodes.AUTOTUNE : codeFor(what), what + (what.endsWith("=") ? "" : ": ") + n
					+ " is not a power of two from " + min + " to " + max + " (tile sizes, warps and vector widths must be)", v);
		}
	}

	private static void range(String what, Expression v, long min, long max, TypeChecker checker) {
		if (v instanceof IntLiteral) {
			long n = (long) number(v);
			if (n < min || n > max) {
				checker.error(codeFor(what), what + ": " + n + " is outside " + min + " to " + max, v);
			}
		}
	}

	private static String codeFor(String what) {
		return what.startsWith(".") || what.endsWith("=") || what.equals("block") ? IssueCodes.SCHEDULE : IssueCodes.AUTOTUNE;
	}

	private static double number(Expression v) {
		try {
			if (v instanceof IntLiteral i) {
				return IntLiterals.value(i.getValue()).orElse(-1); // past 64 bits: reported by the validator (F0009)
			}
			if (v instanceof FloatLiteral f) {
				return Double.parseDouble(f.getValue().replace("_", ""));
			}
		} catch (NumberFormatException e) {
			return -1;
		}
		return -1;
	}
}
