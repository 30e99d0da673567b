package dev.forge.types;

import java.util.OptionalLong;

/**
 * The value of an integer literal of the source ({@code 128}, {@code 1_000_000}, {@code 0xff}):
 * a 64-bit integer, as every size, dim and int of Forge is. One reading for the type checker, the
 * shape annotations, the schedules and the validator, so that a literal past 2^63 - 1 is one located
 * error (the validator's) instead of a value that silently wraps or goes unknown.
 */
public final class IntLiterals {

	/** The largest literal: 2^63 - 1. */
	public static final long MAX = Long.MAX_VALUE;

	private IntLiterals() {
	}

	/**
	 * The literal's value; empty when it does not fit in 64 bits (or is not a well-formed literal).
	 * Leading zeros are decimal, never octal.
	 */
	public static OptionalLong value(String text) {
		if (text == null) {
			return OptionalLong.empty();
		}
		String digits = text.replace("_", "");
		try {
			if (digits.startsWith("0x") || digits.startsWith("0X")) {
				return OptionalLong.of(Long.parseLong(digits.substring(2), 16));
			}
			return OptionalLong.of(Long.parseLong(digits));
		} catch (NumberFormatException e) {
			return OptionalLong.empty();
		}
	}
}
