package dev.forge.tests;

import dev.forge.ForgeLanguage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.eclipse.emf.common.util.URI;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.validation.CheckMode;
import org.eclipse.xtext.validation.IResourceValidator;
import org.eclipse.xtext.validation.Issue;

import dev.forge.driver.Workspace;

/** Shared helpers: the repository's folders, and parsing a text in-process with the real parser. */
final class Sources {

	static final Path ROOT = Path.of(System.getProperty("forge.root", "..")).toAbsolutePath().normalize();
	static final Path RESOURCES = ROOT.resolve("tests/src/test/resources");

	private Sources() {
	}

	static boolean updateGolden() {
		return Boolean.parseBoolean(System.getProperty("forge.updateGolden", "false"));
	}

	static List<Path> forgeFiles(Path folder) {
		try (Stream<Path> walk = Files.walk(folder)) {
			return walk.filter(p -> p.toString().endsWith(".forge")).sorted().toList();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	static String read(Path file) {
		try {
			return Files.readString(file, StandardCharsets.UTF_8);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Parses {@code text} as a file named {@code name} in a fresh resource set. */
	static XtextResource parse(String name, String text) {
		XtextResourceSet set = ForgeLanguage.injector().getInstance(XtextResourceSet.class);
		XtextResource resource = (XtextResource) set.createResource(URI.createURI("mem:/" + name));
		try {
			resource.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return resource;
	}

	/** Parses and validates: everything `forge check` reports for one file. */
	static List<Issue> check(String name, String text) {
		XtextResource resource = parse(name, text);
		IResourceValidator validator = ForgeLanguage.injector().getInstance(IResourceValidator.class);
		return new ArrayList<>(validator.validate(resource, CheckMode.ALL, CancelIndicator.NullImpl));
	}
}
