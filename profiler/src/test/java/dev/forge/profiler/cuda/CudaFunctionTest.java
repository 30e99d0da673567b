package dev.forge.profiler.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each FFM binding of {@link CudaFunction} checked against the CUDA toolkit's {@code cuda.h} on this
 * machine (CUDA 13 here): the symbol bound is what the header's name stands for after its
 * {@code #define}s (so {@code cuMemAlloc} binds {@code cuMemAlloc_v2}, never the 32-bit legacy
 * export), and the descriptor has the prototype's parameter count, each parameter as wide as the C
 * type and a pointer exactly where the C type is one. Skipped where no toolkit header is installed.
 */
class CudaFunctionTest {

	private static String header;
	private static final Map<String, String> typedefs = new HashMap<>();
	private static final Set<String> pointerTypes = new HashSet<>();
	private static final Set<String> enumTypes = new HashSet<>();
	private static final Map<String, List<String>> defines = new HashMap<>();

	/** What a C parameter is for the FFM: its width, and whether it is a pointer. */
	enum Kind {
		POINTER, I8, I32, I64, F32
	}

	@BeforeAll
	static void readHeader() throws IOException {
		Path file = Stream.of(System.getenv("CUDA_HOME"), System.getenv("CUDA_PATH"), "/usr/local/cuda").filter(p -> p != null)
				.map(p -> Path.of(p, "include", "cuda.h")).filter(Files::isRegularFile).findFirst().orElse(null);
		Assumptions.assumeTrue(file != null, "no CUDA toolkit cuda.h (set CUDA_HOME)");
		header = Files.readString(file);
		// typedef struct CUctx_st *CUcontext;  typedef CUdevice_v1 CUdevice;  (the first, LP64, branch wins)
		Matcher t = Pattern.compile("^\\s*typedef\\s+([^;{}()]+?)\\s*(\\*?)\\s*(\\w+)\\s*;", Pattern.MULTILINE).matcher(header);
		while (t.find()) {
			if (!t.group(2).isEmpty()) {
				pointerTypes.add(t.group(3));
			} else {
				typedefs.putIfAbsent(t.group(3), t.group(1).trim());
			}
		}
		Matcher e = Pattern.compile("typedef\\s+enum\\s*\\w*\\s*\\{[^}]*\\}\\s*(\\w+)\\s*;", Pattern.DOTALL).matcher(header);
		while (e.find()) {
			enumTypes.add(e.group(1));
		}
		// #define cuMemAlloc cuMemAlloc_v2   #define cuMemcpyHtoD __CUDA_API_PTDS(cuMemcpyHtoD_v2)
		Matcher d = Pattern.compile("^\\s*#define\\s+(cu\\w+)\\s+(?:__CUDA_API_PT(?:DS|SZ)\\((\\w+)\\)|(\\w+))\\s*$", Pattern.MULTILINE).matcher(header);
		while (d.find()) {
			defines.computeIfAbsent(d.group(1), k -> new ArrayList<>()).add(d.group(2) != null ? d.group(2) : d.group(3));
		}
	}

	@ParameterizedTest
	@EnumSource(CudaFunction.class)
	void bindsTheSymbolTheHeaderNameStandsFor(CudaFunction f) {
		// Without CUDA_API_PER_THREAD_DEFAULT_STREAM, __CUDA_API_PTDS(x) and __CUDA_API_PTSZ(x) are x.
		List<String> targets = defines.getOrDefault(f.api, List.of(f.api));
		for (String target : targets) {
			assertEquals(target, f.symbol, f.api + " is #defined to " + targets);
		}
	}

	@ParameterizedTest
	@EnumSource(CudaFunction.class)
	void descriptorMatchesThePrototype(CudaFunction f) {
		// The first declaration is the current API; the legacy (32-bit) ones come last, under __CUDA_API_VERSION_INTERNAL.
		Matcher m = Pattern.compile("CUresult\\s+CUDAAPI\\s+" + f.api + "\\s*\\(([^)]*)\\)\\s*;").matcher(header);
		assertTrue(m.find(), "no prototype of " + f.api);
		List<Kind> expected = new ArrayList<>();
		for (String parameter : m.group(1).split(",")) {
			String p = parameter.replaceAll("\\s+", " ").trim();
			if (!p.isEmpty() && !p.equals("void")) {
				expected.add(kind(p.replaceAll("\\s*\\w+$", "").replace("const ", "").trim(), f.api));
			}
		}
		List<Kind> bound = f.descriptor.argumentLayouts().stream().map(CudaFunctionTest::kind).toList();
		assertEquals(expected, bound, f.api + "(" + m.group(1).replaceAll("\\s+", " ").trim() + ")");
		assertEquals(Kind.I32, kind(f.descriptor.returnLayout().orElseThrow()), "CUresult is an enum");
	}

	/** The kind of a C type, through the header's typedefs. */
	private static Kind kind(String type, String where) {
		if (type.contains("*")) {
			return Kind.POINTER;
		}
		String t = type;
		for (int depth = 0; depth < 10; depth++) {
			if (pointerTypes.contains(t)) {
				return Kind.POINTER;
			}
			if (enumTypes.contains(t)) {
				return Kind.I32;
			}
			switch (t) {
				// cuuint32_t: uint32_t, or unsigned __int32 in cuda.h's MSVC branch
				case "int", "unsigned int", "unsigned", "uint32_t", "unsigned __int32" -> {
					return Kind.I32;
				}
				case "char", "unsigned char" -> {
					return Kind.I8;
				}
				case "size_t", "unsigned long long", "long long", "cuuint64_t" -> {
					return Kind.I64;
				}
				case "float" -> {
					return Kind.F32;
				}
				default -> {
				}
			}
			String next = typedefs.get(t);
			assertNotNull(next, "unknown C type '" + t + "' in " + where);
			t = next;
		}
		throw new AssertionError("typedef loop at " + type);
	}

	private static Kind kind(MemoryLayout layout) {
		if (layout instanceof AddressLayout) {
			return Kind.POINTER;
		}
		if (layout.equals(ValueLayout.JAVA_INT)) {
			return Kind.I32;
		}
		if (layout.equals(ValueLayout.JAVA_LONG)) {
			return Kind.I64;
		}
		if (layout.equals(ValueLayout.JAVA_BYTE)) {
			return Kind.I8;
		}
		if (layout.equals(ValueLayout.JAVA_FLOAT)) {
			return Kind.F32;
		}
		throw new AssertionError("unexpected layout " + layout);
	}
}
