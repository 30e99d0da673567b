package dev.forge.resource;

import org.eclipse.emf.common.notify.Notifier;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.util.OnChangeEvictingCache;

/**
 * Xtext's resource-scope cache (type checks, scopes, exported names), evicted when the resource
 * changes, without watching every object of the tree. Xtext's cache adapter is a content adapter: it
 * attaches itself to each of the tens of thousands of objects of a large file when the first value is
 * cached, and detaches from each again when the resource is unloaded, on every edit. Every change of a
 * Forge tree goes through the resource: a full re-parse replaces the root or unloads it, and an in-place
 * update (ForgeResource.updateIncrementally, which splices re-parsed top-level statements into the
 * tree) ends in XtextResource.updateInternalState, which clears this cache; linking runs with
 * notifications ignored.
 */
public class ForgeScopeCache extends OnChangeEvictingCache {

	@Override
	protected CacheAdapter createCacheAdapter() {
		return new ResourceLevelCacheAdapter();
	}

	/** Listens to the resource only (its contents, its loaded state), not to the objects in it. */
	public static class ResourceLevelCacheAdapter extends CacheAdapter {

		@Override
		protected void addAdapter(Notifier notifier) {
			if (!(notifier instanceof EObject)) {
				super.addAdapter(notifier);
			}
		}

		@Override
		protected void removeAdapter(Notifier notifier) {
			if (!(notifier instanceof EObject)) {
				super.removeAdapter(notifier);
			}
		}

		@Override
		protected void removeAdapter(Notifier notifier, boolean checkContainer, boolean checkResource) {
			if (!(notifier instanceof EObject)) {
				super.removeAdapter(notifier, checkContainer, checkResource);
			}
		}
	}
}
