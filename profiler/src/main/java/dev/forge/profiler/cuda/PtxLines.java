package dev.forge.profiler.cuda;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Source lines from the line info in PTX ({@code .file} and {@code .loc}, which Forge's NVPTX
 * backend emits from each Tile IR op's source range): where a kernel's code begins, to name the
 * line of a kernel that faulted. The driver does not report the faulting instruction, so this is
 * the kernel's first line, not the faulting one.
 */
public final class PtxLines {

	private static final Pattern FILE = Pattern.compile("^\\s*\\.file\\s+(\\d+)\\s+\"([^\"]*)\"", Pattern.MULTILINE);
	private static final Pattern LOC = Pattern.compile("^\\s*\\.loc\\s+(\\d+)\\s+(\\d+)", Pattern.MULTILINE);

	private PtxLines() {
	}

	/**
	 * {@code file:line} of the first {@code .loc} in the body of entry {@code symbol}, the file
	 * relative to the working directory when it lies under it; empty when the entry or its line info
	 * is missing.
	 */
	public static Optional<String> kernelStart(String ptx, String symbol) {
		Matcher entry = Pattern.compile("\\.entry\\s+" + Pattern.quote(symbol) + "\\s*\\(").matcher(ptx);
		if (!entry.find()) {
			return Optional.empty();
		}
		int end = ptx.indexOf(".entry", entry.end());
		String body = ptx.substring(entry.end(), end < 0 ? ptx.length() : end);
		Matcher loc = LOC.matcher(body);
		while (loc.find()) {
			int line = Integer.parseInt(loc.group(2));
			String file = files(ptx).get(Integer.parseInt(loc.group(1)));
			if (line > 0 && file != null) {
				return Optional.of(relative(file) + ":" + line);
			}
		}
		return Optional.empty();
	}

	private static Map<Integer, String> files(String ptx) {
		Map<Integer, String> files = new HashMap<>();
		Matcher m = FILE.matcher(ptx);
		while (m.find()) {
			files.put(Integer.parseInt(m.group(1)), m.group(2));
		}
		return files;
	}

	private static String relative(String file) {
		try {
			Path path = Path.of(file);
			Path cwd = Path.of("").toAbsolutePath();
			return path.isAbsolute() && path.startsWith(cwd) ? cwd.relativize(path).toString() : file;
		} catch (InvalidPathException e) {
			return file;
		}
	}
}
