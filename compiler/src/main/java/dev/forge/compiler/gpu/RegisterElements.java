package dev.forge.compiler.gpu;

import java.util.List;

import dev.forge.compiler.tile.Layout;

/**
 * A read-only public view of the GPU backend's {@link ThreadMap}: which element each slot (register)
 * of each thread holds for any register layout (blocked, mma, dot operand), and which thread writes
 * an element to shared memory (the first copy). The kernel lints ({@code dev.forge.compiler.lint})
 * read layouts through this view so that they see exactly the addresses the emitter generates.
 */
public final class RegisterElements {

	private final ThreadMap map;

	private RegisterElements(ThreadMap map) {
		this.map = map;
	}

	/** The elements of a tile of {@code shape} in register layout {@code layout}; throws IllegalArgumentException where the backend would. */
	public static RegisterElements of(Layout layout, List<Integer> shape) {
		return new RegisterElements(ThreadMap.of(layout, shape));
	}

	/** Registers per thread. */
	public int slots() {
		return map.slots();
	}

	/** Coordinates of every slot of thread {@code lane} of warp {@code warp}; null entries past a ragged edge. */
	public int[][] coords(int warp, int lane) {
		return map.coords(warp, lane);
	}

	/** Whether slot s of this thread holds the first copy of its element (the thread that stores it to shared memory). */
	public boolean owns(int warp, int lane, int s) {
		return map.owns(warp, lane, s);
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
