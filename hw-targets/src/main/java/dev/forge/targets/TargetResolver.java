package dev.forge.targets;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.emf.ecore.resource.Resource;

import dev.forge.forge.TargetDecl;
import dev.forge.forge.TargetField;
import dev.forge.targets.TargetSchema.Field;

/**
 * Flattens a target and its bases into one {@link Target}: the base's fields first, each target
 * down the chain overriding by dotted path (blocks merge field by field, a list replaces the whole
 * list). {@code abstract} is not inherited; nor is the docstring.
 *
 * <p>The resolver reads what reads and skips the rest; run {@link TargetChecker} first to hear why.
 */
public final class TargetResolver {

	private static final Map<String, Integer> SCHEMA_ORDER = new HashMap<>();

	static {
		List<Field> all = TargetSchema.all();
		for (int i = 0; i < all.size(); i++) {
			SCHEMA_ORDER.put(all.get(i).path(), i);
		}
	}

	private TargetResolver() {
	}

	/**
	 * The resolved target of {@code decl}.
	 *
	 * @throws TargetException if its bases do not resolve or form a cycle
	 */
	public static Target resolve(TargetDecl decl) {
		TargetChecker.Lineage lineage = TargetChecker.Lineage.of(decl);
		if (!lineage.complete()) {
			TargetDecl last = lineage.decls().getLast();
			String reason = lineage.cycleThroughSelf() || (last.getBase() != null && !last.getBase().eIsProxy())
					? "its bases form an inheritance cycle"
					: "the base of '" + last.getName() + "' is not defined";
			throw new TargetException("target '" + decl.getName() + "' does not resolve: " + reason);
		}
		List<String> names = lineage.decls().stream().map(TargetDecl::getName).toList();
		return new Target(decl.getName(), decl.getDoc() == null ? "" : decl.getDoc().strip(), names,
				flatten(lineage.decls()), source(decl));
	}

	/** Where a target is declared: its file's last URI segment ({@code h100.forge}), or "". */
	static String source(TargetDecl decl) {
		Resource resource = decl.eResource();
		if (resource == null || resource.getURI() == null || resource.getURI().lastSegment() == null) {
			return "";
		}
		return org.eclipse.emf.common.util.URI.decode(resource.getURI().lastSegment());
	}

	/** The fields of a lineage (nearest first) by dotted path, in schema order, unknown fields last. */
	static Map<String, Object> flatten(List<TargetDecl> lineage) {
		Map<String, Object> values = new HashMap<>();
		for (int i = lineage.size() - 1; i >= 0; i--) {
			collect(lineage.get(i).getFields(), Optional.of(TargetSchema.root()), "", i == 0, values);
		}
		List<String> paths = new ArrayList<>(values.keySet());
		paths.sort(Comparator.comparing((String p) -> SCHEMA_ORDER.getOrDefault(p, Integer.MAX_VALUE)).thenComparing(p -> p));
		Map<String, Object> ordered = new LinkedHashMap<>();
		for (String path : paths) {
			ordered.put(path, values.get(path));
		}
		return Collections.unmodifiableMap(ordered);
	}

	private static void collect(List<TargetField> fields, Optional<Field> block, String prefix, boolean self, Map<String, Object> values) {
		for (TargetField field : fields) {
			if (field.getName() == null) {
				continue;
			}
			String path = prefix + field.getName();
			Optional<Field> schema = block.flatMap(b -> b.child(field.getName()));
			if (field.getValue() == null) {
				if (schema.isPresent() && !schema.get().isBlock()) {
					continue;
				}
				collect(field.getFields(), schema, path + ".", self, values);
				continue;
			}
			if (schema.isPresent() && (schema.get().isBlock() || (!schema.get().inherited() && !self))) {
				continue;
			}
			Object value = schema.isPresent()
					? FieldValues.read(schema.get(), field.getValue(), FieldValues.Problems.NONE)
					: FieldValues.infer(field.getValue());
			if (value != null) {
				values.put(path, value);
			}
		}
	}
}
