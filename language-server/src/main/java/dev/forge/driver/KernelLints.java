package dev.forge.driver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.resource.XtextResource;

import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.graph.SourceRange;
import dev.forge.compiler.lint.LintDiagnostic;
import dev.forge.compiler.lint.Lints;
import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.targets.Target;
import dev.forge.targets.Targets;

/**
 * The kernel lints of a file (docs/lints.md): every top-level {@code @jit} and {@code @kernel} function
 * compiled to GPU Tile IR for the lint target ({@link Ir#compile}), linted by
 * {@link dev.forge.compiler.lint.Lints}, and turned into diagnostics on the file's text with related
 * ranges and text edits for the fixes. A function that does not compile has no lints (its errors are
 * the type checker's or `forge build`'s to report); a lint that fails is logged and skipped. Results
 * are cached by the file's text and the target, so an unchanged file is not compiled again.
 */
public final class KernelLints {

	/** The chip the lints are computed for when the command or the editor names no GPU: the H100. */
	public static final String DEFAULT_TARGET = "h100";

	private static volatile String target = DEFAULT_TARGET;

	/** Whether the schedule hints (FORGE-L-HINT, information) are added: the editor and {@code forge check --hints}. */
	private static volatile boolean hints = false;

	/** Turns the schedule hints on or off (off by default, so that `forge check` prints problems only). */
	public static void setHints(boolean on) {
		hints = on;
	}

	/** {@code -Dforge.lint.timing=true}: each function's compile and lint time on standard error. */
	private static final boolean TIMING = Boolean.getBoolean("forge.lint.timing");

	private static final org.apache.log4j.Logger LOG = org.apache.log4j.Logger.getLogger(KernelLints.class);

	/** A lint finding on a file's text: the diagnostic, related ranges, and fixes as text edits. */
	public record Finding(SourceDiagnostic diagnostic, List<Related> related, List<Edit> fixes) {
	}

	/** Another range of the same file (0-based offsets). */
	public record Related(int offset, int length, String message) {
	}

	/** Replace {@code length} characters at {@code offset} with {@code text}. */
	public record Edit(String title, int offset, int length, String text) {
	}

	private record Key(String uri, String text, String target, boolean hints) {
	}

	private static final int CACHE = 64;
	private static final Map<Key, List<Finding>> cache = new LinkedHashMap<>(16, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<Key, List<Finding>> eldest) {
			return size() > CACHE;
		}
	};

	private KernelLints() {
	}

	/** Sets the lint target by name: a GPU chip description; anything else (host, unknown) means the default. */
	public static void setTarget(String name) {
		target = name == null || name.isBlank() ? DEFAULT_TARGET : name.strip();
	}

	/** The chip description the lints use now. */
	public static Target target() {
		Target t = Targets.builtin().find(target).orElse(null);
		return t != null && t.isGpu() ? t : Targets.builtin().get(DEFAULT_TARGET);
	}

	/** The findings for {@code resource} (whose text is {@code text}); never throws. */
	public static List<Finding> lint(XtextResource resource, String text) {
		Target t;
		try {
			t = target();
		} catch (RuntimeException e) {
			LOG.warn("forge lint: no lint target: " + e);
			return List.of();
		}
		Key key = new Key(String.valueOf(resource.getURI()), text, t.name(), hints);
		synchronized (cache) {
			List<Finding> hit = cache.get(key);
			if (hit != null) {
				return hit;
			}
		}
		List<Finding> out = compute(resource, text, t);
		synchronized (cache) {
			cache.put(key, out);
		}
		return out;
	}

	private static List<Finding> compute(XtextResource resource, String text, Target target) {
		List<Finding> out = new ArrayList<>();
		if (resource.getContents().isEmpty() || !(resource.getContents().get(0) instanceof Module module)) {
			return out;
		}
		Lints.BufferNames names = bufferNames(text);
		for (EObject item : module.getBody()) {
			if (!(item instanceof FunctionDef def) || def.getName() == null || !jitOrKernel(def)) {
				continue;
			}
			try {
				long start = System.nanoTime();
				var compiled = Ir.compile(resource, def, target, (stage, t) -> {
				});
				long compiledAt = System.nanoTime();
				boolean kernel = compiled.graph() == null;
				for (LintDiagnostic d : Lints.check(compiled.tile(), target, kernel, names, LOG::warn)) {
					out.add(finding(d, def, text));
				}
				if (hints) {
					for (LintDiagnostic d : Lints.hints(compiled.tile(), target, LOG::warn)) {
						Finding f = finding(d, def, text);
						int[] at = scheduleLine(def, text);
						out.add(new Finding(new SourceDiagnostic(f.diagnostic().severity(), d.code(), d.message(), at[0], at[1]), List.of(), List.of()));
					}
				}
				if (TIMING) {
					// bench/lsp_latency.py reads these lines from the server's standard error.
					System.err.printf(java.util.Locale.ROOT, "forge lint: function %s: compile %.2f ms, lints %.2f ms, %d kernels%n",
							def.getName(), (compiledAt - start) / 1e6, (System.nanoTime() - compiledAt) / 1e6, compiled.tile().kernels().size());
				}
			} catch (LoweringException e) {
				// not compiled: no lints (forge build and the hover say why)
				if (TIMING) {
					System.err.println("forge lint: function " + def.getName() + ": not compiled: " + e.getMessage());
				}
			} catch (RuntimeException | StackOverflowError e) {
				LOG.warn("forge lint: linting '" + def.getName() + "' failed (no lints for it): " + e);
			}
		}
		return List.copyOf(out);
	}

	private static final Pattern NAMED = Pattern.compile("^tile\\.(?:store|load)\\(\\s*([A-Za-z_]\\w*)");

	/** {@code k_smem} for the range of {@code tile.store(k_smem, ...)} or {@code tile.load(k_smem)}. */
	static Lints.BufferNames bufferNames(String text) {
		return r -> {
			if (r.offset() < 0 || r.offset() >= text.length()) {
				return null;
			}
			Matcher m = NAMED.matcher(text.substring(r.offset(), Math.min(text.length(), r.offset() + Math.max(0, r.length()))));
			return m.find() ? m.group(1) : null;
		};
	}

	private static Finding finding(LintDiagnostic d, FunctionDef def, String text) {
		SourceDiagnostic.Severity severity = switch (d.severity()) {
			case ERROR -> SourceDiagnostic.Severity.ERROR;
			case WARNING -> SourceDiagnostic.Severity.WARNING;
			case INFO -> SourceDiagnostic.Severity.INFO;
		};
		int[] at = clamp(d.range(), text);
		List<Related> related = new ArrayList<>();
		for (LintDiagnostic.Related r : d.related()) {
			int[] rr = clamp(r.range(), text);
			related.add(new Related(rr[0], rr[1], r.message()));
		}
		List<Edit> edits = new ArrayList<>();
		for (LintDiagnostic.Fix f : d.fixes()) {
			Edit e = edit(f, def, text);
			if (e != null) {
				edits.add(e);
			}
		}
		return new Finding(new SourceDiagnostic(severity, d.code(), d.message(), at[0], at[1]), List.copyOf(related), List.copyOf(edits));
	}

	/** The range of the function's {@code name.schedule(...)} statement (without a comment), else of its def line. */
	static int[] scheduleLine(FunctionDef def, String text) {
		Matcher line = Pattern.compile("(?m)^" + Pattern.quote(def.getName()) + "\\.schedule\\(.*$").matcher(text);
		if (line.find()) {
			String code = line.group();
			int hash = code.indexOf('#');
			return new int[] { line.start(), (hash >= 0 ? code.substring(0, hash) : code).stripTrailing().length() };
		}
		var node = org.eclipse.xtext.nodemodel.util.NodeModelUtils.findNodesForFeature(def, dev.forge.forge.ForgePackage.Literals.FUNCTION_DEF__NAME);
		if (!node.isEmpty()) {
			return new int[] { node.get(0).getOffset(), node.get(0).getLength() };
		}
		return new int[] { 0, 0 };
	}

	private static int[] clamp(SourceRange r, String text) {
		int offset = Math.max(0, Math.min(r.offset(), text.length()));
		int length = Math.max(0, Math.min(r.length(), text.length() - offset));
		return new int[] { offset, length };
	}

	/** The text edit of a fix, or null when the file has no place for it (no schedule statement). */
	static Edit edit(LintDiagnostic.Fix f, FunctionDef def, String text) {
		int anchor = Math.max(0, Math.min(f.anchor().offset(), text.length()));
		switch (f.kind()) {
			case INSERT_LINE_BEFORE -> {
				int lineStart = text.lastIndexOf('\n', anchor - 1) + 1;
				int indentEnd = lineStart;
				while (indentEnd < text.length() && (text.charAt(indentEnd) == ' ' || text.charAt(indentEnd) == '\t')) {
					indentEnd++;
				}
				return new Edit(f.title(), lineStart, 0, text.substring(lineStart, indentEnd) + f.text() + "\n");
			}
			case SCHEDULE -> {
				String method = f.text().substring(0, f.text().indexOf('('));
				Matcher line = Pattern.compile("(?m)^" + Pattern.quote(def.getName()) + "\\.schedule\\(.*$").matcher(text);
				if (!line.find()) {
					return null;
				}
				String code = line.group();
				int hash = code.indexOf('#');
				if (hash >= 0) {
					code = code.substring(0, hash);
				}
				code = code.stripTrailing();
				Matcher existing = Pattern.compile("\\." + Pattern.quote(method) + "\\([^)]*\\)").matcher(code);
				if (existing.find()) {
					return new Edit(f.title(), line.start() + existing.start(), existing.end() - existing.start(), "." + f.text());
				}
				return new Edit(f.title(), line.start() + code.length(), 0, "." + f.text());
			}
		}
		return null;
	}

	/** {@code @jit}, {@code @kernel}, their calls and dotted forms ({@code @forge.jit}, {@code @kernel.autotune(...)}). */
	public static boolean jitOrKernel(FunctionDef def) {
		for (dev.forge.forge.Decorator d : def.getDecorators()) {
			EObject e = d.getExpression();
			if (e instanceof dev.forge.forge.Call call) {
				e = call.getCallee();
			}
			if (e instanceof dev.forge.forge.Name n && isJitOrKernel(n.getId())
					|| e instanceof dev.forge.forge.Attribute a && (isJitOrKernel(a.getName())
							|| a.getReceiver() instanceof dev.forge.forge.Name r && isJitOrKernel(r.getId()))) {
				return true;
			}
		}
		return false;
	}

	private static boolean isJitOrKernel(String name) {
		return "jit".equals(name) || "kernel".equals(name);
	}
}
