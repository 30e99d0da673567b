package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.util.EcoreUtil;
import org.eclipse.xtext.nodemodel.ICompositeNode;
import org.eclipse.xtext.nodemodel.ILeafNode;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.validation.CheckMode;
import org.eclipse.xtext.validation.Issue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.forge.ForgeLanguage;
import dev.forge.ast.AstPrinter;
import dev.forge.parser.ForgeResource;
import dev.forge.server.ForgeResourceValidator;
import dev.forge.types.TypeCheckResult;
import dev.forge.types.TypeSystem;

/**
 * The language server updates an edited file in place, re-parsing only the top-level statements an
 * edit touched ({@link ForgeResource#updateIncrementally}, the path of ForgeIncrementalBuilder). This
 * test applies random edits in sequence to every sample, chip description and test file (characters
 * and lines inserted and deleted, names changed, indentation changed, whole definitions duplicated,
 * deleted and moved, syntax broken and fixed again), and after each edit compares the updated resource
 * with a fresh full parse of the same text: the syntax tree (AstPrinter), every node of the node model
 * (kind, grammar element, offset, length, text, semantic element), the diagnostics the server would
 * publish (severity, code, message, offset, length, line, column) and the type checker's result (the
 * type of every expression, what every name refers to, every signature); for a text with a syntax error,
 * which an in-place update may splice when a full parse meets the same first error (even where an open
 * bracket swallows the statements after it in a full parse, and the splice keeps them), the published
 * diagnostics (that syntax error alone) and the text. Updates that add, remove, split or merge top-level
 * statements are counted apart, so that path is shown to be taken. Where the in-place update
 * declines, the file is reloaded as the builder does, so later edits start again from a full parse.
 *
 * <p>Seeded per file: {@code -Dforge.incremental.seed=S} and {@code -Dforge.incremental.edits=N}
 * run another or a longer sequence, {@code -Dforge.incremental.only=TEXT} only the files whose path
 * contains TEXT; a failure names the file, the seed, the step and the edit.
 */
class IncrementalParseEquivalenceTest {

	private static final long SEED = Long.getLong("forge.incremental.seed", 20261122L);
	private static final int EDITS = Integer.getInteger("forge.incremental.edits", 100);
	private static final Pattern IDENTITY = Pattern.compile("(\\w+Impl)@[0-9a-f]+");
	private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z_0-9]*");
	private static final String TYPED = "abxyz_019 .,:()[]=+-*@\n\n\n    \t#'\"\\{}";

	private static final AtomicInteger STEPS = new AtomicInteger();
	private static final AtomicInteger INCREMENTAL = new AtomicInteger();
	/** Edits from a text without syntax errors to another, and how many of those were updated in place. */
	private static final AtomicInteger CLEAN = new AtomicInteger();
	private static final AtomicInteger CLEAN_INCREMENTAL = new AtomicInteger();
	/** Edits to a text with a syntax error that were updated in place (the error stayed in its statement). */
	private static final AtomicInteger ERRORS_INCREMENTAL = new AtomicInteger();
	/** In-place updates that changed the number of top-level statements (added, removed, split, merged or swallowed by an open bracket). */
	private static final AtomicInteger RESHAPED = new AtomicInteger();

	private final ForgeResourceValidator validator = ForgeLanguage.injector().getInstance(ForgeResourceValidator.class);
	private final TypeSystem types = ForgeLanguage.injector().getInstance(TypeSystem.class);

	@TestFactory
	Stream<DynamicTest> randomEditsGiveWhatAFullParseGives() {
		List<Path> files = new ArrayList<>();
		files.addAll(Sources.forgeFiles(Sources.ROOT.resolve("samples")));
		files.addAll(Sources.forgeFiles(Sources.ROOT.resolve("hw-targets/targets")));
		files.addAll(Sources.forgeFiles(Sources.RESOURCES.resolve("check")));
		files.addAll(Sources.forgeFiles(Sources.RESOURCES.resolve("parser")));
		String only = System.getProperty("forge.incremental.only", "");
		return files.stream().filter(f -> f.toString().contains(only)).map(f -> DynamicTest.dynamicTest(Sources.ROOT.relativize(f).toString(), () -> editSequence(f)));
	}

	/**
	 * What an editor sends most: a line typed into a function body one keystroke at a time and deleted the
	 * same way, through states that do not parse ("z =", "max(y,", "[0] *"); each compared as above.
	 */
	@TestFactory
	Stream<DynamicTest> typingALineThroughSyntaxErrors() {
		return Sources.forgeFiles(Sources.ROOT.resolve("samples")).stream()
				.map(f -> DynamicTest.dynamicTest(Sources.ROOT.relativize(f).toString(), () -> typeALine(f)));
	}

	/**
	 * The language server benchmark's typing (bench/lsp_latency.py): a line typed into the first function of
	 * a file of several, through "rmsnorm(" and "rmsnorm(h", whose open bracket swallows every later
	 * statement in a full parse. Every keystroke is updated in place, and each state compares as above.
	 */
	@Test
	void typingThroughAnOpenBracketStaysInPlace() {
		Path file = Sources.ROOT.resolve("samples/transformer_block.forge");
		String sample = Sources.read(file);
		String original = sample + "\n" + sample.replace("def transformer_block", "def transformer_block_1") + "\n"
				+ sample.replace("def transformer_block", "def transformer_block_2");
		List<String> lines = List.of(original.split("\n", -1));
		int at = 0;
		while (!lines.get(at).strip().startsWith("h = rmsnorm")) {
			at++;
		}
		List<String> fullParses = typeALine(file, original, at, "    z = rmsnorm(h) * 2.0");
		assertEquals(List.of(), fullParses, "keystrokes that took a full parse");
	}

	private void typeALine(Path file) {
		String original = Sources.read(file);
		List<String> lines = List.of(original.split("\n", -1));
		// After the first one-line assignment in a function body.
		int at = -1;
		for (int i = 0; i < lines.size() && at < 0; i++) {
			String line = lines.get(i);
			if (line.startsWith("    ") && !line.startsWith("     ") && line.contains(" = ") && !line.strip().startsWith("#")
					&& BracketCount.balanced(line)) {
				at = i;
			}
		}
		if (at < 0) {
			return;
		}
		typeALine(file, original, at, "    z = max(y, axis=-1) + (x @ w)[0] * 2.0");
	}

	/** Types {@code typed} after line {@code at} from its fifth character on, then deletes it; returns the states that took a full parse. */
	private List<String> typeALine(Path file, String original, int at, String typed) {
		List<String> lines = List.of(original.split("\n", -1));
		List<String> states = new ArrayList<>();
		for (int k = 5; k <= typed.length(); k++) {
			states.add(typed.substring(0, k));
		}
		for (int k = typed.length() - 1; k >= 5; k--) {
			states.add(typed.substring(0, k));
		}
		states.add(null);
		URI uri = URI.createFileURI(file.toAbsolutePath().toString());
		XtextResourceSet set = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		ForgeResource live = load(set, uri, original);
		int step = 0;
		List<String> fullParses = new ArrayList<>();
		for (String state : states) {
			List<String> edited = new ArrayList<>(lines);
			if (state != null) {
				edited.add(at + 1, state);
			}
			String text = String.join("\n", edited);
			Updated updated = update(live, set, uri, text);
			live = updated.live();
			boolean incremental = updated.inPlace();
			XtextResource fresh = load(ForgeLanguage.injector().getInstance(XtextResourceSet.class), uri, text);
			String context = file + " (typing step " + step++ + ": '" + state + "', " + (incremental ? "in place" : "full parse") + ")";
			if (!incremental) {
				fullParses.add(state);
			}
			try {
				compare(live, fresh, context, text);
			} catch (RuntimeException e) {
				throw new AssertionError(context + ": " + e, e);
			}
		}
		return fullParses;
	}

	/** The live resource after an edit, and whether the edit was made in place. */
	private record Updated(ForgeResource live, boolean inPlace) {
	}

	/** Brings {@code live} to {@code text} as the server's builder does (in place, else a reload), and counts how. */
	private static Updated update(ForgeResource live, XtextResourceSet set, URI uri, String text) {
		int statements = statementCount(live);
		boolean inPlace = live.updateIncrementally(text);
		ForgeResource now = live;
		if (!inPlace) {
			set.getResources().remove(live);
			live.unload();
			now = load(set, uri, text);
		}
		STEPS.incrementAndGet();
		if (inPlace) {
			INCREMENTAL.incrementAndGet();
			if (now.getParseResult().hasSyntaxErrors()) {
				ERRORS_INCREMENTAL.incrementAndGet();
			}
			if (statementCount(now) != statements) {
				RESHAPED.incrementAndGet();
			}
		}
		return new Updated(now, inPlace);
	}

	private static int statementCount(ForgeResource resource) {
		return resource.getContents().isEmpty() ? 0 : resource.getContents().get(0).eContents().size();
	}

	/** Brackets of one line. */
	private static final class BracketCount {
		static boolean balanced(String line) {
			int depth = 0;
			for (char c : line.toCharArray()) {
				depth += c == '(' || c == '[' || c == '{' ? 1 : c == ')' || c == ']' || c == '}' ? -1 : 0;
				if (depth < 0) {
					return false;
				}
			}
			return depth == 0;
		}
	}

	@AfterAll
	static void enoughWentTheIncrementalWay() {
		// Without this the test could pass by never taking the path it is about.
		System.out.printf("IncrementalParseEquivalenceTest: %d edits, %d updated in place, %d by a full parse; of the %d edits between texts"
				+ " without syntax errors %d were updated in place; %d edits to a text with a syntax error were updated in place; %d in-place updates"
				+ " changed the number of top-level statements%n", STEPS.get(), INCREMENTAL.get(), STEPS.get() - INCREMENTAL.get(), CLEAN.get(),
				CLEAN_INCREMENTAL.get(), ERRORS_INCREMENTAL.get(), RESHAPED.get());
		if (!System.getProperty("forge.incremental.only", "").isEmpty() || CLEAN.get() == 0 && STEPS.get() < 1000) {
			return; // a few files, or only the typing test: too few random edits for the proportions below
		}
		assertTrue(CLEAN.get() >= 10 * EDITS, "only " + CLEAN.get() + " edits between texts without syntax errors");
		assertTrue(CLEAN_INCREMENTAL.get() * 10 >= CLEAN.get() * 6,
				"only " + CLEAN_INCREMENTAL.get() + " of " + CLEAN.get() + " edits between texts without syntax errors were updated in place");
		assertTrue(ERRORS_INCREMENTAL.get() * 10 >= EDITS, "only " + ERRORS_INCREMENTAL.get() + " edits to a text with a syntax error were updated in place");
		assertTrue(RESHAPED.get() * 10 >= EDITS, "only " + RESHAPED.get() + " in-place updates changed the number of top-level statements");
	}

	private void editSequence(Path file) {
		String original = Sources.read(file);
		long seed = SEED ^ file.getFileName().toString().hashCode();
		Random random = new Random(seed);
		URI uri = URI.createFileURI(file.toAbsolutePath().toString());
		XtextResourceSet set = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		ForgeResource live = load(set, uri, original);
		String text = original;
		String previous = null;
		for (int step = 0; step < EDITS; step++) {
			String next;
			String what;
			if (previous != null && live.getParseResult().hasSyntaxErrors() && random.nextInt(3) > 0) {
				next = previous; // fix what the last edit broke: the way back from an error must work too
				what = "undo";
			} else {
				Edit edit = edit(text, random);
				next = edit.text();
				what = edit.what();
			}
			previous = text;
			text = next;
			boolean wasClean = !live.getParseResult().hasSyntaxErrors();
			Updated updated = update(live, set, uri, text);
			live = updated.live();
			boolean incremental = updated.inPlace();
			XtextResource fresh = load(ForgeLanguage.injector().getInstance(XtextResourceSet.class), uri, text);
			if (wasClean && !fresh.getParseResult().hasSyntaxErrors()) {
				CLEAN.incrementAndGet();
				if (incremental) {
					CLEAN_INCREMENTAL.incrementAndGet();
				}
			}
			String context = file + " (seed " + seed + ", step " + step + ", " + what + ", " + (incremental ? "in place" : "full parse") + ")";
			try {
				compare(live, fresh, context, text);
			} catch (RuntimeException e) {
				e.printStackTrace();
				throw new AssertionError(context + ": " + e, e);
			}
		}
	}

	private void compare(XtextResource live, XtextResource fresh, String context, String text) {
		assertEquals(text, live.getParseResult().getRootNode().getText(), "text of " + context);
		assertEquals(fresh.getParseResult().hasSyntaxErrors(), live.getParseResult().hasSyntaxErrors(), "syntax errors or none in " + context);
		if (fresh.getParseResult().hasSyntaxErrors()) {
			// A text with a syntax error gets that one error; the tree around it is each parse's own recovery.
			same(diagnostics(fresh), diagnostics(live), "diagnostics of " + context);
			return;
		}
		same(List.of(AstPrinter.print(fresh.getContents().get(0)).split("\n")), List.of(AstPrinter.print(live.getContents().get(0)).split("\n")),
				"syntax tree of " + context);
		same(nodes(fresh), nodes(live), "node model of " + context);
		same(diagnostics(fresh), diagnostics(live), "diagnostics of " + context);
		same(typeCheck(fresh), typeCheck(live), "type check of " + context);
	}

	/** Equal lists, or a failure that shows the first difference (the lists are long). */
	private static void same(List<String> expected, List<String> actual, String what) {
		if (expected.equals(actual)) {
			return;
		}
		int i = 0;
		while (i < expected.size() && i < actual.size() && expected.get(i).equals(actual.get(i))) {
			i++;
		}
		fail(what + ": first difference at line " + i + " of " + expected.size() + " / " + actual.size() + "\n  full parse: "
				+ (i < expected.size() ? expected.get(i) : "(end)") + "\n  in place:   " + (i < actual.size() ? actual.get(i) : "(end)"));
	}

	private static ForgeResource load(XtextResourceSet set, URI uri, String text) {
		ForgeResource resource = (ForgeResource) set.createResource(uri);
		try {
			resource.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return resource;
	}

	/** Every node in document order: kind, grammar element, offsets, text of leaves, semantic element, errors. */
	private static List<String> nodes(XtextResource resource) {
		ICompositeNode root = resource.getParseResult().getRootNode();
		List<String> lines = new ArrayList<>();
		for (INode node : root.getAsTreeIterable()) {
			StringBuilder out = new StringBuilder();
			int depth = 0;
			for (INode p = node.getParent(); p != null; p = p.getParent()) {
				depth++;
			}
			out.append(depth).append(' ').append(node.getClass().getSimpleName()).append(' ');
			out.append(node.getGrammarElement() == null ? "-" : EcoreUtil.getURI(node.getGrammarElement()).fragment()).append(' ');
			out.append(node.getTotalOffset()).append('+').append(node.getTotalLength());
			out.append(" line ").append(node.getTotalStartLine()).append('-').append(node.getTotalEndLine());
			if (node instanceof ILeafNode leaf) {
				out.append(leaf.isHidden() ? " hidden" : "").append(" '").append(leaf.getText().replace("\n", "\\n")).append('\'');
			}
			if (node instanceof ICompositeNode composite && composite.hasDirectSemanticElement()) {
				EObject semantic = composite.getSemanticElement();
				out.append(" -> ").append(semantic.eClass().getName()).append(' ').append(path(semantic));
				if (org.eclipse.xtext.nodemodel.util.NodeModelUtils.getNode(semantic) != node) {
					out.append(" (not its node)");
				}
			}
			if (node.getSyntaxErrorMessage() != null) {
				out.append(" error ").append(node.getSyntaxErrorMessage().getMessage());
			}
			lines.add(out.toString());
		}
		return lines;
	}

	/** What the language server publishes for the file, in its order. */
	private List<String> diagnostics(XtextResource resource) {
		List<String> out = new ArrayList<>();
		for (Issue issue : validator.validate(resource, CheckMode.ALL, CancelIndicator.NullImpl)) {
			out.add(issue.getSeverity() + " " + issue.getCode() + " " + issue.getOffset() + "+" + issue.getLength() + " " + issue.getLineNumber() + ":"
					+ issue.getColumn() + "-" + issue.getLineNumberEnd() + ":" + issue.getColumnEnd() + " " + issue.getMessage());
		}
		return out;
	}

	/** The type checker's result, with objects named by their place in the tree. */
	private List<String> typeCheck(XtextResource resource) {
		TypeCheckResult result = types.check(resource);
		List<String> out = new ArrayList<>();
		result.types().forEach((node, type) -> out.add("type " + path(node) + " " + show(type)));
		result.definitions().forEach((name, definition) -> out.add("defines " + path(name) + " " + path(definition)));
		result.signatures().forEach((def, signature) -> out.add("signature " + path(def) + " " + show(signature) + " defined by " + path(signature.definition())));
		result.diagnostics().forEach(d -> out.add("diagnostic " + d));
		out.sort(Comparator.naturalOrder());
		return out;
	}

	/** A type or signature as text, without the identity hashes of the objects it names (those are compared by path). */
	private static String show(Object value) {
		return IDENTITY.matcher(String.valueOf(value)).replaceAll("$1");
	}

	private static String path(EObject object) {
		if (object == null) {
			return "null";
		}
		if (object.eIsProxy()) {
			return "proxy " + ((org.eclipse.emf.ecore.InternalEObject) object).eProxyURI();
		}
		if (object.eResource() == null) {
			return "detached " + object.eClass().getName();
		}
		return object.eResource().getURI().lastSegment() + "#" + object.eResource().getURIFragment(object);
	}

	// ------------------------------------------------------------------ edits

	record Edit(String text, String what) {
	}

	private static Edit edit(String text, Random random) {
		List<int[]> lines = lines(text);
		int kind = random.nextInt(100);
		if (kind < 30) {
			// What typing in a body mostly is: a name, number or operator changed in place.
			Edit small = smallEdit(text, random);
			if (small != null) {
				return small;
			}
			kind = random.nextInt(100);
		}
		if (text.isEmpty() || kind < 25) {
			int at = offset(text, lines, random);
			StringBuilder typed = new StringBuilder();
			for (int n = 1 + random.nextInt(3); n > 0; n--) {
				typed.append(random.nextInt(3) == 0 ? TYPED.charAt(random.nextInt(TYPED.length())) : (char) ('a' + random.nextInt(26)));
			}
			return new Edit(text.substring(0, at) + typed + text.substring(at), "insert " + quote(typed) + " at " + at);
		}
		if (kind < 40) {
			int at = offset(text, lines, random);
			int end = Math.min(text.length(), at + 1 + random.nextInt(8));
			return new Edit(text.substring(0, at) + text.substring(end), "delete " + at + ".." + end + " " + quote(text.substring(at, end)));
		}
		if (kind < 55) {
			List<int[]> words = new ArrayList<>();
			Matcher m = WORD.matcher(text);
			while (m.find()) {
				words.add(new int[] { m.start(), m.end() });
			}
			if (words.size() >= 2) {
				int[] target = words.get(random.nextInt(words.size()));
				int[] source = words.get(random.nextInt(words.size()));
				String word = text.substring(source[0], source[1]);
				return new Edit(text.substring(0, target[0]) + word + text.substring(target[1]),
						"replace " + quote(text.substring(target[0], target[1])) + " at " + target[0] + " by " + quote(word));
			}
		}
		if (kind < 65) {
			int[] line = lines.get(random.nextInt(lines.size()));
			int[] at = lines.get(random.nextInt(lines.size()));
			String copy = text.substring(line[0], line[1]) + "\n";
			return new Edit(text.substring(0, at[0]) + copy + text.substring(at[0]), "insert line " + quote(copy) + " at " + at[0]);
		}
		if (kind < 75) {
			int[] line = lines.get(random.nextInt(lines.size()));
			int end = Math.min(text.length(), line[1] + 1);
			return new Edit(text.substring(0, line[0]) + text.substring(end), "delete line " + quote(text.substring(line[0], end)));
		}
		if (kind < 85) {
			int[] line = lines.get(random.nextInt(lines.size()));
			int indent = 0;
			while (line[0] + indent < line[1] && text.charAt(line[0] + indent) == ' ') {
				indent++;
			}
			String change = random.nextBoolean() ? "    " : " ";
			if (random.nextBoolean() && indent >= change.length()) {
				return new Edit(text.substring(0, line[0]) + text.substring(line[0] + change.length()), "dedent line at " + line[0] + " by " + change.length());
			}
			return new Edit(text.substring(0, line[0]) + change + text.substring(line[0]), "indent line at " + line[0] + " by " + change.length());
		}
		// A whole top-level unit: the lines from one column-0 line up to the next.
		List<Integer> starts = new ArrayList<>();
		for (int[] line : lines) {
			if (line[1] > line[0] && !Character.isWhitespace(text.charAt(line[0])) && text.charAt(line[0]) != '#') {
				starts.add(line[0]);
			}
		}
		if (starts.isEmpty()) {
			return new Edit(text + "\n", "append a newline");
		}
		int index = random.nextInt(starts.size());
		int start = starts.get(index);
		int end = index + 1 < starts.size() ? starts.get(index + 1) : text.length();
		String unit = text.substring(start, end);
		String rest = text.substring(0, start) + text.substring(end);
		int choice = random.nextInt(3);
		if (choice == 0) {
			return new Edit(rest, "delete unit at " + start + " " + quote(shorten(unit)));
		}
		if (choice == 1) {
			return new Edit(text.substring(0, end) + unit + text.substring(end), "duplicate unit at " + start + " " + quote(shorten(unit)));
		}
		int to = starts.get(random.nextInt(starts.size()));
		int at = to <= start ? to : to - unit.length();
		at = Math.max(0, Math.min(at, rest.length()));
		return new Edit(rest.substring(0, at) + unit + rest.substring(at), "move unit at " + start + " to " + at + " " + quote(shorten(unit)));
	}

	private static final Pattern TOKEN = Pattern.compile("[A-Za-z_][A-Za-z_0-9]*|\\d+|[-+*@/<>]");

	/** A letter typed into or deleted from a name, a digit changed, an operator swapped for another. */
	private static Edit smallEdit(String text, Random random) {
		List<int[]> tokens = new ArrayList<>();
		Matcher m = TOKEN.matcher(text);
		while (m.find()) {
			tokens.add(new int[] { m.start(), m.end() });
		}
		if (tokens.isEmpty()) {
			return null;
		}
		int[] t = tokens.get(random.nextInt(tokens.size()));
		String token = text.substring(t[0], t[1]);
		char c = token.charAt(0);
		String replacement;
		if (Character.isLetter(c) || c == '_') {
			int at = 1 + random.nextInt(token.length());
			replacement = random.nextBoolean() || token.length() < 2 ? token.substring(0, at) + (char) ('a' + random.nextInt(26)) + token.substring(at)
					: token.substring(0, at - 1) + token.substring(at);
		} else if (Character.isDigit(c)) {
			replacement = String.valueOf(random.nextInt(300));
		} else {
			replacement = String.valueOf("-+*@/<>".charAt(random.nextInt(7)));
		}
		return new Edit(text.substring(0, t[0]) + replacement + text.substring(t[1]), "change " + quote(token) + " at " + t[0] + " to " + quote(replacement));
	}

	/** A place to edit: anywhere, or (one time in three) next to the start of a line, where top-level statements meet. */
	private static int offset(String text, List<int[]> lines, Random random) {
		if (random.nextInt(3) == 0) {
			int[] line = lines.get(random.nextInt(lines.size()));
			return Math.max(0, Math.min(text.length(), line[0] + random.nextInt(5) - 2));
		}
		return random.nextInt(text.length() + 1);
	}

	/** [start, end) of every line, without its newline. */
	private static List<int[]> lines(String text) {
		List<int[]> lines = new ArrayList<>();
		int start = 0;
		for (int i = 0; i <= text.length(); i++) {
			if (i == text.length() || text.charAt(i) == '\n') {
				lines.add(new int[] { start, i });
				start = i + 1;
			}
		}
		return lines;
	}

	private static String quote(CharSequence s) {
		return "\"" + s.toString().replace("\n", "\\n").replace("\t", "\\t") + "\"";
	}

	private static String shorten(String s) {
		return s.length() > 40 ? s.substring(0, 37) + "..." : s;
	}
}
