package dev.forge.server;

import java.io.IOException;
import java.io.InputStream;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.build.IncrementalBuilder;

import dev.forge.parser.ForgeResource;

/**
 * Xtext's builder, with edited files updated in place: the builder unloads a changed file and parses
 * it anew; a Forge file that was loaded and parsed without syntax errors instead re-parses only the
 * top-level statements the edit touched ({@link ForgeResource#updateIncrementally}), keeping the rest
 * of its tree and node model. Indexing, linking, validation and diagnostics then run as before. Where
 * the in-place update declines, the file is unloaded and loaded as Xtext does.
 */
public class ForgeIncrementalBuilder extends IncrementalBuilder.InternalStatefulIncrementalBuilder {

	@Override
	protected void unloadResource(URI uri) {
		if (getRequest().getDirtyFiles().contains(uri) && !getRequest().getDeletedFiles().contains(uri)) {
			Resource resource = getRequest().getResourceSet().getResource(uri, false);
			if (resource instanceof ForgeResource forge && forge.isLoaded() && updateInPlace(forge)) {
				return;
			}
		}
		super.unloadResource(uri);
	}

	private static boolean updateInPlace(ForgeResource resource) {
		String text;
		try (InputStream in = resource.getResourceSet().getURIConverter().createInputStream(resource.getURI())) {
			text = resource.readText(in);
		} catch (IOException | RuntimeException e) {
			return false;
		}
		try {
			return resource.updateIncrementally(text);
		} catch (RuntimeException e) {
			// A bug in the splice must not leave a half-updated tree behind: the caller unloads it and the
			// file is parsed anew, as Xtext would.
			LOG.error("in-place update of " + resource.getURI() + " failed; parsing the whole file", e);
			return false;
		}
	}

	private static final org.apache.log4j.Logger LOG = org.apache.log4j.Logger.getLogger(ForgeIncrementalBuilder.class);
}
