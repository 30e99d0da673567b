package dev.forge.compiler.gpu;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.forge.compiler.tile.Layout;

/**
 * A read-only public view of the GPU backend's {@link ThreadMap}: which element each slot (register)
 * of each thread holds for any register layout (blocked, mma, dot operand), and which thread writes
 * an element to shared memory (the first copy). The kernel lints ({@code dev.forge.compiler.lint})
 * read layouts through this view so that they see exactly the addresses the emitter generates.
 *
 * <p>The lints ask the same questions of the same layouts many times (every access, every fix tried,
 * every edit in the editor), so a view computes each thread's coordinates and owned slots once and
 * views are shared per (layout, shape): both are immutable.
 */
public final class RegisterElements {

	/** Views by (layout, shape); cleared when it grows past this many (the layouts of a few files). */
	private static final int CACHE = 512;
	private static final Map<Key, RegisterElements> VIEWS = new ConcurrentHashMap<>();

	private record Key(Layout layout, List<Integer> shape) {
	}

	/** One thread's slots: coordinates (null past a ragged edge) and whether it holds each element's first copy. */
	private record Slots(int[][] coords, boolean[] owns) {
	}

	private final ThreadMap map;
	private final int slots;
	private final Map<Integer, Slots> threads = new ConcurrentHashMap<>();

	private RegisterElements(ThreadMap map) {
		this.map = map;
		this.slots = map.slots();
	}

	/** The elements of a tile of {@code shape} in register layout {@code layout}; throws IllegalArgumentException where the backend would. */
	public static RegisterElements of(Layout layout, List<Integer> shape) {
		Key key = new Key(layout, List.copyOf(shape));
		RegisterElements view = VIEWS.get(key);
		if (view == null) {
			view = new RegisterElements(ThreadMap.of(layout, shape));
			if (VIEWS.size() >= CACHE) {
				VIEWS.clear();
			}
			VIEWS.putIfAbsent(key, view);
		}
		return view;
	}

	/** Registers per thread. */
	public int slots() {
		return slots;
	}

	/** Coordinates of every slot of thread {@code lane} of warp {@code warp}; null entries past a ragged edge. Shared: do not modify. */
	public int[][] coords(int warp, int lane) {
		return thread(warp, lane).coords();
	}

	/** Whether slot s of this thread holds the first copy of its element (the thread that stores it to shared memory). */
	public boolean owns(int warp, int lane, int s) {
		return thread(warp, lane).owns()[s];
	}

	private Slots thread(int warp, int lane) {
		return threads.computeIfAbsent(warp << 16 | lane, k -> {
			boolean[] owns = new boolean[slots];
			// ThreadMap.owns: the thread reads every lane and warp digit, and no coordinate of the slot wraps or passes an edge.
			boolean first = map.projection(ThreadMap.Source.LANE, lane) == lane && map.projection(ThreadMap.Source.WARP, warp) == warp;
			for (int s = 0; first && s < slots; s++) {
				owns[s] = map.owns(warp, lane, s);
			}
			return new Slots(map.coords(warp, lane), owns);
		});
	}

	/** Consecutive elements of axis d one thread holds in consecutive-stride slots. */
	public int perThread(int d) {
		return map.perThread(d);
	}

	/** The slot stride of those consecutive elements (0 when axis d's lowest digit is not a register). */
	public int slotStep(int d) {
		return map.slotStep(d);
	}

	/** The per-axis register index of slot s. */
	public int[] slotIndex(int s) {
		return map.slotIndex(s);
	}

	/** Whether axis d wraps (threads then hold copies). */
	public boolean wraps(int d) {
		return map.wraps(d);
	}

	/** Bytes of one element in memory (shared tiles, buffers), as the emitter stores it. */
	public static int storageBytes(dev.forge.types.DType dtype) {
		return GpuKernelEmitter.storageBytes(dtype);
	}
}
