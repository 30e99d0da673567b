package dev.forge.driver;

import java.util.Arrays;

/** Converts 0-based character offsets of one text into 0-based lines and columns. */
public final class LineMap {

	private final int[] lineStarts;
	private final int length;

	public LineMap(CharSequence text) {
		int[] starts = new int[16];
		int count = 1;
		for (int i = 0; i < text.length(); i++) {
			if (text.charAt(i) == '\n') {
				if (count == starts.length) {
					starts = Arrays.copyOf(starts, count * 2);
				}
				starts[count++] = i + 1;
			}
		}
		this.lineStarts = Arrays.copyOf(starts, count);
		this.length = text.length();
	}

	/** A 0-based line and column. */
	public record Position(int line, int column) {
	}

	public Position position(int offset) {
		int clamped = Math.max(0, Math.min(offset, length));
		int index = Arrays.binarySearch(lineStarts, clamped);
		int line = index >= 0 ? index : -index - 2;
		return new Position(line, clamped - lineStarts[line]);
	}
}
