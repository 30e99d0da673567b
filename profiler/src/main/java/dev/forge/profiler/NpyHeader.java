package dev.forge.profiler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a {@link Npy} file: a Python dict literal such as {@code {'descr': '<f4', 'fortran_order': False,
 * 'shape': (3, 4), }}. Parsed as a small subset of Python literals (strings, True and False,
 * ints, tuples and lists) rather than with patterns, so that a damaged header gets a clear message.
 */
record NpyHeader(Object descr, long[] shape) {

	static NpyHeader parse(String text, String name) throws NpyException {
		Map<?, ?> dict;
		try {
			LiteralParser p = new LiteralParser(text);
			Object value = p.value();
			p.end();
			if (!(value instanceof Map<?, ?> m)) {
				throw new IllegalArgumentException("not a dict");
			}
			dict = m;
		} catch (IllegalArgumentException e) {
			throw new NpyException(name + ": malformed header (" + e.getMessage() + "): " + text.strip());
		}
		for (String key : List.of("descr", "fortran_order", "shape")) {
			if (!dict.containsKey(key)) {
				throw new NpyException(name + ": malformed header (no '" + key + "'): " + text.strip());
			}
		}
		Object fortran = dict.get("fortran_order");
		if (!(fortran instanceof Boolean)) {
			throw new NpyException(name + ": malformed header ('fortran_order' is not True or False): " + text.strip());
		}
		if ((Boolean) fortran) {
			throw new NpyException(name + ": Fortran-order arrays are not supported (save a C-order array: numpy.ascontiguousarray)");
		}
		if (!(dict.get("shape") instanceof List<?> dims)) {
			throw new NpyException(name + ": malformed header ('shape' is not a tuple): " + text.strip());
		}
		long[] shape = new long[dims.size()];
		for (int i = 0; i < shape.length; i++) {
			if (!(dims.get(i) instanceof Long n) || n < 0) {
				throw new NpyException(name + ": malformed header (bad shape " + show(dims) + ")");
			}
			shape[i] = n;
		}
		return new NpyHeader(dict.get("descr"), shape);
	}

	/** A parsed literal back in Python notation, for messages. */
	static String show(Object value) {
		if (value instanceof String s) {
			return "'" + s + "'";
		}
		if (value instanceof List<?> list) {
			StringBuilder b = new StringBuilder("[");
			for (int i = 0; i < list.size(); i++) {
				b.append(i == 0 ? "" : ", ").append(show(list.get(i)));
			}
			return b.append(']').toString();
		}
		return String.valueOf(value);
	}

	/** Python literals: a dict becomes a Map, a tuple or list a List, an int a Long (old files write {@code 3L}). */
	private static final class LiteralParser {

		private final String s;
		private int pos;

		LiteralParser(String s) {
			this.s = s;
		}

		Object value() {
			skipSpace();
			if (pos >= s.length()) {
				throw new IllegalArgumentException("unexpected end");
			}
			char c = s.charAt(pos);
			return switch (c) {
				case '{' -> dict();
				case '(' -> sequence(')');
				case '[' -> sequence(']');
				case '\'', '"' -> string();
				default -> c == '-' || Character.isDigit(c) ? integer() : word();
			};
		}

		void end() {
			skipSpace();
			if (pos != s.length()) {
				throw new IllegalArgumentException("unexpected '" + s.charAt(pos) + "' at " + pos);
			}
		}

		private Map<Object, Object> dict() {
			Map<Object, Object> map = new LinkedHashMap<>();
			pos++;
			while (!peek('}')) {
				Object key = value();
				expect(':');
				map.put(key, value());
				if (!peek('}')) {
					expect(',');
				}
			}
			pos++;
			return map;
		}

		private List<Object> sequence(char close) {
			List<Object> items = new ArrayList<>();
			pos++;
			while (!peek(close)) {
				items.add(value());
				if (!peek(close)) {
					expect(',');
				}
			}
			pos++;
			return items;
		}

		private String string() {
			char quote = s.charAt(pos++);
			int end = s.indexOf(quote, pos);
			if (end < 0) {
				throw new IllegalArgumentException("unterminated string");
			}
			String text = s.substring(pos, end);
			pos = end + 1;
			return text;
		}

		private Long integer() {
			int start = pos;
			if (s.charAt(pos) == '-') {
				pos++;
			}
			while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
				pos++;
			}
			try {
				Long n = Long.parseLong(s.substring(start, pos));
				if (pos < s.length() && s.charAt(pos) == 'L') {
					pos++;
				}
				return n;
			} catch (NumberFormatException e) {
				throw new IllegalArgumentException("bad number '" + s.substring(start, pos) + "'");
			}
		}

		private Object word() {
			int start = pos;
			while (pos < s.length() && Character.isLetter(s.charAt(pos))) {
				pos++;
			}
			return switch (s.substring(start, pos)) {
				case "True" -> Boolean.TRUE;
				case "False" -> Boolean.FALSE;
				default -> throw new IllegalArgumentException("unexpected '" + (pos > start ? s.substring(start, pos) : s.charAt(pos)) + "' at " + start);
			};
		}

		private boolean peek(char c) {
			skipSpace();
			if (pos >= s.length()) {
				throw new IllegalArgumentException("unexpected end");
			}
			return s.charAt(pos) == c;
		}

		private void expect(char c) {
			if (!peek(c)) {
				throw new IllegalArgumentException("expected '" + c + "' at " + pos);
			}
			pos++;
		}

		private void skipSpace() {
			while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
				pos++;
			}
		}
	}
}
