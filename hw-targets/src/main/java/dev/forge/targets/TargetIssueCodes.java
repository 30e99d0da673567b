package dev.forge.targets;

import dev.forge.validation.IssueCodes;

/**
 * Diagnostic codes of chip descriptions (the F09xx range; F0901 and F0902 are the language's own
 * {@link IssueCodes} constants, repeated here so that checker code reads from one place).
 * Codes are stable and never reused; docs/targets.md describes each one.
 */
public final class TargetIssueCodes {
	/** error: a target extends itself, directly or through its bases. */
	public static final String CYCLE = IssueCodes.TARGET_CYCLE;
	/** error: the same field twice in one block. */
	public static final String DUPLICATE_FIELD = IssueCodes.DUPLICATE_TARGET_FIELD;
	/** warning: a field the schema does not know (with the closest known name). */
	public static final String UNKNOWN_FIELD = "F0903";
	/** error: a value of the wrong kind (a size where a bandwidth belongs, a block where a value belongs, ...). */
	public static final String WRONG_KIND = "F0904";
	/** error: a unit that no kind knows. */
	public static final String UNKNOWN_UNIT = "F0905";
	/** error: a number without the unit its field needs. */
	public static final String MISSING_UNIT = "F0906";
	/** error: a negative number where the field does not allow one. */
	public static final String NEGATIVE_VALUE = "F0907";
	/** error: a concrete (not {@code abstract = True}) target lacks a field its kind requires. */
	public static final String MISSING_FIELD = "F0908";
	/** error: a value of the right kind that the field does not accept (not one of, not whole, zero, ...). */
	public static final String INVALID_VALUE = "F0909";
	/** warning: a field that describes the other kind of chip ({@code cores} on a gpu). */
	public static final String NOT_APPLICABLE = "F0910";
	/** error or warning: fields that contradict each other ({@code per_block} above {@code per_sm}). */
	public static final String INCONSISTENT = "F0911";

	private TargetIssueCodes() {
	}
}
