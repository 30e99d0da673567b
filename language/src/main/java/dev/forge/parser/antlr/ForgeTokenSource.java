package dev.forge.parser.antlr;

import static dev.forge.parser.antlr.internal.InternalForgeParser.*;

import org.antlr.runtime.TokenSource;

import dev.forge.parser.IndentationTokens;

/** The runtime parser's indentation-aware token source (see {@link IndentationTokens}). */
public class ForgeTokenSource extends IndentationTokens {

	public ForgeTokenSource(TokenSource delegate) {
		super(delegate, new Types(RULE_WS, RULE_SL_COMMENT, RULE_LINE_CONT, RULE_NL, RULE_BEGIN, RULE_END, RULE_BAD_DEDENT, RULE_TOO_DEEP));
	}
}
