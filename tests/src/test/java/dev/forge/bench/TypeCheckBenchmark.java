package dev.forge.bench;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.eclipse.emf.common.util.URI;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.validation.CheckMode;
import org.eclipse.xtext.validation.IResourceValidator;

import dev.forge.ForgeLanguage;
import dev.forge.forge.Module;
import dev.forge.types.TypeChecker;

/**
 * Type checking a 2,000-line file after warm-up (goal: well under 50 ms), and the full parse +
 * validate that an editor pays on every edit. Prints a table; run with bench/typecheck.sh.
 */
public final class TypeCheckBenchmark {

	public static void main(String[] args) throws Exception {
		Path root = Path.of(args.length > 0 ? args[0] : "..");
		StringBuilder text = new StringBuilder();
		int copy = 0;
		String[] sources = { "samples/transformer_block.forge", "samples/matmul.forge", "samples/softmax.forge", "samples/rmsnorm.forge" };
		while (text.chars().filter(c -> c == '\n').count() < 2000) {
			String sample = Files.readString(root.resolve(sources[copy % sources.length]));
			sample = sample.replaceAll("(?m)^from .*$", "").replaceAll("swiglu\\(", "silu(").replaceAll("def (\\w+)", "def $1_" + copy);
			text.append(sample).append('\n');
			copy++;
		}
		long lines = text.chars().filter(c -> c == '\n').count();
		XtextResourceSet set = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		IResourceValidator validator = ForgeLanguage.injector().getInstance(IResourceValidator.class);
		byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);

		double[] typeCheck = new double[200];
		double[] parseAndValidate = new double[50];
		XtextResource resource = load(set, bytes, 0);
		Module module = (Module) resource.getContents().get(0);
		for (int i = 0; i < 100; i++) {
			TypeChecker.check(module);
		}
		for (int i = 0; i < typeCheck.length; i++) {
			long t0 = System.nanoTime();
			TypeChecker.check(module);
			typeCheck[i] = (System.nanoTime() - t0) / 1e6;
		}
		for (int i = 0; i < 20; i++) {
			validator.validate(load(set, bytes, 1000 + i), CheckMode.ALL, CancelIndicator.NullImpl);
		}
		for (int i = 0; i < parseAndValidate.length; i++) {
			long t0 = System.nanoTime();
			validator.validate(load(set, bytes, 2000 + i), CheckMode.ALL, CancelIndicator.NullImpl);
			parseAndValidate[i] = (System.nanoTime() - t0) / 1e6;
		}
		System.out.printf("Forge type-check benchmark: %d lines, %d functions (JDK %s, %d cores)%n", lines, module.getBody().size(),
				Runtime.version().feature(), Runtime.getRuntime().availableProcessors());
		System.out.printf("%-32s %10s %10s %12s%n", "measure", "median ms", "p95 ms", "goal");
		row("type check (after warm-up)", typeCheck, "< 50 ms");
		row("parse + link + validate", parseAndValidate, "(editor edit)");
	}

	private static XtextResource load(XtextResourceSet set, byte[] bytes, int n) throws Exception {
		XtextResource r = (XtextResource) set.createResource(URI.createURI("mem:/bench" + n + ".forge"));
		r.load(new ByteArrayInputStream(bytes), null);
		return r;
	}

	private static void row(String name, double[] samples, String goal) {
		double[] sorted = samples.clone();
		Arrays.sort(sorted);
		System.out.printf("%-32s %10.2f %10.2f %12s%n", name, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.95)], goal);
	}
}
