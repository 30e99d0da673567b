package dev.forge.driver;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import dev.forge.compiler.schedule.KernelGroup;
import dev.forge.compiler.schedule.ScheduleFunction;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.TilePrinter;
import dev.forge.targets.Target;

/**
 * The content hash of one compiled kernel (SHA-256): everything that decides its machine code and
 * nothing that only names it. That is the kernel's canonical Tile IR (which carries its tiles,
 * layouts and source lines), its schedule, the content of the chip description (its resolved
 * fields, not its name: a renamed but identical chip gives the same code) and Forge's version.
 * A bundle stores it per kernel; a bundled run recomputes it from the source to know the PTX
 * it is about to launch still belongs to that source.
 */
public final class KernelHash {

	private KernelHash() {
	}

	/** {@code schedule} is the function's Schedule IR, or null for a @kernel (written at the tile level). */
	public static String of(Kernel kernel, ScheduleFunction schedule, Target target, String forgeVersion) {
		return sha256(canonicalText(kernel, schedule, target, forgeVersion));
	}

	/** What is hashed, as text (the hash is of its UTF-8 bytes). */
	static String canonicalText(Kernel kernel, ScheduleFunction schedule, Target target, String forgeVersion) {
		StringBuilder text = new StringBuilder();
		text.append("forge ").append(forgeVersion).append('\n');
		text.append("schedule ").append(schedule(kernel, schedule)).append('\n');
		text.append("chip\n");
		// Sorted by path, so that the order in which a description's fields were resolved cannot matter.
		for (Map.Entry<String, Object> field : new TreeMap<>(target.fields()).entrySet()) {
			text.append("  ").append(field.getKey()).append(" = ").append(field.getValue()).append('\n');
		}
		text.append(TilePrinter.print(kernel));
		return text.toString();
	}

	/** The kernel group's kind and tiling, or for a @kernel the schedule its statements set. */
	private static String schedule(Kernel kernel, ScheduleFunction schedule) {
		if (schedule != null) {
			for (KernelGroup g : schedule.groups()) {
				if (g.name().equals(kernel.name())) {
					return g.kind().mnemonic() + " " + (g.tiling() == null ? "none" : g.tiling().toString());
				}
			}
		}
		return kernel.schedule() == null ? "none" : kernel.schedule();
	}

	private static String sha256(String text) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
			return "sha256:" + HexFormat.of().formatHex(digest);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java runtime has SHA-256", e);
		}
	}
}
