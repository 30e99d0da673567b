package dev.forge.validation;

/**
 * Stable diagnostic codes. docs/diagnostics.md documents each one; codes are never reused.
 * F00xx syntax, F01xx names and imports, F02xx declarations, F09xx chip descriptions.
 */
public final class IssueCodes {
	public static final String INVALID_SYNTAX = "F0001";
	public static final String EXPECTED_INDENTED_BLOCK = "F0002";
	public static final String UNEXPECTED_INDENT = "F0003";
	public static final String INCONSISTENT_DEDENT = "F0004";
	public static final String UNCLOSED_BRACKET = "F0005";
	public static final String UNMATCHED_BRACKET = "F0006";
	public static final String UNTERMINATED_STRING = "F0007";
	public static final String INVALID_CHARACTER = "F0008";
	public static final String INVALID_LITERAL = "F0009";
	public static final String TOO_DEEP = "F0010";

	public static final String UNKNOWN_MODULE = "F0101";
	public static final String UNKNOWN_IMPORTED_NAME = "F0102";
	public static final String UNKNOWN_TARGET = "F0103";
	public static final String UNDEFINED_NAME = "F0104";
	public static final String UNUSED = "F0105";
	public static final String SHADOWED_BUILTIN = "F0106";
	public static final String IMPORT_CYCLE = "F0107";

	public static final String SHAPE_MISMATCH = "F0301";
	public static final String MATMUL_INNER = "F0302";
	public static final String RANK_MISMATCH = "F0303";
	public static final String DTYPE_MISMATCH = "F0304";
	public static final String ARGUMENT_TYPE = "F0305";
	public static final String RETURN_MISMATCH = "F0306";
	public static final String RESHAPE = "F0307";
	public static final String AXIS = "F0308";
	public static final String UNDECIDED_DIM = "F0309";
	public static final String INVALID_ANNOTATION = "F0310";
	public static final String ARGUMENTS = "F0311";
	public static final String UNKNOWN_KEYWORD = "F0312";
	public static final String NOT_CALLABLE = "F0313";
	public static final String UNKNOWN_ATTRIBUTE = "F0314";
	public static final String INDEX = "F0315";
	public static final String CONCAT = "F0316";
	public static final String AUTOTUNE = "F0317";
	public static final String SCHEDULE = "F0318";
	public static final String TYPE_MISMATCH = "F0319";

	public static final String DUPLICATE_DEFINITION = "F0201";
	public static final String DUPLICATE_PARAMETER = "F0202";
	public static final String PARAMETER_ORDER = "F0203";
	public static final String MISPLACED_STATEMENT = "F0204";
	public static final String INVALID_ASSIGNMENT_TARGET = "F0205";
	public static final String DUPLICATE_KEYWORD_ARGUMENT = "F0206";
	public static final String POSITIONAL_AFTER_KEYWORD = "F0207";

	public static final String TARGET_CYCLE = "F0901";
	public static final String DUPLICATE_TARGET_FIELD = "F0902";

	/** A one-line title per code, for SARIF rule descriptions and docs/diagnostics.md. */
	public static final java.util.Map<String, String> TITLES = java.util.Map.ofEntries(
			java.util.Map.entry(INVALID_SYNTAX, "invalid syntax"),
			java.util.Map.entry(EXPECTED_INDENTED_BLOCK, "a block header is not followed by an indented block"),
			java.util.Map.entry(UNEXPECTED_INDENT, "a line is indented where no block starts"),
			java.util.Map.entry(INCONSISTENT_DEDENT, "a dedent matches no enclosing indentation level"),
			java.util.Map.entry(UNCLOSED_BRACKET, "a bracket is never closed"),
			java.util.Map.entry(UNMATCHED_BRACKET, "a closing bracket has no matching opening bracket"),
			java.util.Map.entry(UNTERMINATED_STRING, "a string literal is not closed on its line"),
			java.util.Map.entry(INVALID_CHARACTER, "a character that is not part of the language"),
			java.util.Map.entry(INVALID_LITERAL, "a malformed number literal"),
			java.util.Map.entry(TOO_DEEP, "brackets, blocks or operators nest deeper than the parser follows"),
			java.util.Map.entry(UNKNOWN_MODULE, "an import names a module that does not exist"),
			java.util.Map.entry(UNKNOWN_IMPORTED_NAME, "an import names a function the module does not define"),
			java.util.Map.entry(UNKNOWN_TARGET, "`extends` names an unknown chip description"),
			java.util.Map.entry(UNDEFINED_NAME, "a name that is not defined"),
			java.util.Map.entry(UNUSED, "a variable or parameter that is never used"),
			java.util.Map.entry(SHADOWED_BUILTIN, "a name that hides a builtin"),
			java.util.Map.entry(IMPORT_CYCLE, "modules that import each other in a cycle"),
			java.util.Map.entry(SHAPE_MISMATCH, "shapes that do not agree"),
			java.util.Map.entry(MATMUL_INNER, "a matrix product whose inner dims differ"),
			java.util.Map.entry(RANK_MISMATCH, "a tensor with the wrong number of dims"),
			java.util.Map.entry(DTYPE_MISMATCH, "dtypes that do not agree"),
			java.util.Map.entry(ARGUMENT_TYPE, "an argument of the wrong kind"),
			java.util.Map.entry(RETURN_MISMATCH, "a return value that does not match the declared result"),
			java.util.Map.entry(RESHAPE, "a reshape that changes the element count"),
			java.util.Map.entry(AXIS, "an axis out of range"),
			java.util.Map.entry(UNDECIDED_DIM, "dims whose equality the checker cannot decide"),
			java.util.Map.entry(INVALID_ANNOTATION, "a malformed type annotation or dim"),
			java.util.Map.entry(ARGUMENTS, "missing, surplus or repeated arguments"),
			java.util.Map.entry(UNKNOWN_KEYWORD, "a keyword argument the function does not take"),
			java.util.Map.entry(NOT_CALLABLE, "a call of something that is not a function"),
			java.util.Map.entry(UNKNOWN_ATTRIBUTE, "an attribute or operation that does not exist"),
			java.util.Map.entry(INDEX, "an index out of range, or too many indices"),
			java.util.Map.entry(CONCAT, "tensors that cannot be concatenated or stacked"),
			java.util.Map.entry(AUTOTUNE, "an invalid autotuning space"),
			java.util.Map.entry(SCHEDULE, "an invalid schedule"),
			java.util.Map.entry(TYPE_MISMATCH, "a value that does not match its declared type"),
			java.util.Map.entry(DUPLICATE_DEFINITION, "a name is defined twice in one scope"),
			java.util.Map.entry(DUPLICATE_PARAMETER, "a parameter name is used twice"),
			java.util.Map.entry(PARAMETER_ORDER, "parameters are in an order Python does not allow"),
			java.util.Map.entry(MISPLACED_STATEMENT, "return, break or continue outside of a function or loop"),
			java.util.Map.entry(INVALID_ASSIGNMENT_TARGET, "an assignment to something that cannot be assigned"),
			java.util.Map.entry(DUPLICATE_KEYWORD_ARGUMENT, "a keyword argument is given twice"),
			java.util.Map.entry(POSITIONAL_AFTER_KEYWORD, "a positional argument follows a keyword argument"),
			java.util.Map.entry(TARGET_CYCLE, "chip descriptions extend each other in a cycle"),
			java.util.Map.entry(DUPLICATE_TARGET_FIELD, "a chip description sets a field twice"));

	private IssueCodes() {
	}
}
