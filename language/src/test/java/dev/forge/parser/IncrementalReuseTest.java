package dev.forge.parser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.common.util.Diagnostic;
import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.util.Diagnostician;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.validation.CheckMode;
import org.eclipse.xtext.validation.IResourceValidator;
import org.eclipse.xtext.validation.Issue;
import org.junit.jupiter.api.Test;

import dev.forge.ForgeLanguage;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.Module;
import dev.forge.types.Type;
import dev.forge.types.TypeCheckResult;
import dev.forge.types.TypeSystem;

/**
 * What an in-place update keeps: the objects of untouched top-level statements, their type check and
 * their validation; and what it must not keep: the check of a function whose callee's signature
 * changed. (IncrementalParseEquivalenceTest in the tests module compares whole results with full
 * parses over random edits; this test pins down that the reuse really happens.)
 */
class IncrementalReuseTest {

	private static final String TEXT = """
			def helper(x: Tensor["N", f32]) -> Tensor["N", f32]:
			    return x * 2.0

			def caller(a: Tensor["N", f32]) -> Tensor["N", f32]:
			    b = helper(a)
			    return b

			def other(a: Tensor["M", "K", f32], b: Tensor["K", "N", f32]):
			    c = a @ b
			    return c

			def loops(n: int):
			    for i in range(n):
			        continue
			    break
			""";

	private final TypeSystem types = ForgeLanguage.injector().getInstance(TypeSystem.class);

	@Test
	void untouchedFunctionsKeepTheirObjectsTypesAndValidation() throws Exception {
		ForgeResource resource = load(TEXT);
		Module module = (Module) resource.getContents().get(0);
		List<EObject> before = new ArrayList<>(module.getBody());
		TypeCheckResult first = types.check(resource);
		Map<EObject, Diagnostic> firstValidation = validationByStatement(resource);
		assertFalse(firstValidation.isEmpty(), "'break' outside of a loop is reported in loops()");

		// Typing in other(): one statement re-parsed, the others kept.
		assertTrue(resource.updateIncrementally(TEXT.replace("c = a @ b", "c = a @ b + 1.0")));
		List<EObject> after = module.getBody();
		assertSame(module, resource.getContents().get(0));
		assertSame(before.get(0), after.get(0));
		assertSame(before.get(1), after.get(1));
		assertNotSame(before.get(2), after.get(2));
		assertSame(before.get(3), after.get(3));
		assertTrue(before.get(2).eIsProxy(), "a replaced top-level function becomes a proxy, as on unload");

		TypeCheckResult second = types.check(resource);
		assertNotSame(first, second);
		Type returned = typeOfReturn(first, (FunctionDef) after.get(1));
		assertSame(returned, typeOfReturn(second, (FunctionDef) after.get(1)), "caller()'s check is reused");
		assertNotSame(typeOfReturn(first, (FunctionDef) before.get(2)), typeOfReturn(second, (FunctionDef) after.get(2)));
		assertEquals(first.signatureOf((FunctionDef) after.get(0)), second.signatureOf((FunctionDef) after.get(0)));

		Map<EObject, Diagnostic> secondValidation = validationByStatement(resource);
		assertSame(firstValidation.get(after.get(3)), secondValidation.get(after.get(3)), "loops()'s validation is reused");
		assertEquals(issues(load(resource.getParseResult().getRootNode().getText())), issues(resource));
	}

	@Test
	void aChangedSignatureChecksItsCallersAgain() throws Exception {
		ForgeResource resource = load(TEXT);
		Module module = (Module) resource.getContents().get(0);
		FunctionDef caller = (FunctionDef) module.getBody().get(1);
		TypeCheckResult first = types.check(resource);
		assertTrue(first.diagnostics().stream().noneMatch(d -> d.severity() == dev.forge.diagnostics.SourceDiagnostic.Severity.ERROR),
				first.diagnostics().toString());

		String changed = TEXT.replace("def helper(x: Tensor[\"N\", f32]) -> Tensor[\"N\", f32]:", "def helper(x: Tensor[\"N\", f32]) -> Tensor[\"N\", \"N\", f32]:");
		assertTrue(resource.updateIncrementally(changed));
		assertSame(caller, module.getBody().get(1), "caller() itself did not change");
		TypeCheckResult second = types.check(resource);
		assertNotSame(typeOfReturn(first, caller), typeOfReturn(second, caller), "caller() is checked again");
		assertEquals(issues(load(changed)), issues(resource));
		assertTrue(second.diagnostics().stream().anyMatch(d -> d.message().contains("'caller' returns")), second.diagnostics().toString());
	}

	@Test
	void declinesWhatOnlyAFullParseGetsRight() throws Exception {
		String longer = TEXT + "\ndef tail():\n    pass\n";
		ForgeResource resource = load(longer);
		assertFalse(resource.updateIncrementally(longer.replace("    return c\n", "    return c(\n")), "a syntax error met only in the next statement");
		ForgeResource broken = load(TEXT.replace("c = a @ b", "c = a @"));
		assertFalse(broken.updateIncrementally(TEXT), "the previous parse has a syntax error");
	}

	@Test
	void statementsAddedOrSwallowedAreSplicedToo() throws Exception {
		ForgeResource resource = load(TEXT);
		Module module = (Module) resource.getContents().get(0);
		List<EObject> before = new ArrayList<>(module.getBody());
		String added = TEXT + "def more():\n    pass\n";
		assertTrue(resource.updateIncrementally(added), "a new top-level statement");
		assertEquals(before.size() + 1, module.getBody().size());
		assertSame(before.get(0), module.getBody().get(0));
		assertEquals(issues(load(added)), issues(resource));

		// An open bracket swallows every statement after it in a full parse; the splice keeps them.
		String open = added.replace("c = a @ b", "c = max(a @ b");
		assertTrue(resource.updateIncrementally(open), "a bracket left open");
		assertTrue(resource.getParseResult().hasSyntaxErrors());
		assertEquals(errors(load(open)), errors(resource));
		FunctionDef more = (FunctionDef) module.getBody().get(module.getBody().size() - 1);
		assertEquals("more", more.getName());

		// Closing it again re-parses the part alone: the statements around it are the same objects.
		String closed = added.replace("c = a @ b", "c = max(a @ b)");
		assertTrue(resource.updateIncrementally(closed));
		assertFalse(resource.getParseResult().hasSyntaxErrors());
		assertSame(before.get(0), module.getBody().get(0));
		assertSame(before.get(1), module.getBody().get(1));
		assertSame(more, module.getBody().get(module.getBody().size() - 1));
		assertEquals(issues(load(closed)), issues(resource));
	}

	/** The syntax errors a resource reports (one per file). */
	private static List<String> errors(ForgeResource resource) {
		List<String> out = new ArrayList<>();
		for (org.eclipse.emf.ecore.resource.Resource.Diagnostic d : resource.getErrors()) {
			out.add(d.getLine() + ":" + d.getColumn() + " " + d.getMessage());
		}
		return out;
	}

	private static Type typeOfReturn(TypeCheckResult result, FunctionDef def) {
		EObject value = ((dev.forge.forge.Return) def.getBody().getStatements().get(def.getBody().getStatements().size() - 1)).getValue();
		return result.types().get(value);
	}

	/** The validator's diagnostics, by the top-level statement they belong to (the first of each). */
	private static Map<EObject, Diagnostic> validationByStatement(ForgeResource resource) {
		Diagnostician diagnostician = ForgeLanguage.injector().getInstance(Diagnostician.class);
		Map<Object, Object> context = new HashMap<>();
		context.put(CheckMode.KEY, CheckMode.ALL);
		Diagnostic all = diagnostician.validate(resource.getContents().get(0), context);
		Map<EObject, Diagnostic> out = new HashMap<>();
		for (Diagnostic d : all.getChildren()) {
			EObject object = (EObject) d.getData().get(0);
			while (object.eContainer() != null && !(object.eContainer() instanceof Module)) {
				object = object.eContainer();
			}
			out.putIfAbsent(object, d);
		}
		return out;
	}

	private static List<String> issues(ForgeResource resource) {
		IResourceValidator validator = ForgeLanguage.injector().getInstance(IResourceValidator.class);
		List<String> out = new ArrayList<>();
		for (Issue issue : validator.validate(resource, CheckMode.ALL, CancelIndicator.NullImpl)) {
			out.add(issue.getSeverity() + " " + issue.getCode() + " " + issue.getOffset() + "+" + issue.getLength() + " " + issue.getMessage());
		}
		return out;
	}

	private static ForgeResource load(String text) throws Exception {
		XtextResourceSet set = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		ForgeResource resource = (ForgeResource) set.createResource(URI.createURI("mem:/reuse.forge"));
		resource.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
		return resource;
	}
}
