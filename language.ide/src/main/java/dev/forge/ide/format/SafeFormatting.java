package dev.forge.ide.format;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.eclipse.emf.common.util.URI;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;

import dev.forge.ForgeLanguage;
import dev.forge.ast.AstPrinter;

/**
 * Formatting that cannot change a program: the formatted text must parse to the same tree as the
 * original (and the original must parse), or nothing is changed.
 */
public final class SafeFormatting {

	private SafeFormatting() {
	}

	/** The formatted text, or null when the text does not parse or formatting would change its meaning. */
	public static String format(String text) {
		String formatted = ForgeFormatter.format(text);
		if (formatted == null) {
			return null;
		}
		String before = tree(text);
		return before != null && before.equals(tree(formatted)) ? formatted : null;
	}

	private static String tree(String text) {
		XtextResourceSet set = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		XtextResource resource = (XtextResource) set.createResource(URI.createURI("format:/text.forge"));
		try {
			resource.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
		} catch (IOException e) {
			return null;
		}
		if (resource.getParseResult() == null || resource.getParseResult().hasSyntaxErrors() || resource.getContents().isEmpty()) {
			return null;
		}
		return AstPrinter.print(resource.getContents().get(0));
	}
}
