package dev.forge.targets;

import dev.forge.util.Names;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;

import dev.forge.diagnostics.SourceDiagnostic.Severity;
import dev.forge.forge.ForgePackage;
import dev.forge.forge.Quantity;
import dev.forge.forge.TargetBool;
import dev.forge.forge.TargetList;
import dev.forge.forge.TargetString;
import dev.forge.forge.TargetSymbol;
import dev.forge.forge.TargetValue;
import dev.forge.targets.TargetSchema.Field;
import dev.forge.targets.TargetSchema.Kind;
import dev.forge.targets.TargetSchema.Unit;

/**
 * Reads one field's value as the schema says: checks its kind, unit, sign and allowed values and
 * converts it to a plain Java value in base units. The checker passes a sink for the problems; the
 * resolver passes none and gets {@code null} for what does not read.
 */
final class FieldValues {

	/** Where problems go: a message on an object of the model (or on one of its features). */
	interface Problems {
		void report(Severity severity, String code, String message, EObject where, EStructuralFeature feature);

		Problems NONE = (severity, code, message, where, feature) -> {
		};
	}

	private static final Pattern VERSION = Pattern.compile("([0-9]+)(?:\\.([0-9]+))?");

	private FieldValues() {
	}

	/**
	 * The value of {@code field} as a plain Java value: Boolean, String (strings, names, versions),
	 * Long (counts, sizes in bytes), Double (numbers, bandwidths, rates, frequencies in base units)
	 * or an unmodifiable List of Strings; null if it does not read (then {@code problems} heard why).
	 */
	static Object read(Field field, TargetValue value, Problems problems) {
		if (value == null) {
			return null;
		}
		Kind kind = field.kind();
		switch (kind) {
			case BOOL -> {
				if (value instanceof TargetBool bool) {
					return bool.isValue();
				}
				return wrongKind(field, value, "expected True or False", problems);
			}
			case STRING -> {
				if (value instanceof TargetString string) {
					return string.getValue();
				}
				return wrongKind(field, value, "expected a quoted string", problems);
			}
			case SYMBOL -> {
				if (value instanceof TargetSymbol symbol) {
					return checkName(field, symbol.getName(), symbol, field.name(), problems);
				}
				return wrongKind(field, value, "expected a bare name" + example(field), problems);
			}
			case VERSION -> {
				return version(field, value, problems);
			}
			case LIST -> {
				if (value instanceof TargetList list) {
					return items(field, list, problems);
				}
				return wrongKind(field, value, "expected a list in [brackets]", problems);
			}
			case BLOCK -> {
				problems.report(Severity.ERROR, TargetIssueCodes.WRONG_KIND,
						"'" + field.name() + "' is a block: write '" + field.name() + ":' and indent its fields below it", value, null);
				return null;
			}
			default -> {
				return quantity(field, value, problems);
			}
		}
	}

	private static String example(Field field) {
		if (!field.values().isEmpty()) {
			return " like " + field.values().getFirst();
		}
		if (field.patternExample() != null) {
			return " like " + field.patternExample();
		}
		return "";
	}

	private static Object wrongKind(Field field, TargetValue value, String expected, Problems problems) {
		problems.report(Severity.ERROR, TargetIssueCodes.WRONG_KIND,
				"'" + field.name() + "' is " + field.kind().noun() + ": " + expected + ", found " + describe(value), value, null);
		return null;
	}

	/** How a message names a value: {@code 'GiB'}-style quotes around its text, or what it is. */
	static String describe(TargetValue value) {
		return switch (value) {
			case TargetString string -> "the string \"" + string.getValue() + "\"";
			case TargetList list -> "a list";
			case TargetBool bool -> bool.isValue() ? "True" : "False";
			case TargetSymbol symbol -> "'" + symbol.getName() + "'";
			default -> "'" + text(value) + "'";
		};
	}

	/** The source text of a model object, whitespace-trimmed. */
	static String text(EObject object) {
		var node = NodeModelUtils.findActualNodeFor(object);
		return node == null ? "" : NodeModelUtils.getTokenText(node);
	}

	private static String checkName(Field field, String name, EObject where, String subject, Problems problems) {
		if (name == null) {
			return null;
		}
		if (!field.values().isEmpty() && !field.values().contains(name)) {
			String hint = Names.closest(name, field.values()).map(s -> "; did you mean '" + s + "'?").orElse("");
			problems.report(Severity.ERROR, TargetIssueCodes.INVALID_VALUE,
					"'" + subject + "' must be " + Names.either(field.values()) + ", found '" + name + "'" + hint, where, null);
			return null;
		}
		if (field.pattern() != null && !field.pattern().matcher(name).matches()) {
			problems.report(Severity.ERROR, TargetIssueCodes.INVALID_VALUE,
					"'" + subject + "' must look like " + field.patternExample() + ", found '" + name + "'", where, null);
			return null;
		}
		return name;
	}

	private static List<String> items(Field field, TargetList list, Problems problems) {
		List<String> out = new ArrayList<>();
		String subject = "items of '" + field.name() + "'";
		for (TargetValue item : list.getItems()) {
			if (field.elementKind() == Kind.STRING) {
				if (item instanceof TargetString string) {
					out.add(string.getValue());
				} else {
					problems.report(Severity.ERROR, TargetIssueCodes.WRONG_KIND,
							subject + " are strings: expected a quoted string, found " + describe(item), item, null);
				}
			} else if (item instanceof TargetSymbol symbol) {
				String name = checkName(field, symbol.getName(), symbol, field.name(), problems);
				if (name != null) {
					out.add(name);
				}
			} else {
				problems.report(Severity.ERROR, TargetIssueCodes.WRONG_KIND,
						subject + " are names: expected a bare name" + example(field) + ", found " + describe(item), item, null);
			}
		}
		return Collections.unmodifiableList(out);
	}

	private static String version(Field field, TargetValue value, Problems problems) {
		String text = null;
		if (value instanceof Quantity q && !q.isNegative() && q.getUnit() == null) {
			text = q.getNumber();
		} else if (value instanceof TargetString string) {
			text = string.getValue();
		}
		Matcher m = text == null ? null : VERSION.matcher(text);
		if (m == null || !m.matches()) {
			wrongKind(field, value, "expected major.minor like 8.0", problems);
			return null;
		}
		return Integer.parseInt(m.group(1)) + "." + (m.group(2) == null ? "0" : Integer.parseInt(m.group(2)));
	}

	private static Object quantity(Field field, TargetValue value, Problems problems) {
		Kind kind = field.kind();
		if (!(value instanceof Quantity q)) {
			String expected = switch (kind) {
				case INT -> "expected a whole number";
				case NUMBER -> "expected a number";
				default -> "expected a number with a unit like " + kind.unitExamples();
			};
			return wrongKind(field, value, expected, problems);
		}
		BigDecimal number = number(q.getNumber());
		if (number == null) {
			return null; // the parser reports malformed literals
		}
		String unitText = unitText(q);
		if (q.isNegative()) {
			if (!field.signed()) {
				problems.report(Severity.ERROR, TargetIssueCodes.NEGATIVE_VALUE,
						"'" + field.name() + "' cannot be negative", value, null);
				return null;
			}
			number = number.negate();
		}
		if (kind == Kind.INT || kind == Kind.NUMBER) {
			if (unitText != null) {
				problems.report(Severity.ERROR, TargetIssueCodes.WRONG_KIND,
						"'" + field.name() + "' is " + kind.noun() + ": it takes no unit, found '" + unitText + "'", q, ForgePackage.Literals.QUANTITY__UNIT);
				return null;
			}
			if (kind == Kind.INT && !isWhole(number)) {
				problems.report(Severity.ERROR, TargetIssueCodes.INVALID_VALUE,
						"'" + field.name() + "' is a count: expected a whole number, found " + q.getNumber(), value, null);
				return null;
			}
			if (!positive(field, number, value, problems)) {
				return null;
			}
			return kind == Kind.INT ? (Object) number.longValueExact() : (Object) number.doubleValue();
		}
		if (unitText == null) {
			problems.report(Severity.ERROR, TargetIssueCodes.MISSING_UNIT,
					"'" + field.name() + "' is " + kind.noun() + ": add a unit like " + kind.unitExamples() + " to " + q.getNumber(), value, null);
			return null;
		}
		Optional<Unit> unit = TargetSchema.unit(unitText);
		if (unit.isEmpty()) {
			List<String> sameKind = TargetSchema.units(kind).stream().map(Unit::symbol).toList();
			Optional<String> suggestion = Names.closest(unitText, sameKind).or(() -> Names.closest(unitText, TargetSchema.unitSymbols()));
			String message = "unknown unit '" + unitText + "'" + suggestion.map(s -> "; did you mean '" + s + "'?")
					.orElse("; '" + field.name() + "' is " + kind.noun() + ": use a unit like " + kind.unitExamples());
			problems.report(Severity.ERROR, TargetIssueCodes.UNKNOWN_UNIT, message, q, ForgePackage.Literals.QUANTITY__UNIT);
			return null;
		}
		if (unit.get().kind() != kind) {
			problems.report(Severity.ERROR, TargetIssueCodes.WRONG_KIND,
					"'" + field.name() + "' is " + kind.noun() + ": expected a unit like " + kind.unitExamples() + ", found '" + unitText + "'",
					q, ForgePackage.Literals.QUANTITY__UNIT);
			return null;
		}
		BigDecimal base = number.multiply(unit.get().factor());
		if (!positive(field, base, value, problems)) {
			return null;
		}
		if (kind == Kind.SIZE) {
			if (!isWhole(base)) {
				problems.report(Severity.ERROR, TargetIssueCodes.INVALID_VALUE,
						"'" + field.name() + "' is a size: " + q.getNumber() + " " + unitText + " is not a whole number of bytes", value, null);
				return null;
			}
			return base.longValueExact();
		}
		return base.doubleValue();
	}

	private static boolean positive(Field field, BigDecimal number, TargetValue value, Problems problems) {
		if (number.signum() == 0 && !field.signed()) {
			problems.report(Severity.ERROR, TargetIssueCodes.INVALID_VALUE,
					"'" + field.name() + "' must be greater than zero (leave it out if the chip has none)", value, null);
			return false;
		}
		return true;
	}

	private static boolean isWhole(BigDecimal number) {
		return number.signum() == 0 || number.stripTrailingZeros().scale() <= 0;
	}

	/** The unit as written, without spaces ({@code GB/s}), or null. */
	static String unitText(Quantity q) {
		return q.getUnit() == null ? null : q.getUnit().replaceAll("\\s+", "");
	}

	/** A number literal's value ({@code 1_000}, {@code 0x40}, {@code 1.98}, {@code 1e9}), or null. */
	static BigDecimal number(String text) {
		if (text == null) {
			return null;
		}
		String digits = text.replace("_", "");
		try {
			if (digits.startsWith("0x") || digits.startsWith("0X")) {
				return new BigDecimal(new BigInteger(digits.substring(2), 16));
			}
			return new BigDecimal(digits);
		} catch (NumberFormatException e) {
			return null;
		}
	}

	/** The value of a field the schema does not know, read by its form alone (for {@link Target#fields()}). */
	static Object infer(TargetValue value) {
		return switch (value) {
			case null -> null;
			case TargetBool bool -> bool.isValue();
			case TargetString string -> string.getValue();
			case TargetSymbol symbol -> symbol.getName();
			case TargetList list -> list.getItems().stream().map(FieldValues::infer).filter(java.util.Objects::nonNull).toList();
			case Quantity q -> {
				BigDecimal number = number(q.getNumber());
				if (number == null) {
					yield null;
				}
				if (q.isNegative()) {
					number = number.negate();
				}
				Optional<Unit> unit = Optional.ofNullable(unitText(q)).flatMap(TargetSchema::unit);
				if (unit.isPresent()) {
					number = number.multiply(unit.get().factor());
				}
				boolean whole = isWhole(number) && (unit.isEmpty() || unit.get().kind() == Kind.SIZE);
				yield whole ? (Object) number.longValue() : (Object) number.doubleValue();
			}
			default -> null;
		};
	}
}
