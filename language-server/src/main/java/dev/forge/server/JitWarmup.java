package dev.forge.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.common.util.URI;
import org.eclipse.xtext.resource.IResourceServiceProvider;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.validation.CheckMode;
import org.eclipse.xtext.validation.IResourceValidator;

import dev.forge.parser.ForgeResource;

/**
 * Runs the edit path (in-place update, type check, validation) over a synthetic document on a background
 * thread right after start-up, so that the JIT has compiled it before the user's first edits: run cold, the
 * first edits of a 2,000-line file took 50-140 ms against 10-20 ms warm. The document lives in a resource
 * set of its own, never the workspace's. The warm-up ends after a bounded number of rounds or at the
 * user's first change to a document, whichever comes first, so it never competes with an edit for long.
 */
final class JitWarmup {

	/** Rounds of what typing does (a shape error flipped on and off, a line typed through an open bracket): about 1.5 s on two cores. */
	private static final int ROUNDS = 3;
	/** Enough text after the edits that moving its offsets (TopLevelReparser) gets compiled too. */
	private static final int FUNCTIONS = 40;

	private volatile boolean stopped;

	/** Starts the warm-up on a daemon thread; {@code language} is the Forge language's service provider. */
	void start(IResourceServiceProvider language) {
		Thread thread = new Thread(() -> run(language), "forge-jit-warmup");
		thread.setDaemon(true);
		thread.setPriority(Thread.MIN_PRIORITY);
		thread.start();
	}

	/** Ends the warm-up before its next step (a real edit has come). */
	void stop() {
		stopped = true;
	}

	private void run(IResourceServiceProvider language) {
		try {
			IResourceValidator validator = language.getResourceValidator();
			XtextResourceSet set = language.get(XtextResourceSet.class);
			URI uri = URI.createURI("inmemory:/forge-jit-warmup/warmup.forge");
			List<String> lines = new ArrayList<>(List.of(document().split("\n", -1)));
			ForgeResource resource = load(set, uri, String.join("\n", lines));
			for (int round = 0; round < ROUNDS; round++) {
				for (String text : edits(lines)) {
					if (stopped) {
						return;
					}
					if (!resource.updateIncrementally(text)) {
						set.getResources().remove(resource);
						resource.unload();
						resource = load(set, uri, text);
					}
					validator.validate(resource, CheckMode.ALL, CancelIndicator.NullImpl);
				}
			}
		} catch (IOException | RuntimeException e) {
			// Only ever a lost warm-up: the edits themselves run on their own path.
		}
	}

	private static ForgeResource load(XtextResourceSet set, URI uri, String text) throws IOException {
		ForgeResource resource = (ForgeResource) set.createResource(uri);
		resource.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
		return resource;
	}

	/** The texts of one round: a matmul's operand changed and back, then a line typed into the first function and deleted. */
	private static List<String> edits(List<String> lines) {
		List<String> texts = new ArrayList<>();
		String original = String.join("\n", lines);
		texts.add(original.replaceFirst("h @ w1", "h @ w2"));
		texts.add(original);
		String typed = "    z = rmsnorm(h, g) * 2.0";
		List<String> states = new ArrayList<>();
		for (int k = 5; k <= typed.length(); k++) {
			states.add(typed.substring(0, k));
		}
		for (int k = typed.length() - 1; k >= 5; k--) {
			states.add(typed.substring(0, k));
		}
		for (String state : states) {
			List<String> edited = new ArrayList<>(lines);
			edited.add(3, state); // after "h = rmsnorm(...)" in the first function
			texts.add(String.join("\n", edited));
		}
		texts.add(original);
		return texts;
	}

	/**
	 * Functions on the modeling layer with the operations the samples use most. The last one keeps an error,
	 * so that validation never goes on to the kernel lints, which compile every function for a GPU (they
	 * would keep this thread busy through the first real edits).
	 */
	private static String document() {
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < FUNCTIONS; i++) {
			out.append("""
					@jit
					def block_%d(x: Tensor["B", "S", "D", f32], w1: Tensor["D", "F", f32], w2: Tensor["F", "D", f32], g: Tensor["D", f32]) -> Tensor["B", "S", "D", f32]:
					    h = rmsnorm(x, g, eps=1e-5)
					    a = softmax(h @ w1, axis=-1)
					    y = transpose(reshape(a @ w2, ("B", "S", "D")), (0, 1, 2))
					    return x + y

					""".formatted(i));
		}
		return out.append("def broken(x: Tensor[\"N\", f32]):\n    return x + undefined\n").toString();
	}
}
