package dev.forge.compiler.kernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.EcoreUtil2;

import dev.forge.compiler.graph.LoweringException;
import dev.forge.forge.Argument;
import dev.forge.forge.Attribute;
import dev.forge.forge.Call;
import dev.forge.forge.Decorator;
import dev.forge.forge.DictEntry;
import dev.forge.forge.DictExpr;
import dev.forge.forge.Expression;
import dev.forge.forge.ExpressionStatement;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.ImportedName;
import dev.forge.forge.IntLiteral;
import dev.forge.forge.ListExpr;
import dev.forge.forge.Module;
import dev.forge.forge.Name;
import dev.forge.forge.StringLiteral;
import dev.forge.forge.TupleExpr;
import dev.forge.targets.Target;
import dev.forge.types.TypeCheckResult;

/**
 * The schedule a {@code @kernel} is compiled with: every field of {@code tile.context()} (the block
 * sizes {@code m n k d}, {@code vector}, {@code warps}, {@code stages}) as a compile-time int, the
 * swizzle, and where they came from.
 *
 * <p>{@link #of} reads the {@code NAME.schedule(block=(m, n), k=, d=).warps(w).stages(s).vector(v)
 * .swizzle(x)} statements at the top level of the kernel's own module (several statements apply in
 * order, a later one overriding what an earlier one set). What no statement sets comes from
 * {@link #defaults}: sizes derived from the target's description. A kernel with
 * {@code @kernel.autotune(space=...)} and no schedule statement takes, for each tuned field, the
 * candidate of the space nearest to that default (the autotuner, not the compiler, searches the
 * space).
 *
 * @param sizes every context field: m, n, k, d, vector, warps, stages
 * @param user the fields a schedule statement set
 * @param swizzle "xor" or "none"
 * @param origin "user: line 52", or "default for host", or "default for host, within the autotune space"
 * @param target the name of the target the defaults came from
 */
public record KernelSchedule(Map<String, Integer> sizes, Set<String> user, String swizzle, String origin, String target) {

	/** The fields of {@code tile.context()}, in the order they are printed. */
	public static final List<String> FIELDS = List.of("m", "n", "k", "d", "vector", "warps", "stages");

	/** Autotune space keys and the field each tunes. */
	private static final Map<String, String> SPACE_KEYS = Map.of("BM", "m", "BN", "n", "BK", "k", "BD", "d", "vector", "vector", "warps",
			"warps", "stages", "stages");

	public KernelSchedule {
		sizes = Map.copyOf(sizes);
		user = Set.copyOf(user);
	}

	public int size(String field) {
		Integer v = sizes.get(field);
		if (v == null) {
			throw new IllegalArgumentException("no schedule field '" + field + "'");
		}
		return v;
	}

	/**
	 * The schedule of {@code def}: its module's schedule statements over the target's defaults
	 * (those of a matmul-like kernel when it calls {@code tile.dot} or {@code tile.softmax_accumulate}).
	 */
	public static KernelSchedule of(FunctionDef def, TypeCheckResult types, Target target) throws LoweringException {
		KernelSchedule defaults = defaults(target, usesDot(def));
		Map<String, Integer> sizes = new LinkedHashMap<>(defaults.sizes());
		Set<String> user = new java.util.LinkedHashSet<>();
		String swizzle = defaults.swizzle();
		List<Integer> lines = new ArrayList<>();
		Module module = EcoreUtil2.getContainerOfType(def, Module.class);
		if (module != null) {
			for (EObject item : module.getBody()) {
				if (!(item instanceof ExpressionStatement es) || !(es.getExpression() instanceof Call call)) {
					continue;
				}
				List<Call> chain = scheduleChain(call, def, types);
				if (chain == null) {
					continue;
				}
				lines.add(Ranges.of(es).line());
				for (Call c : chain) {
					String method = ((Attribute) c.getCallee()).getName();
					if (method.equals("schedule")) {
						for (Argument a : c.getArgs()) {
							if (a.getName() == null) {
								throw new LoweringException("schedule(...) takes keywords: block=(m, n), k=, d=", Ranges.of(a));
							}
							switch (a.getName()) {
								case "block" -> {
									List<Expression> items = a.getValue() instanceof TupleExpr t ? t.getElements() : List.of(a.getValue());
									if (items.isEmpty() || items.size() > 2) {
										throw new LoweringException("block= takes one or two sizes (m, n)", Ranges.of(a));
									}
									put(sizes, user, "m", intValue(items.get(0), "block="));
									if (items.size() == 2) {
										put(sizes, user, "n", intValue(items.get(1), "block="));
									}
								}
								case "k", "d" -> put(sizes, user, a.getName(), intValue(a.getValue(), a.getName() + "="));
								default -> throw new LoweringException("schedule(...) has no parameter '" + a.getName() + "'", Ranges.of(a));
							}
						}
					} else {
						if (c.getArgs().size() != 1) {
							throw new LoweringException("." + method + "(...) takes one value", Ranges.of(c));
						}
						Expression v = c.getArgs().get(0).getValue();
						switch (method) {
							case "warps", "stages", "vector" -> put(sizes, user, method, intValue(v, "." + method + "(...)"));
							case "swizzle" -> {
								if (!(v instanceof StringLiteral s)) {
									throw new LoweringException(".swizzle(...) takes \"xor\" or \"none\"", Ranges.of(v));
								}
								swizzle = String.join("", s.getParts());
								user.add("swizzle");
							}
							default -> throw new LoweringException("unknown schedule method '" + method + "'", Ranges.of(c));
						}
					}
				}
			}
		}
		if (!lines.isEmpty()) {
			String where = lines.size() == 1 ? "line " + lines.get(0)
					: "lines " + String.join(", ", lines.stream().map(String::valueOf).toList());
			return new KernelSchedule(sizes, user, swizzle, "user: " + where, target.name());
		}
		Map<String, List<Integer>> space = autotuneSpace(def);
		if (space.isEmpty()) {
			return defaults;
		}
		for (Map.Entry<String, List<Integer>> e : space.entrySet()) {
			sizes.put(e.getKey(), nearest(sizes.get(e.getKey()), e.getValue()));
		}
		return new KernelSchedule(sizes, Set.of(), swizzle, "default for " + target.name() + ", within the autotune space", target.name());
	}

	/**
	 * The defaults for {@code target}. On a CPU: vectors of the target's width in f32 lanes
	 * ({@code vector.bits / 32}); matmul-like kernels (those calling {@code tile.dot}) take m = 64,
	 * n = 16 lanes (at most 256), k = 256, d = 128, so that the A and B panels and the accumulator
	 * stay in L2; other kernels take n = 16 lanes and the largest power-of-two m (at most 64) with
	 * which four f32 tiles of m x n fit in L1 ({@code memory.l1d.size}); warps and stages are 1. On a
	 * GPU: 128 x 128 blocks with k = 32, d = 64, 4 warps and 3 stages for matmul-like kernels, 4 x
	 * 1024 blocks with 4 warps and 1 stage for the others; vector 8 (16-byte f16 accesses).
	 */
	public static KernelSchedule defaults(Target target, boolean usesDot) {
		Map<String, Integer> s = new LinkedHashMap<>();
		if (target.isGpu()) {
			s.put("m", usesDot ? 128 : 4);
			s.put("n", usesDot ? 128 : 1024);
			s.put("k", 32);
			s.put("d", 64);
			s.put("vector", 8);
			s.put("warps", 4);
			s.put("stages", usesDot ? 3 : 1);
		} else {
			int lanes = (int) Math.max(1, target.optLong("vector.bits").orElse(256) / 32);
			long l1 = target.optLong("memory.l1d.size").orElse(32 * 1024);
			int n = Math.min(256, 16 * lanes);
			int m = usesDot ? 64 : (int) Math.max(1, Math.min(64, Long.highestOneBit(Math.max(1, l1 / (4L * 4 * n)))));
			s.put("m", m);
			s.put("n", n);
			s.put("k", 256);
			s.put("d", 128);
			s.put("vector", lanes);
			s.put("warps", 1);
			s.put("stages", 1);
		}
		return new KernelSchedule(s, Set.of(), "none", "default for " + target.name(), target.name());
	}

	/** {@code m=128 n=128 k=32 vector=8 warps=8 stages=3 swizzle=xor (user: line 52)}: the fields {@code shown}, then the origin. */
	public String describe(Set<String> read) {
		List<String> parts = new ArrayList<>();
		List<String> defaulted = new ArrayList<>();
		for (String f : FIELDS) {
			if (user.contains(f) || read.contains(f)) {
				parts.add(f + "=" + sizes.get(f));
				if (!user.isEmpty() && !user.contains(f)) {
					defaulted.add(f);
				}
			}
		}
		if (!swizzle.equals("none")) {
			parts.add("swizzle=" + swizzle);
		}
		String from = origin;
		if (!defaulted.isEmpty()) {
			from += "; " + String.join(", ", defaulted) + " from the " + target + " default";
		}
		return String.join(" ", parts) + " (" + from + ")";
	}

	/** The schedule calls of a statement {@code def.schedule(...).m(...)...}, outermost last; null when it is not one for def. */
	private static List<Call> scheduleChain(Call call, FunctionDef def, TypeCheckResult types) {
		List<Call> chain = new ArrayList<>();
		Expression e = call;
		while (e instanceof Call c && c.getCallee() instanceof Attribute a) {
			chain.add(0, c);
			if (a.getName() != null && a.getName().equals("schedule")) {
				if (!(a.getReceiver() instanceof Name n) || !refersTo(n, def, types)) {
					return null;
				}
				return chain;
			}
			e = a.getReceiver();
		}
		return null;
	}

	private static boolean refersTo(Name n, FunctionDef def, TypeCheckResult types) {
		EObject d = types.definitionOf(n);
		if (d == def) {
			return true;
		}
		if (d instanceof ImportedName in && in.getFunction() == def) {
			return true;
		}
		return d == null && def.getName() != null && def.getName().equals(n.getId());
	}

	/**
	 * This schedule with {@code tuned} (context fields to sizes, as {@code forge tune} found them) over
	 * it; the origin says so.
	 */
	public KernelSchedule withTuned(Map<String, Integer> tuned, String tunedOrigin) {
		Map<String, Integer> s = new LinkedHashMap<>(sizes);
		Set<String> set = new java.util.LinkedHashSet<>(user);
		tuned.forEach((field, value) -> {
			if (s.containsKey(field)) {
				s.put(field, value);
				set.add(field);
			}
		});
		return new KernelSchedule(s, set, swizzle, tunedOrigin, target);
	}

	/** The autotune space of {@code @kernel.autotune(space=dict(BM=[...], ...))}, by context field (m, n, ...); empty without one. */
	public static Map<String, List<Integer>> autotuneSpace(FunctionDef def) {
		Map<String, List<Integer>> out = new LinkedHashMap<>();
		for (Decorator d : def.getDecorators()) {
			if (!(d.getExpression() instanceof Call c) || !(c.getCallee() instanceof Attribute a) || !"autotune".equals(a.getName())) {
				continue;
			}
			for (Argument arg : c.getArgs()) {
				if (!"space".equals(arg.getName())) {
					continue;
				}
				Map<String, Expression> entries = new LinkedHashMap<>();
				if (arg.getValue() instanceof Call dict) {
					for (Argument e : dict.getArgs()) {
						if (e.getName() != null) {
							entries.put(e.getName(), e.getValue());
						}
					}
				} else if (arg.getValue() instanceof DictExpr dict) {
					for (DictEntry e : dict.getEntries()) {
						if (e.getKey() instanceof StringLiteral s) {
							entries.put(String.join("", s.getParts()), e.getValue());
						}
					}
				}
				for (Map.Entry<String, Expression> e : entries.entrySet()) {
					String field = SPACE_KEYS.get(e.getKey());
					List<Expression> items = e.getValue() instanceof ListExpr l ? l.getElements()
							: e.getValue() instanceof TupleExpr t ? t.getElements() : List.of();
					List<Integer> values = new ArrayList<>();
					for (Expression x : items) {
						Integer v = literal(x);
						if (v != null) {
							values.add(v);
						}
					}
					if (field != null && !values.isEmpty()) {
						out.put(field, values);
					}
				}
			}
		}
		return out;
	}

	/** The candidate nearest to {@code target} on a log scale; the smaller one on a tie. */
	private static int nearest(int target, List<Integer> candidates) {
		int best = candidates.get(0);
		double bestDistance = Double.MAX_VALUE;
		for (int c : candidates) {
			if (c <= 0) {
				continue;
			}
			double distance = Math.abs(Math.log(c) - Math.log(target));
			if (distance < bestDistance - 1e-12 || (Math.abs(distance - bestDistance) <= 1e-12 && c < best)) {
				best = c;
				bestDistance = distance;
			}
		}
		return best;
	}

	private static void put(Map<String, Integer> sizes, Set<String> user, String field, int value) {
		sizes.put(field, value);
		user.add(field);
	}

	private static int intValue(Expression e, String what) throws LoweringException {
		Integer v = literal(e);
		if (v == null || v <= 0) {
			throw new LoweringException(what + " must be a positive integer literal in a schedule the compiler reads", Ranges.of(e));
		}
		return v;
	}

	private static Integer literal(Expression e) {
		if (e instanceof IntLiteral i) {
			try {
				long v = Long.decode(i.getValue().replace("_", ""));
				return v > 0 && v <= 1 << 20 ? (int) v : null;
			} catch (NumberFormatException ex) {
				return null;
			}
		}
		return null;
	}

	/** Whether the kernel multiplies tiles: it calls tile.dot or tile.softmax_accumulate. */
	static boolean usesDot(FunctionDef def) {
		for (Call c : EcoreUtil2.getAllContentsOfType(def, Call.class)) {
			if (c.getCallee() instanceof Attribute a && a.getReceiver() instanceof Name n && n.getId().equals("tile")
					&& ("dot".equals(a.getName()) || "softmax_accumulate".equals(a.getName()))) {
				return true;
			}
		}
		return false;
	}
}
