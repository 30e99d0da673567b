package dev.forge.profiler.cuda;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A run that needs more device memory than the GPU has free, refused before allocating anything. An
 * {@link IllegalArgumentException} because it is the request that does not fit (the command line's
 * exit status 2), with a message that names the sizes.
 */
public final class DeviceMemoryException extends IllegalArgumentException {

	private static final long serialVersionUID = 1L;

	public DeviceMemoryException(String message) {
		super(message);
	}

	/**
	 * {@code @f needs 192 GiB of device memory (x 64 GiB, y 64 GiB, out 64 GiB) but the NVIDIA H100
	 * 80GB HBM3 has 79.1 GiB free of 79.6 GiB}: the largest needs by name.
	 */
	public static DeviceMemoryException of(String function, Map<String, Long> needs, String device, long freeBytes, long totalBytes) {
		long total = needs.values().stream().mapToLong(Long::longValue).reduce(0, Math::addExact);
		List<Map.Entry<String, Long>> sorted = new ArrayList<>(needs.entrySet());
		sorted.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
		List<String> parts = new ArrayList<>();
		for (int i = 0; i < Math.min(4, sorted.size()); i++) {
			parts.add(sorted.get(i).getKey() + " " + Sizes.format(sorted.get(i).getValue()));
		}
		String list = String.join(", ", parts) + (sorted.size() > 4 ? " and " + (sorted.size() - 4) + " more" : "");
		return new DeviceMemoryException("@" + function + " needs " + Sizes.format(total) + " of device memory (" + list + ") but the " + device
				+ " has " + Sizes.format(freeBytes) + " free of " + Sizes.format(totalBytes));
	}
}
