package dev.forge.driver;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.forge.targets.Target;
import dev.forge.targets.TargetException;
import dev.forge.targets.Targets;

/** Which chip description a GPU build or run compiles for: one named by --target, or the attached GPU's ({@code --target gpu}). */
public final class GpuTargets {

	/** {@code --target gpu}: the GPU attached to this machine, whatever it is. */
	public static final String ATTACHED = "gpu";

	private GpuTargets() {
	}

	/** Whether {@code --target name} asks for a GPU: {@value #ATTACHED} or a GPU chip description. */
	public static boolean isGpu(String name) {
		return name.equals(ATTACHED) || Targets.builtin().find(name).map(Target::isGpu).orElse(false);
	}

	/** The GPU chip description called {@code name}; a usage error for an unknown name or a CPU. */
	public static Target named(String name) {
		Target target;
		try {
			target = Targets.builtin().get(name);
		} catch (TargetException e) {
			throw new UsageException("--target: " + e.getMessage());
		}
		if (!target.isGpu()) {
			throw new UsageException("--target " + name + " is not a GPU; GPU targets: " + String.join(", ", names()));
		}
		return target;
	}

	/**
	 * The chip description of {@code device}: the GPU target whose name is a word of the device's
	 * name ("NVIDIA H100 80GB HBM3" is h100), else the only one of its compute capability.
	 */
	public static Target forDevice(GpuBackend.Device device) {
		List<Target> gpus = Targets.builtin().all().stream().filter(Target::isGpu).toList();
		String deviceName = device.name().toUpperCase(Locale.ROOT);
		Optional<Target> byName = gpus.stream()
				.filter(t -> Pattern.compile("(?<![A-Z0-9])" + Pattern.quote(t.name().toUpperCase(Locale.ROOT)) + "(?![A-Z0-9])").matcher(deviceName).find())
				.max(Comparator.comparingInt(t -> t.name().length()));
		if (byName.isPresent()) {
			return byName.get();
		}
		List<Target> byCapability = gpus.stream().filter(t -> t.computeCapability() == device.computeCapability()).toList();
		if (byCapability.size() == 1) {
			return byCapability.get(0);
		}
		throw new UsageException("the attached GPU '" + device.name() + "' (compute capability " + device.computeCapability() / 10 + "."
				+ device.computeCapability() % 10 + ") has no chip description; name one with --target " + String.join("|", names()));
	}

	/** The names of the GPU chip descriptions. */
	public static List<String> names() {
		return Targets.builtin().all().stream().filter(Target::isGpu).map(Target::name).toList();
	}
}
