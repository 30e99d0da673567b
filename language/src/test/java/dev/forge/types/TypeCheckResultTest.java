package dev.forge.types;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.eclipse.emf.common.util.URI;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.junit.jupiter.api.Test;

import dev.forge.ForgeLanguage;
import dev.forge.forge.Module;

/** The API the editor reads: the inferred type of every assigned name, in source order. */
class TypeCheckResultTest {

	@Test
	void assignedNamesCarryTheirInferredShapes() throws Exception {
		String text = """
				def block(x: Tensor["B", "S", "D", bf16], w: Tensor["D", "F", bf16]) -> Tensor["B", "S", "F", bf16]:
				    h = x @ w
				    a, b = h, sum(h, axis=-1)
				    for i in range(3):
				        h = h * 2
				    return h
				""";
		XtextResourceSet set = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		XtextResource resource = (XtextResource) set.createResource(URI.createURI("mem:/block.forge"));
		resource.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
		TypeCheckResult result = TypeChecker.check((Module) resource.getContents().get(0));
		List<String> shown = result.assignedNames().stream().map(a -> a.name().getId() + ": " + Type.show(a.type())).toList();
		assertEquals(List.of("h: Tensor[\"B\",\"S\",\"F\", bf16]", "a: Tensor[\"B\",\"S\",\"F\", bf16]", "b: Tensor[\"B\",\"S\", bf16]", "i: int",
				"h: Tensor[\"B\",\"S\",\"F\", bf16]"), shown);
		assertEquals(List.of("'a' is assigned but never used", "'b' is assigned but never used"),
				result.diagnostics().stream().map(d -> d.message()).toList());
	}
}
