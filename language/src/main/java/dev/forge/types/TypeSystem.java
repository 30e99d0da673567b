package dev.forge.types;

import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.util.IResourceScopeCache;

import com.google.inject.Inject;

import dev.forge.forge.Module;

/**
 * The entry point for everything above the language: the type check of a resource, computed once
 * per content version (Xtext's resource scope cache drops it on every edit) and shared by
 * validation, hover and inlay hints. After an in-place update of the file, the bodies of top-level
 * functions that did not change are not checked again ({@link FunctionResults}).
 */
public class TypeSystem {

	private static final org.apache.log4j.Logger LOG = org.apache.log4j.Logger.getLogger(TypeSystem.class);

	@Inject
	private IResourceScopeCache cache;

	public TypeCheckResult check(Resource resource) {
		return cache.get(TypeSystem.class, resource, () -> {
			if (resource.getContents().isEmpty() || !(resource.getContents().get(0) instanceof Module module)) {
				return TypeCheckResult.empty();
			}
			try {
				// A file updated in place keeps its unchanged top-level functions: their body checks are reused.
				TypeChecker.Checked checked = TypeChecker.check(module, FunctionResults.previous(resource));
				FunctionResults.keep(resource, checked.functions());
				return checked.result();
			} catch (RuntimeException | StackOverflowError e) {
				// A bug in the checker must not take hover, completion or validation down with it.
				LOG.error("type checking " + resource.getURI() + " failed", e);
				return TypeCheckResult.empty();
			}
		});
	}
}
