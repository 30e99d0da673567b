package dev.forge.types;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.eclipse.emf.common.notify.impl.AdapterImpl;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.nodemodel.ICompositeNode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;

import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Name;

/**
 * The type check of each top-level function body from the previous check of a file, for reuse when
 * the file was updated in place (ForgeResource.updateIncrementally keeps the objects of unchanged
 * top-level functions). A function's result is reused when it is the same object (so its text is
 * unchanged) and every name its body resolved at module level still resolves to the same definition
 * with an equal type (a changed signature, a renamed or newly defined module-level name invalidates
 * it); its diagnostics move with the function. Functions whose check read anything else from outside
 * (imports inside the body, a diagnostic outside the function) are not kept.
 */
final class FunctionResults {

	/** What one top-level function's body check read from the module scope and produced. */
	static final class Entry {
		/** Per name resolved at module level: the binding found, or null for none. */
		final Map<String, Resolution> lookups = new HashMap<>();
		/** The module scope's names, when an undefined-name suggestion looked at all of them. */
		Set<String> moduleNames;
		boolean cacheable = true;
		int offset;
		Map<EObject, Type> types;
		Map<Name, EObject> definitions;
		Map<FunctionDef, Signature> signatures = new IdentityHashMap<>();
		Map<FunctionDef, Set<String>> contextReads;
		List<SourceDiagnostic> diagnostics;
	}

	/** A module-level binding as a body saw it. */
	record Resolution(Type type, EObject definition, boolean parameter) {
		boolean sameAs(Resolution other) {
			return other != null && definition == other.definition && parameter == other.parameter && Objects.equals(type, other.type);
		}
	}

	/** A top-level function's signature as pass 1 read it, with what reading it reported. */
	record SignatureEntry(Signature signature, int offset, List<SourceDiagnostic> diagnostics) {
	}

	private final Map<FunctionDef, Entry> entries = new IdentityHashMap<>();
	private final Map<FunctionDef, SignatureEntry> signatures = new IdentityHashMap<>();
	/** How many types and definitions the check found, to size the next check's maps. */
	int typeCount;
	int definitionCount;

	void putSignature(FunctionDef def, SignatureEntry entry) {
		signatures.put(def, entry);
	}

	SignatureEntry signature(FunctionDef def) {
		return signatures.get(def);
	}

	void put(FunctionDef def, Entry entry) {
		entries.put(def, entry);
	}

	Entry get(FunctionDef def) {
		return entries.get(def);
	}

	/** The start of a function's text now (diagnostics are kept relative to it). */
	static int offsetOf(FunctionDef def) {
		ICompositeNode node = NodeModelUtils.getNode(def);
		return node == null ? -1 : node.getTotalOffset();
	}

	/** Whether every diagnostic lies within [offset, end): only those move with the function. */
	static boolean within(List<SourceDiagnostic> diagnostics, int offset, int end) {
		for (SourceDiagnostic d : diagnostics) {
			if (d.offset() < offset || d.offset() + d.length() > end) {
				return false;
			}
		}
		return true;
	}

	static int endOf(FunctionDef def) {
		ICompositeNode node = NodeModelUtils.getNode(def);
		return node == null ? -1 : node.getTotalEndOffset();
	}

	/** Diagnostics kept for a function that started at {@code from}, moved to where it starts now. */
	static List<SourceDiagnostic> moved(List<SourceDiagnostic> diagnostics, int from, int offset) {
		int delta = offset - from;
		if (delta == 0) {
			return diagnostics;
		}
		List<SourceDiagnostic> out = new ArrayList<>(diagnostics.size());
		for (SourceDiagnostic d : diagnostics) {
			out.add(new SourceDiagnostic(d.severity(), d.code(), d.message(), d.offset() + delta, d.length()));
		}
		return out;
	}

	// ------------------------------------------------------------------ kept with the resource

	/** Holds the previous results on the resource itself, where the resource-scope cache (cleared on every change) does not reach. */
	private static final class Holder extends AdapterImpl {
		FunctionResults results;

		@Override
		public boolean isAdapterForType(Object type) {
			return type == FunctionResults.class;
		}
	}

	static FunctionResults previous(Resource resource) {
		for (Object adapter : resource.eAdapters()) {
			if (adapter instanceof Holder holder) {
				return holder.results;
			}
		}
		return null;
	}

	static void keep(Resource resource, FunctionResults results) {
		for (Object adapter : resource.eAdapters()) {
			if (adapter instanceof Holder holder) {
				holder.results = results;
				return;
			}
		}
		Holder holder = new Holder();
		holder.results = results;
		resource.eAdapters().add(holder);
	}
}
