package dev.forge.conversion;

import org.eclipse.xtext.common.services.DefaultTerminalConverters;
import org.eclipse.xtext.conversion.IValueConverter;
import org.eclipse.xtext.conversion.ValueConverter;
import org.eclipse.xtext.conversion.ValueConverterException;
import org.eclipse.xtext.conversion.impl.AbstractLexerBasedConverter;
import org.eclipse.xtext.nodemodel.INode;

/**
 * Literal values as the model stores them: numbers keep their source text (the type system reads
 * them at full precision), strings lose their quotes and escapes the way Python's do.
 */
public class ForgeValueConverters extends DefaultTerminalConverters {

	private final IValueConverter<String> sourceText = new AbstractLexerBasedConverter<>() {
		@Override
		public String toValue(String string, INode node) {
			return string;
		}
	};

	@Override
	@ValueConverter(rule = "INT")
	@SuppressWarnings({ "unchecked", "rawtypes" })
	public IValueConverter<Integer> INT() {
		return (IValueConverter) sourceText;
	}

	@ValueConverter(rule = "FLOAT")
	public IValueConverter<String> FLOAT() {
		return sourceText;
	}

	@Override
	@ValueConverter(rule = "STRING")
	public IValueConverter<String> STRING() {
		return new AbstractLexerBasedConverter<>() {
			@Override
			public String toValue(String string, INode node) {
				return unquote(string);
			}

			@Override
			protected String toEscapedString(String value) {
				return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
			}
		};
	}

	/** Removes the quotes (single or triple) and resolves Python's escapes; unknown escapes stay as written. */
	public static String unquote(String literal) {
		if (literal == null || literal.isEmpty()) {
			return "";
		}
		int quoteLength = literal.startsWith("\"\"\"") || literal.startsWith("'''") ? 3 : 1;
		if (literal.length() < 2 * quoteLength) {
			throw new ValueConverterException("unterminated string literal", null, null);
		}
		String body = literal.substring(quoteLength, literal.length() - quoteLength);
		StringBuilder out = new StringBuilder(body.length());
		for (int i = 0; i < body.length(); i++) {
			char c = body.charAt(i);
			if (c != '\\' || i + 1 >= body.length()) {
				out.append(c);
				continue;
			}
			char next = body.charAt(++i);
			switch (next) {
				case 'n' -> out.append('\n');
				case 't' -> out.append('\t');
				case 'r' -> out.append('\r');
				case '0' -> out.append('\0');
				case '\\', '\'', '"' -> out.append(next);
				case '\n' -> {
				}
				default -> out.append('\\').append(next);
			}
		}
		return out.toString();
	}
}
