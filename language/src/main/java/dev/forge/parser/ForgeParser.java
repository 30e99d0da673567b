package dev.forge.parser;

import org.antlr.runtime.ANTLRStringStream;
import org.antlr.runtime.CharStream;
import org.eclipse.xtext.nodemodel.impl.NodeModelBuilder;
import org.eclipse.xtext.parser.IParseResult;

/**
 * The generated parser with a guard: input nested deeper than the parser's stack (a fuzzer's
 * `- - - - ... x`) must give a diagnostic, not a StackOverflowError. Brackets and blocks are
 * already limited in {@link IndentationTokens}; this catches every other right-recursive chain.
 */
public class ForgeParser extends dev.forge.parser.antlr.ForgeParser {

	/** Marks the start of a text the parser could not descend into; see ForgeSyntaxErrorMessageProvider. */
	public static final char TOO_DEEP_MARKER = '\u0000';

	@Override
	protected IParseResult doParse(String ruleName, CharStream in, NodeModelBuilder nodeModelBuilder, int initialLookAhead) {
		String text = in.substring(0, in.size() - 1);
		try {
			return super.doParse(ruleName, in, nodeModelBuilder, initialLookAhead);
		} catch (StackOverflowError | RuntimeException e) {
			if (!isStackOverflow(e)) {
				throw e;
			}
			// Same length and line breaks, so every offset still means the same place; the marker
			// becomes the one syntax error that explains what happened.
			StringBuilder blank = new StringBuilder(text.length());
			for (int i = 0; i < text.length(); i++) {
				blank.append(text.charAt(i) == '\n' ? '\n' : ' ');
			}
			if (blank.length() > 0) {
				blank.setCharAt(0, TOO_DEEP_MARKER);
			}
			return super.doParse(ruleName, new ANTLRStringStream(blank.toString()), nodeModelBuilder, initialLookAhead);
		}
	}

	/** The generated parser is entered by reflection, so the overflow arrives wrapped. */
	private static boolean isStackOverflow(Throwable e) {
		for (Throwable t = e; t != null; t = t.getCause()) {
			if (t instanceof StackOverflowError) {
				return true;
			}
		}
		return false;
	}
}
