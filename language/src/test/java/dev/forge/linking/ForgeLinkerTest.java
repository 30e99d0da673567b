package dev.forge.linking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.eclipse.emf.common.util.TreeIterator;
import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.linking.ILinker;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.junit.jupiter.api.Test;

import dev.forge.ForgeLanguage;
import dev.forge.types.TypeCheckResult;
import dev.forge.types.TypeSystem;

/**
 * The linker's pruned walk visits every object that has a cross-reference (so links and link errors
 * are those of Xtext's full walk), and the resource-level scope cache still drops a type check when
 * the text changes.
 */
class ForgeLinkerTest {

	@Test
	void prunedWalkVisitsEveryObjectWithCrossReferences() throws Exception {
		ForgeLinker linker = (ForgeLinker) ForgeLanguage.injector().getInstance(ILinker.class);
		List<Path> files = new ArrayList<>();
		for (Path root : List.of(Path.of("../samples"), Path.of("../tests/src/test/resources"))) {
			if (Files.isDirectory(root)) {
				try (Stream<Path> walk = Files.walk(root)) {
					walk.filter(p -> p.toString().endsWith(".forge")).sorted().forEach(files::add);
				}
			}
		}
		assertTrue(files.size() > 10, "found the sample files: " + files.size());
		int holders = 0;
		for (Path file : files) {
			XtextResource resource = load(file.toString(), Files.readString(file));
			if (resource.getContents().isEmpty()) {
				continue;
			}
			EObject root = resource.getContents().get(0);
			Set<EObject> visited = Collections.newSetFromMap(new IdentityHashMap<>());
			for (TreeIterator<EObject> it = linker.getAllLinkableContents(root); it.hasNext();) {
				visited.add(it.next());
			}
			List<EObject> all = new ArrayList<>();
			all.add(root);
			root.eAllContents().forEachRemaining(all::add);
			for (EObject o : all) {
				if (o.eClass().getEAllReferences().size() - o.eClass().getEAllContainments().size() != 0) {
					holders++;
					assertTrue(visited.contains(o), file + ": the walk misses " + o.eClass().getName());
				}
			}
		}
		assertTrue(holders > 0, "the samples have imports or chip descriptions");
	}

	@Test
	void typeCheckIsDroppedWhenTheTextChanges() throws Exception {
		TypeSystem types = ForgeLanguage.injector().getInstance(TypeSystem.class);
		String ok = "def f(x: Tensor[\"N\", f32]) -> Tensor[\"N\", f32]:\n    return x\n";
		XtextResource resource = load("mem:/cache.forge", ok);
		TypeCheckResult first = types.check(resource);
		assertSame(first, types.check(resource));
		resource.reparse("def f(x: Tensor[\"N\", f32]) -> Tensor[\"N\", f32]:\n    y = x\n    return x\n");
		TypeCheckResult second = types.check(resource);
		assertNotSame(first, second);
		assertEquals(1, second.assignedNames().size());
		resource.unload();
		resource.load(new ByteArrayInputStream(ok.getBytes(StandardCharsets.UTF_8)), null);
		assertEquals(0, types.check(resource).assignedNames().size());
	}

	private static XtextResource load(String name, String text) throws Exception {
		XtextResourceSet set = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		XtextResource resource = (XtextResource) set.createResource(URI.createURI(name.startsWith("mem:") ? name : "mem:/" + Path.of(name).getFileName()));
		resource.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
		return resource;
	}
}
