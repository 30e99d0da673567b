package dev.forge.parser;

import java.io.StringReader;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.common.util.EList;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.RuleCall;
import org.eclipse.xtext.nodemodel.ICompositeNode;
import org.eclipse.xtext.nodemodel.ILeafNode;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.impl.AbstractNode;
import org.eclipse.xtext.nodemodel.impl.CompositeNode;
import org.eclipse.xtext.nodemodel.impl.LeafNode;
import org.eclipse.xtext.nodemodel.impl.NodeModelBuilder;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.parser.IParseResult;
import org.eclipse.xtext.parser.IParser;
import org.eclipse.xtext.parser.ParseResult;

import dev.forge.forge.Module;

/**
 * Re-parses only the top-level statements an edit touched, and splices the result into the previous
 * parse: its syntax tree and its node model.
 *
 * <p>Why this gives what a full parse gives: in a file without syntax errors, every top-level
 * statement starts at column 0 with no bracket open, after the NL or the END that closed the
 * statement before it, so the lexer and the indentation token source are in their initial state
 * there, and the parser is at the start of the Module rule's loop. The node of a top-level statement
 * spans from the end of the previous statement's last token to its own last token (a NL right after
 * its last token, or the END tokens at the first token of the next statement), so a run of whole
 * statement nodes re-parsed on its own yields the same tokens, the same statements and the same
 * nodes, offsets aside. The run is widened by a character on both sides of the change, so that the
 * change never touches its boundary.
 *
 * <p>Whenever that reasoning might not hold, {@link #plan} returns null and the caller parses the
 * whole file: the previous parse has syntax errors that a splice did not confine ({@link LocalErrors}),
 * the re-parsed part has errors that may reach past it (see {@link #plan}), or the nodes do not map one
 * to one onto the module's statements. The part may parse into another number of top-level statements
 * than it replaces (a statement added, removed, split or merged): it still starts and ends where a full
 * parse is between statements, with no bracket open and every block closed.
 * IncrementalParseEquivalenceTest checks the result against full parses over random edits of every
 * sample and test file, and over a line typed keystroke by keystroke.
 */
public final class TopLevelReparser {

	private TopLevelReparser() {
	}

	/** A splice ready to apply: what it replaces is known (and still attached) before anything changes. */
	public static final class Plan {
		private final IParseResult previous;
		private final String newText;
		private final int start;
		private final int firstChild;
		private final List<AbstractNode> oldNodes;
		private final List<AbstractNode> newNodes;
		private final int firstStatement;
		private final List<EObject> oldStatements;
		private final List<EObject> newStatements;
		/** The end of the re-parsed part in the new text when it has syntax errors, else -1. */
		private final int errorPartEnd;
		private boolean applied;

		private Plan(IParseResult previous, String newText, int start, int firstChild, List<AbstractNode> oldNodes, List<AbstractNode> newNodes,
				int firstStatement, List<EObject> oldStatements, List<EObject> newStatements, int errorPartEnd) {
			this.previous = previous;
			this.newText = newText;
			this.start = start;
			this.firstChild = firstChild;
			this.oldNodes = oldNodes;
			this.newNodes = newNodes;
			this.firstStatement = firstStatement;
			this.oldStatements = oldStatements;
			this.newStatements = newStatements;
			this.errorPartEnd = errorPartEnd;
		}

		/** The top-level statements (module body elements) the splice replaces, in order. */
		public List<EObject> replaced() {
			return oldStatements;
		}

		/** The first replaced child of the root node, and how many (for tests and logs). */
		public int firstChild() {
			return firstChild;
		}

		public int childCount() {
			return oldNodes.size();
		}

		/** Splices the new statements and nodes into the previous parse and returns it, brought to the new text. */
		public IParseResult apply() {
			if (applied) {
				throw new IllegalStateException("a plan applies once");
			}
			applied = true;
			Module module = (Module) previous.getRootASTElement();
			EList<EObject> body = module.getBody();
			int common = Math.min(oldStatements.size(), newStatements.size());
			for (int i = 0; i < common; i++) {
				body.set(firstStatement + i, newStatements.get(i)); // moves it out of the part's module
			}
			for (int i = common; i < oldStatements.size(); i++) {
				body.remove(firstStatement + common);
			}
			if (newStatements.size() > common) {
				body.addAll(firstStatement + common, newStatements.subList(common, newStatements.size()));
			}
			Splicer splicer = new Splicer();
			ICompositeNode root = previous.getRootNode();
			int delta = newText.length() - root.getText().length();
			AbstractNode following;
			if (oldNodes.size() == newNodes.size()) {
				following = (AbstractNode) oldNodes.get(oldNodes.size() - 1).getNextSibling();
				for (int i = 0; i < oldNodes.size(); i++) {
					splicer.swap(oldNodes.get(i), newNodes.get(i));
				}
			} else {
				following = replaceRun((CompositeNode) root, oldNodes, newNodes);
			}
			if (LEAF_OFFSET != null) {
				// The new nodes count from the start of the part, the nodes after them move by the change in length.
				for (AbstractNode node : newNodes) {
					shiftLeaves(node, start);
				}
				if (delta != 0) {
					for (INode next = following; next != null; next = next.getNextSibling()) {
						shiftLeaves((AbstractNode) next, delta);
					}
				}
			} else {
				splicer.renumber(root);
			}
			splicer.setCompleteContent(root, newText);
			return errorPartEnd >= 0 ? new LocalErrors(module, root, start, errorPartEnd) : new ParseResult(module, root, false);
		}
	}

	/**
	 * A parse result whose syntax errors all lie inside one re-parsed part that met the conditions of
	 * {@link #plan} (they cannot reach past it): the statements around it are exactly what a full parse
	 * gives, so a later edit can still be spliced, re-parsing that part whole.
	 */
	public static final class LocalErrors extends ParseResult {
		/** The text of the re-parsed part that holds them; an error may show in a later statement of it than its cause. */
		private final int partStart;
		private final int partEnd;

		LocalErrors(EObject root, ICompositeNode rootNode, int partStart, int partEnd) {
			super(root, rootNode, true);
			this.partStart = partStart;
			this.partEnd = partEnd;
		}
	}

	/**
	 * A plan to bring {@code previous} to {@code newText} by re-parsing the top-level statements the
	 * change touches, or null where only a full parse is certain to give the right result. Parses the
	 * part; changes nothing until {@link Plan#apply()}.
	 *
	 * <p>A part that does not parse (typing passes through such states: {@code z =}, {@code f(x) *}) is
	 * spliced too when its errors cannot reach past it: it is widened by the next statement, so that the
	 * parser meets the same tokens after the error as in the whole file, and {@link #localErrors} holds
	 * (no lexical error, the file's bracket problems are the part's, the parser met the first error inside
	 * the part with a statement's worth of tokens after it). Only the first syntax error of a file is
	 * reported, and a full parse meets the first error in the same statement, with the same tokens
	 * before and after it; its messages count lines from the part's place in the file. The syntax tree
	 * around the error is the part's own recovery, which may differ from what a full parse's recovery
	 * makes of the rest of the file: a bracket the part leaves open swallows every later statement in a
	 * full parse, while the splice keeps them as they were. The statements outside the part are those a
	 * full parse gives once the part parses without errors again, which is what the next splice needs.
	 */
	public static Plan plan(IParser parser, IParseResult previous, String newText) {
		if (previous == null || !(previous.getRootASTElement() instanceof Module module)
				|| previous.hasSyntaxErrors() && !(previous instanceof LocalErrors)) {
			return null;
		}
		ICompositeNode root = previous.getRootNode();
		if (root == null) {
			return null;
		}
		String oldText = root.getText();
		int oldLength = oldText.length();
		int newLength = newText.length();
		int max = Math.min(oldLength, newLength);
		int prefix = commonPrefix(oldText, newText, max);
		int suffix = commonSuffix(oldText, newText, max - prefix);
		// The old text that must be re-parsed: the change and one character on each side of it.
		int lo = Math.max(prefix - 1, 0);
		int hi = Math.min(oldLength - suffix + 1, oldLength);
		if (hi <= lo) {
			return null;
		}
		List<INode> children = new ArrayList<>();
		for (INode child : root.getChildren()) {
			children.add(child);
		}
		int[] bounds = bounds(children, oldLength);
		if (bounds == null) {
			return null;
		}
		int first = -1;
		int last = -1;
		for (int i = 0; i < children.size(); i++) {
			if (first < 0 && bounds[i + 1] > lo) {
				first = i;
			}
			if (bounds[i] < hi) {
				last = i;
			}
		}
		if (first < 0 || last < first) {
			return null;
		}
		if (previous instanceof LocalErrors errors) {
			// The part that held the previous errors is re-parsed whole: whatever caused them may have changed.
			for (int i = 0; i < children.size(); i++) {
				if (bounds[i + 1] > errors.partStart && bounds[i] < errors.partEnd) {
					first = Math.min(first, i);
					last = Math.max(last, i);
				}
			}
		}
		// Hidden text after the last statement is split into leaves by token; a part that ended among them could
		// join two of them into one token (a comment whose newline was deleted), so it takes them all.
		while (last + 1 < children.size() && isHiddenLeaf(children.get(last + 1))) {
			last++;
		}
		int start = bounds[first];
		if (start > lo || bounds[last + 1] < hi) {
			return null;
		}
		int statementsBefore = 0;
		for (int i = 0; i < first; i++) {
			if (isStatement(children.get(i))) {
				statementsBefore++;
			}
		}
		Plan plan = planRun(parser, previous, module, children, bounds, newText, first, last, statementsBefore, false, 0);
		if (plan != null) {
			return plan;
		}
		// The part may not parse: widen it by the next statement and count lines from its place in the file.
		int next = last + 1;
		while (next < children.size() && !isStatement(children.get(next))) {
			next++;
		}
		int lines = 0;
		for (int i = 0; i < start; i++) {
			if (newText.charAt(i) == '\n') {
				lines++;
			}
		}
		return planRun(parser, previous, module, children, bounds, newText, first, Math.min(next, children.size() - 1), statementsBefore, true,
				lines);
	}

	/**
	 * Re-parses children [first, last] of the root as they read in {@code newText}; a plan, or null. With
	 * {@code withErrors} a part with syntax errors is accepted when they are local (see {@link #plan}); its
	 * messages then count lines from {@code lineBase}, the lines before the part.
	 */
	private static Plan planRun(IParser parser, IParseResult previous, Module module, List<INode> children, int[] bounds, String newText, int first,
			int last, int statementsBefore, boolean withErrors, int lineBase) {
		int start = bounds[first];
		ICompositeNode root = previous.getRootNode();
		int oldLength = root.getTotalLength();
		int oldEnd = bounds[last + 1];
		List<AbstractNode> oldNodes = new ArrayList<>();
		for (int i = first; i <= last; i++) {
			INode child = children.get(i);
			if (!isStatement(child) && !isHiddenLeaf(child)) {
				return null;
			}
			oldNodes.add((AbstractNode) child);
		}
		int newEnd = oldEnd + newText.length() - oldLength;
		if (newEnd < start || newEnd > newText.length()) {
			return null;
		}
		String partText = newText.substring(start, newEnd);
		IParseResult part;
		try {
			part = withErrors ? ForgeSyntaxErrorMessageProvider.withLineBase(lineBase, () -> parser.parse(new StringReader(partText)))
					: parser.parse(new StringReader(partText));
		} catch (RuntimeException e) {
			return null;
		}
		if (part == null || !(part.getRootASTElement() instanceof Module partModule) || part.getRootNode() == null) {
			return null;
		}
		boolean partErrors = part.hasSyntaxErrors();
		if (partErrors && !withErrors) {
			return null;
		}
		List<AbstractNode> newNodes = new ArrayList<>();
		for (INode child : part.getRootNode().getChildren()) {
			if (isStatement(child) || isHiddenLeaf(child)) {
				newNodes.add((AbstractNode) child);
			} else if (!isEntryNode(child)) {
				return null;
			}
		}
		// A run of another length (a statement added, removed, split or merged, or swallowed by an open bracket)
		// needs node surgery that only Xtext's private fields allow.
		if (newNodes.size() != oldNodes.size() && (PREV == null || LEAF_OFFSET == null)) {
			return null;
		}
		// A full parse gives hidden text before a statement to that statement: hidden leaves of the root only ever
		// follow the last statement. A file without statements, or with nothing but its entry node, starts with
		// another kind of node.
		boolean emptyBefore = module.getBody().isEmpty();
		boolean emptyAfter = module.getBody().size() - statementNodes(oldNodes) + statementNodes(newNodes) == 0;
		if (hiddenBeforeStatement(children, first, last, newNodes) || emptyBefore != emptyAfter
				|| children.size() - oldNodes.size() + newNodes.size() <= 1) {
			return null;
		}
		// Where the part's last statement (the one it was widened by) starts in the new text, relative to the part.
		int lastStart = bounds[last] + newText.length() - oldLength - start;
		if (partErrors && !localErrors(part, partText, newText, start, lastStart, newNodes.size() == oldNodes.size())) {
			return null;
		}
		// The module's statements, one per statement node and in the same order.
		List<EObject> oldStatements = statementsOf(module, root, oldNodes, statementsBefore);
		List<EObject> newStatements = statementsOf(partModule, part.getRootNode(), newNodes, 0);
		if (oldStatements == null || newStatements == null) {
			return null;
		}
		int statementCount = 0;
		for (INode child : children) {
			if (isStatement(child)) {
				statementCount++;
			}
		}
		if (statementCount != module.getBody().size() || newStatements.size() != partModule.getBody().size()) {
			return null;
		}
		// The previous errors were all in the part (see plan): the result has the part's errors or none.
		return new Plan(previous, newText, start, first, oldNodes, newNodes, statementsBefore, oldStatements, newStatements,
				partErrors ? newEnd : -1);
	}

	/**
	 * Whether the first syntax error of the part is the first a full parse meets, the one the file reports
	 * (ForgeResource; a file with a syntax error publishes that error alone, see ForgeResourceValidator): no
	 * lexical error (an unterminated string reaches past its line, and a lexical error anywhere wins); the
	 * bracket problems of the whole file are exactly the part's (a bracket the part leaves open is never
	 * closed later either, and the messages about brackets come from that scan); and the parser met the
	 * error with the same tokens before it and a statement's worth of the same tokens after it. That holds
	 * where the part runs to the end of the file; where it parsed into as many top-level nodes as it
	 * replaces and every error lies before its end; or else (a bracket left open swallows the rest of the
	 * part, and a full parse would go on swallowing the statements after it) where the first error lies
	 * before the part's last statement, {@code lastStart}. With a bracket left open, the text after the part
	 * sits that much deeper in a full parse, which must stay within the lexer's nesting limit.
	 */
	private static boolean localErrors(IParseResult part, String partText, String newText, int start, int lastStart, boolean sameLength) {
		List<BracketScan.Problem> own = BracketScan.problems(partText);
		List<BracketScan.Problem> whole = BracketScan.problems(newText);
		if (whole.size() != own.size()) {
			return false;
		}
		for (int i = 0; i < own.size(); i++) {
			BracketScan.Problem a = own.get(i);
			BracketScan.Problem b = whole.get(i);
			if (a.bracket() != b.bracket() || a.offset() + start != b.offset() || !java.util.Objects.equals(a.expectedCloser(), b.expectedCloser())
					|| (a.openerOffset() == null ? b.openerOffset() != null : b.openerOffset() == null || a.openerOffset() + start != b.openerOffset())) {
				return false;
			}
		}
		int firstError = -1;
		boolean allInside = true;
		for (INode error : part.getSyntaxErrors()) {
			if (error.getSyntaxErrorMessage() == null || ForgeResource.isLexicalCode(error.getSyntaxErrorMessage().getIssueCode())) {
				return false;
			}
			firstError = firstError < 0 ? error.getTotalOffset() : firstError;
			allInside &= error.getTotalOffset() < partText.length();
		}
		boolean toEnd = start + partText.length() == newText.length();
		if (!toEnd && !(sameLength && allInside) && !(firstError >= 0 && firstError < lastStart)) {
			return false;
		}
		int leftOpen = 0;
		for (BracketScan.Problem problem : own) {
			leftOpen += problem.isUnclosedOpener() ? 1 : 0;
		}
		return leftOpen == 0 || leftOpen + BracketScan.maxDepth(newText, start + partText.length()) <= IndentationTokens.MAX_BRACKET_DEPTH;
	}

	private static final int CHUNK = 256;

	private static int commonPrefix(String a, String b, int max) {
		int n = 0;
		while (n + CHUNK <= max && a.regionMatches(n, b, n, CHUNK)) {
			n += CHUNK;
		}
		while (n < max && a.charAt(n) == b.charAt(n)) {
			n++;
		}
		return n;
	}

	private static int commonSuffix(String a, String b, int max) {
		int n = 0;
		int la = a.length();
		int lb = b.length();
		while (n + CHUNK <= max && a.regionMatches(la - n - CHUNK, b, lb - n - CHUNK, CHUNK)) {
			n += CHUNK;
		}
		while (n < max && a.charAt(la - 1 - n) == b.charAt(lb - 1 - n)) {
			n++;
		}
		return n;
	}

	/**
	 * Xtext's node fields, which it keeps to its own package (NodeModelBuilder renumbers offsets only by
	 * walking the whole tree through iterators); null where they cannot be reached, and then every
	 * offset is recomputed through NodeModelBuilder instead.
	 */
	private static final VarHandle FIRST_CHILD;
	private static final VarHandle NEXT;
	private static final VarHandle PREV;
	private static final VarHandle PARENT;
	private static final VarHandle LEAF_OFFSET;

	static {
		VarHandle firstChild = null;
		VarHandle next = null;
		VarHandle prev = null;
		VarHandle parent = null;
		VarHandle offset = null;
		try {
			MethodHandles.Lookup composite = MethodHandles.privateLookupIn(CompositeNode.class, MethodHandles.lookup());
			MethodHandles.Lookup node = MethodHandles.privateLookupIn(AbstractNode.class, MethodHandles.lookup());
			MethodHandles.Lookup leaf = MethodHandles.privateLookupIn(LeafNode.class, MethodHandles.lookup());
			// Exact invocation only: every use below has the handle's own types, so none takes the slow generic path.
			firstChild = composite.findVarHandle(CompositeNode.class, "firstChild", AbstractNode.class).withInvokeExactBehavior();
			next = node.findVarHandle(AbstractNode.class, "next", AbstractNode.class).withInvokeExactBehavior();
			prev = node.findVarHandle(AbstractNode.class, "prev", AbstractNode.class).withInvokeExactBehavior();
			parent = node.findVarHandle(AbstractNode.class, "parent", CompositeNode.class).withInvokeExactBehavior();
			offset = leaf.findVarHandle(LeafNode.class, "totalOffset", int.class).withInvokeExactBehavior();
		} catch (ReflectiveOperationException | RuntimeException e) {
			firstChild = null;
		}
		FIRST_CHILD = firstChild;
		NEXT = next;
		PREV = firstChild == null ? null : prev;
		PARENT = parent;
		LEAF_OFFSET = firstChild == null ? null : offset;
	}

	/**
	 * Replaces the run {@code oldNodes} of the root's children by {@code newNodes} (either may be longer) and
	 * returns the child that follows them, or null. Children form a ring (the first one's previous sibling is
	 * the last), so the root's children are relinked whole: a few hundred top-level nodes.
	 */
	private static AbstractNode replaceRun(CompositeNode root, List<AbstractNode> oldNodes, List<AbstractNode> newNodes) {
		List<AbstractNode> children = new ArrayList<>();
		for (INode child : root.getChildren()) {
			children.add((AbstractNode) child);
		}
		int at = children.indexOf(oldNodes.get(0));
		children.subList(at, at + oldNodes.size()).clear();
		children.addAll(at, newNodes);
		int n = children.size();
		// Exact invocation: every argument has the handle's own type (a generic get() is Object to it).
		for (int i = 0; i < n; i++) {
			AbstractNode child = children.get(i);
			AbstractNode next = children.get((i + 1) % n);
			AbstractNode prev = children.get((i + n - 1) % n);
			PARENT.set(child, root);
			NEXT.set(child, next);
			PREV.set(child, prev);
		}
		AbstractNode firstChild = n == 0 ? null : children.get(0);
		FIRST_CHILD.set(root, firstChild);
		int after = at + newNodes.size();
		return after < n ? children.get(after) : null;
	}

	/** Moves every leaf under {@code node} by {@code delta}: a walk down first children and along siblings (they form a ring). */
	private static void shiftLeaves(AbstractNode node, int delta) {
		AbstractNode current = node;
		while (true) {
			if (current instanceof CompositeNode composite) {
				AbstractNode first = (AbstractNode) FIRST_CHILD.get(composite);
				if (first != null) {
					current = first;
					continue;
				}
			} else if (current instanceof LeafNode leaf) {
				LEAF_OFFSET.set(leaf, (int) LEAF_OFFSET.get(leaf) + delta);
			}
			while (true) {
				if (current == node) {
					return;
				}
				CompositeNode parent = (CompositeNode) PARENT.get(current);
				AbstractNode next = (AbstractNode) NEXT.get(current);
				if (next != (AbstractNode) FIRST_CHILD.get(parent)) {
					current = next;
					break;
				}
				current = parent;
			}
		}
	}

	/**
	 * Where each child of the root starts, and the end of the text last: a child ends where the next one starts.
	 * (Not a child's own end offset: error recovery may conjure a token, such as a missing ')', as a leaf at
	 * offset 0 at the end of a statement, which that statement's end offset then reflects.) Null if the
	 * children do not start in order.
	 */
	private static int[] bounds(List<INode> children, int length) {
		int[] bounds = new int[children.size() + 1];
		for (int i = 0; i < children.size(); i++) {
			bounds[i] = children.get(i).getTotalOffset();
			if (i > 0 && bounds[i] < bounds[i - 1]) {
				return null;
			}
		}
		bounds[children.size()] = length;
		return children.isEmpty() || bounds[children.size() - 1] <= length ? bounds : null;
	}

	/** Whether the root's children would have a hidden leaf before a statement once children [first, last] are replaced by {@code newNodes}. */
	private static boolean hiddenBeforeStatement(List<INode> children, int first, int last, List<AbstractNode> newNodes) {
		List<INode> window = new ArrayList<>();
		if (first > 0) {
			window.add(children.get(first - 1));
		}
		window.addAll(newNodes);
		if (last + 1 < children.size()) {
			window.add(children.get(last + 1));
		}
		boolean hidden = false;
		for (INode node : window) {
			if (isStatement(node) && hidden) {
				return true;
			}
			hidden |= isHiddenLeaf(node);
		}
		return false;
	}

	private static long statementNodes(List<AbstractNode> nodes) {
		return nodes.stream().filter(TopLevelReparser::isStatement).count();
	}

	/** The body elements of {@code module} for the statement nodes among {@code nodes}, checked against the node model. */
	private static List<EObject> statementsOf(Module module, ICompositeNode root, List<AbstractNode> nodes, int firstIndex) {
		List<EObject> out = new ArrayList<>();
		EList<EObject> body = module.getBody();
		int index = firstIndex;
		for (INode node : nodes) {
			if (!isStatement(node)) {
				continue;
			}
			if (index >= body.size()) {
				return null;
			}
			EObject statement = body.get(index++);
			INode own = NodeModelUtils.getNode(statement);
			if (own == null || topLevelAncestor(own, root) != node) {
				return null;
			}
			out.add(statement);
		}
		return out;
	}

	private static INode topLevelAncestor(INode node, ICompositeNode root) {
		INode n = node;
		while (n != null && n.getParent() != root) {
			n = n.getParent();
		}
		return n;
	}

	/** A top-level statement's node: a call of Statement or TargetDecl from the Module rule. */
	private static boolean isStatement(INode node) {
		return node instanceof ICompositeNode && node.getGrammarElement() instanceof RuleCall;
	}

	private static boolean isHiddenLeaf(INode node) {
		return node instanceof ILeafNode leaf && leaf.isHidden() && leaf.getSyntaxErrorMessage() == null;
	}

	/** The empty node the Module rule's entry leaves as the root's first child. */
	private static boolean isEntryNode(INode node) {
		return node instanceof ICompositeNode && node.getTotalLength() == 0 && node.getGrammarElement() instanceof org.eclipse.xtext.ParserRule;
	}

	/** Xtext's node model builder, for the node surgery it keeps to itself. */
	private static final class Splicer extends NodeModelBuilder {

		void swap(AbstractNode oldNode, AbstractNode newNode) {
			replaceWithoutChildren(oldNode, newNode);
		}

		/**
		 * Recomputes every leaf's offset from the leaves before it. NodeModelBuilder does that only as
		 * part of replacing a node by a new root's first child; replacing the root's first child by
		 * itself changes nothing else.
		 */
		void renumber(ICompositeNode root) {
			replaceAndTransferLookAhead(root.getFirstChild(), root);
		}
	}
}
