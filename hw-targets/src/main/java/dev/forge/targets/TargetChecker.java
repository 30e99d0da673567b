package dev.forge.targets;

import dev.forge.util.Names;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.diagnostics.SourceDiagnostic.Severity;
import dev.forge.forge.ForgePackage;
import dev.forge.forge.TargetDecl;
import dev.forge.forge.TargetField;
import dev.forge.targets.TargetSchema.Field;
import dev.forge.targets.TargetSchema.Kind;

/**
 * Checks chip descriptions against {@link TargetSchema}: for editors and {@code forge check}. It
 * never throws on user input; it returns diagnostics on the offending names, values and units.
 *
 * <p>A target is checked on its own fields (unknown names, kinds, units, signs, duplicates) and on
 * its resolved view, the fields it inherits included: the inheritance cycle, fields that describe
 * the other kind of chip, required fields of a concrete target, and fields that contradict each
 * other. A target is abstract when it says {@code abstract = True} itself (the flag is not inherited);
 * abstract targets are bases only and need not be complete.
 */
public final class TargetChecker {

	/** Every diagnostic of every target declared in {@code resource}, in source order. */
	public List<SourceDiagnostic> check(Resource resource) {
		List<SourceDiagnostic> out = new ArrayList<>();
		// The grammar puts chip descriptions at the top level only: no walk over every expression of the file.
		for (EObject root : resource.getContents()) {
			Iterable<? extends EObject> candidates = root instanceof dev.forge.forge.Module module ? module.getBody()
					: (Iterable<EObject>) () -> org.eclipse.emf.ecore.util.EcoreUtil.getAllContents(List.of(root), true);
			for (EObject object : candidates) {
				if (object instanceof TargetDecl decl) {
					out.addAll(check(decl));
				}
			}
		}
		out.sort(Comparator.comparingInt(SourceDiagnostic::offset));
		return out;
	}

	/** The diagnostics of one target (its bases resolved through its resource set), in source order. */
	public List<SourceDiagnostic> check(TargetDecl decl) {
		List<SourceDiagnostic> out = new ArrayList<>();
		FieldValues.Problems sink = (severity, code, message, where, feature) -> out.add(diagnostic(severity, code, message, where, feature));
		String name = decl.getName() == null ? "?" : decl.getName();

		Lineage lineage = Lineage.of(decl);
		if (lineage.cycleThroughSelf()) {
			StringBuilder cycle = new StringBuilder();
			for (TargetDecl d : lineage.decls()) {
				cycle.append(d.getName()).append(" extends ");
			}
			cycle.append(name);
			sink.report(Severity.ERROR, TargetIssueCodes.CYCLE, "inheritance cycle: " + cycle, decl, ForgePackage.Literals.TARGET_DECL__BASE);
		}

		Map<String, Object> own = new LinkedHashMap<>();
		Map<String, TargetField> ownFields = new LinkedHashMap<>();
		checkBlock(decl.getFields(), TargetSchema.root(), "", name, own, ownFields, sink);

		if (lineage.complete()) {
			Map<String, Object> resolved = TargetResolver.flatten(lineage.decls());
			String kind = resolved.get("kind") instanceof String k ? k : null;
			if (kind != null) {
				checkApplicable(name, kind, ownFields, sink);
			}
			if (!Boolean.TRUE.equals(own.get("abstract"))) {
				checkRequired(decl, name, kind, resolved, sink);
			}
			checkConsistent(kind, resolved, ownFields, sink);
		}
		out.sort(Comparator.comparingInt(SourceDiagnostic::offset));
		return out;
	}

	// ------------------------------------------------------------------ own fields

	private void checkBlock(List<TargetField> fields, Field block, String prefix, String targetName,
			Map<String, Object> own, Map<String, TargetField> ownFields, FieldValues.Problems sink) {
		Map<String, TargetField> seen = new LinkedHashMap<>();
		for (TargetField field : fields) {
			String fieldName = field.getName();
			if (fieldName == null) {
				continue; // a syntax error the parser reports
			}
			TargetField first = seen.putIfAbsent(fieldName, field);
			if (first != null) {
				sink.report(Severity.ERROR, TargetIssueCodes.DUPLICATE_FIELD,
						"duplicate field '" + fieldName + "' (first set on line " + line(first) + ")", field, ForgePackage.Literals.TARGET_FIELD__NAME);
				continue;
			}
			String path = prefix + fieldName;
			Optional<Field> known = block.child(fieldName);
			if (known.isEmpty()) {
				sink.report(Severity.WARNING, TargetIssueCodes.UNKNOWN_FIELD, unknownField(fieldName, block, targetName),
						field, ForgePackage.Literals.TARGET_FIELD__NAME);
				continue;
			}
			Field schema = known.get();
			boolean writtenAsBlock = field.getValue() == null;
			if (writtenAsBlock && field.getFields().isEmpty()) {
				continue; // `sms =` without a value: a syntax error the parser reports
			}
			ownFields.put(path, field);
			if (schema.isBlock()) {
				if (!writtenAsBlock) {
					sink.report(Severity.ERROR, TargetIssueCodes.WRONG_KIND,
							"'" + fieldName + "' is a block: write '" + fieldName + ":' and indent its fields below it", field.getValue(), null);
				} else {
					checkBlock(field.getFields(), schema, path + ".", targetName, own, ownFields, sink);
				}
			} else if (writtenAsBlock) {
				sink.report(Severity.ERROR, TargetIssueCodes.WRONG_KIND,
						"'" + fieldName + "' is " + schema.kind().noun() + ", not a block: write '" + fieldName + " = VALUE'",
						field, ForgePackage.Literals.TARGET_FIELD__NAME);
			} else {
				Object value = FieldValues.read(schema, field.getValue(), sink);
				if (value != null) {
					own.put(path, value);
				}
			}
		}
	}

	private static String unknownField(String fieldName, Field block, String targetName) {
		String where = block == TargetSchema.root() ? "target '" + targetName + "'" : "block '" + block.name() + "'";
		String message = "unknown field '" + fieldName + "' in " + where;
		List<String> siblings = block.children().stream().map(Field::name).toList();
		Optional<String> close = Names.closest(fieldName, siblings);
		if (close.isPresent()) {
			return message + "; did you mean '" + close.get() + "'?";
		}
		List<Field> homes = TargetSchema.all().stream().filter(f -> f.name().equals(fieldName)).toList();
		if (homes.size() == 1) {
			Field home = homes.getFirst();
			int dot = home.path().lastIndexOf('.');
			return message + (dot < 0 ? "; it belongs at the top level of the target" : "; it belongs in block '" + home.path().substring(0, dot) + "'");
		}
		return message;
	}

	// ------------------------------------------------------------------ the resolved view

	private void checkApplicable(String targetName, String kind, Map<String, TargetField> ownFields, FieldValues.Problems sink) {
		for (Map.Entry<String, TargetField> entry : ownFields.entrySet()) {
			Field field = TargetSchema.field(entry.getKey()).orElseThrow();
			Set<String> applies = field.appliesTo();
			Field parent = field.parent();
			boolean parentReported = parent != null && !parent.appliesTo().isEmpty() && !parent.appliesTo().contains(kind);
			if (!applies.isEmpty() && !applies.contains(kind) && !parentReported) {
				sink.report(Severity.WARNING, TargetIssueCodes.NOT_APPLICABLE,
						"'" + field.name() + "' describes " + Names.either(applies.stream().sorted().toList()) + " targets, and '" + targetName + "' is a " + kind,
						entry.getValue(), ForgePackage.Literals.TARGET_FIELD__NAME);
			}
		}
	}

	private void checkRequired(TargetDecl decl, String name, String kind, Map<String, Object> resolved, FieldValues.Problems sink) {
		List<Field> required = kind == null ? List.of(TargetSchema.field("kind").orElseThrow()) : TargetSchema.required(kind);
		List<String> missing = new ArrayList<>();
		for (Field field : required) {
			if (!resolved.containsKey(field.path())) {
				missing.add(field.path() + " (" + (field.path().equals("kind") ? "cpu or gpu" : field.kind().noun()) + ")");
			}
		}
		if (missing.isEmpty()) {
			return;
		}
		boolean one = missing.size() == 1;
		sink.report(Severity.ERROR, TargetIssueCodes.MISSING_FIELD,
				"target '" + name + "' lacks required field" + (one ? "" : "s") + " " + String.join(", ", missing) + "; set "
						+ (one ? "it" : "them") + ", or add 'abstract = True' if '" + name + "' is only a base",
				decl, ForgePackage.Literals.TARGET_DECL__NAME);
	}

	private void checkConsistent(String kind, Map<String, Object> resolved, Map<String, TargetField> ownFields, FieldValues.Problems sink) {
		BiPredicate<Double, Double> atMost = (a, b) -> a <= b;
		compare("memory.shared.per_block", "memory.shared.per_sm", atMost, resolved, ownFields, sink);
		compare("memory.shared.static_per_block", "memory.shared.per_block", atMost, resolved, ownFields, sink);
		compare("registers.per_block", "registers.per_sm", atMost, resolved, ownFields, sink);
		compare("registers.per_thread", "registers.per_block", atMost, resolved, ownFields, sink);
		compare("simt.max_threads_per_block", "simt.max_threads_per_sm", atMost, resolved, ownFields, sink);
		compare("cluster.max_size", "cluster.max_size_nonportable", atMost, resolved, ownFields, sink);
		if (TargetSchema.CPU.equals(kind)) {
			peakBound("f32", 32, List.of("cores", "clock", "vector.fma_units", "vector.bits"), resolved, ownFields, sink);
			peakBound("f64", 64, List.of("cores", "clock", "vector.fma_units", "vector.bits"), resolved, ownFields, sink);
		} else if (TargetSchema.GPU.equals(kind)) {
			peakBound("f32", 32, List.of("sms", "clock", "simt.fp32_lanes"), resolved, ownFields, sink);
			peakBound("f64", 64, List.of("sms", "clock", "simt.fp64_lanes"), resolved, ownFields, sink);
		}
	}

	private void compare(String lesser, String greater, BiPredicate<Double, Double> ok, Map<String, Object> resolved,
			Map<String, TargetField> ownFields, FieldValues.Problems sink) {
		if (!(resolved.get(lesser) instanceof Number a) || !(resolved.get(greater) instanceof Number b)) {
			return;
		}
		if (ok.test(a.doubleValue(), b.doubleValue())) {
			return;
		}
		TargetField anchor = ownFields.containsKey(lesser) ? ownFields.get(lesser) : ownFields.get(greater);
		if (anchor == null) {
			return; // both inherited: the base reports it
		}
		Kind kind = TargetSchema.field(lesser).orElseThrow().kind();
		sink.report(Severity.ERROR, TargetIssueCodes.INCONSISTENT,
				"'" + lesser + "' (" + TargetSchema.format(kind, a) + ") exceeds '" + greater + "' (" + TargetSchema.format(kind, b) + ")",
				anchor.getValue(), null);
	}

	/**
	 * A declared vector peak above what the description implies: cores (or SMs) x clock x lanes x 2
	 * FLOP per FMA, where lanes are vector.bits / element bits x fma_units on a CPU and the SM's
	 * FP32/FP64 lanes on a GPU. 1% slack lets datasheets' rounded figures pass.
	 */
	private void peakBound(String dtype, int elementBits, List<String> inputs, Map<String, Object> resolved,
			Map<String, TargetField> ownFields, FieldValues.Problems sink) {
		String peakPath = "peak.vector." + dtype;
		if (!(resolved.get(peakPath) instanceof Double peak)) {
			return;
		}
		double bound = 2;
		for (String input : inputs) {
			if (!(resolved.get(input) instanceof Number n)) {
				return;
			}
			bound *= input.equals("vector.bits") ? n.doubleValue() / elementBits : n.doubleValue();
		}
		if (peak <= bound * 1.01) {
			return;
		}
		TargetField anchor = ownFields.get(peakPath);
		for (int i = 0; anchor == null && i < inputs.size(); i++) {
			anchor = ownFields.get(inputs.get(i));
		}
		if (anchor == null) {
			return;
		}
		String formula = inputs.stream().map(p -> p.substring(p.lastIndexOf('.') + 1)).reduce((x, y) -> x + " x " + y).orElse("")
				+ (inputs.contains("vector.bits") ? " / " + elementBits : "") + " x 2";
		sink.report(Severity.WARNING, TargetIssueCodes.INCONSISTENT,
				"'" + peakPath + "' (" + TargetSchema.format(Kind.RATE, peak) + ") exceeds " + formula + " = " + TargetSchema.format(Kind.RATE, bound),
				anchor.getValue(), null);
	}

	// ------------------------------------------------------------------ positions

	private static SourceDiagnostic diagnostic(Severity severity, String code, String message, EObject where, EStructuralFeature feature) {
		INode node = null;
		if (feature != null) {
			List<INode> nodes = NodeModelUtils.findNodesForFeature(where, feature);
			if (!nodes.isEmpty()) {
				node = nodes.getFirst();
			}
		}
		if (node == null) {
			node = NodeModelUtils.findActualNodeFor(where);
		}
		int offset = node == null ? 0 : node.getOffset();
		int length = node == null ? 0 : node.getLength();
		return new SourceDiagnostic(severity, code, message, offset, length);
	}

	private static int line(EObject object) {
		INode node = NodeModelUtils.findActualNodeFor(object);
		return node == null ? 0 : node.getStartLine();
	}

	/** A target and its bases, nearest first, as far as they resolve. */
	record Lineage(List<TargetDecl> decls, boolean cycleThroughSelf, boolean complete) {

		static Lineage of(TargetDecl decl) {
			List<TargetDecl> decls = new ArrayList<>();
			decls.add(decl);
			Set<TargetDecl> seen = Collections.newSetFromMap(new IdentityHashMap<>());
			seen.add(decl);
			TargetDecl base = decl.getBase();
			while (base != null) {
				if (base.eIsProxy()) {
					return new Lineage(decls, false, false); // unresolved: the linker reports it
				}
				if (base == decl) {
					return new Lineage(decls, true, false);
				}
				if (!seen.add(base)) {
					return new Lineage(decls, false, false); // a cycle further up: its members report it
				}
				decls.add(base);
				base = base.getBase();
			}
			return new Lineage(List.copyOf(decls), false, true);
		}
	}
}
