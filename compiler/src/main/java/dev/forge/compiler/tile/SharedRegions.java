package dev.forge.compiler.tile;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each shared tile of a GPU kernel lives in the block's shared memory: the one plan the GPU
 * emitter allocates and the resource lint counts. Every definition of a shared tile gets a region
 * (its bytes rounded up to the alignment: 1024 for wgmma's swizzled panels, whose 8-row atoms must
 * start 1024-byte aligned, else 128). A definition inside a loop that the loop carries on (a
 * software pipeline's stage) gets a ring of {@link Stmt.For#ringLength} regions, indexed by the
 * iteration number; the prologue copies that fill the pipeline's first stages before the loop take
 * the ring slots the loop would have used for them, so a pipeline of s stages holds s regions, not
 * 2s - 1. Iteration i stores the stage that runs L iterations later (L = ring - 1) in slot i mod
 * ring, so the prologue's stage t (read in iteration t) goes to slot (t - L) mod ring. Bulk copies
 * (TMA) complete on an mbarrier per ring slot, placed after the regions.
 */
public final class SharedRegions {

	/**
	 * Region of one shared definition: byte offset, bytes of one slot, ring length (1: no ring), the
	 * loop indexing the ring, and for a bulk copy the byte offset of the mbarrier of its first slot
	 * (one 8-byte mbarrier per slot, consecutive; -1 for other definitions).
	 */
	public record Region(long offset, long bytes, int ring, Stmt.For loop, long barrier) {
	}

	/** The mbarriers of the bulk copies: byte offset and count (8 bytes each). */
	private long barriers;
	private int barrierCount;

	private final Map<Integer, Region> regions = new HashMap<>();
	private final long bytes;

	private SharedRegions(Kernel k) {
		Map<Integer, Integer> uses = new HashMap<>();
		for (Stmt s : Stmt.flatten(k.body())) {
			List<TileValue> read = switch (s) {
				case Stmt.Def d -> d.operands();
				case Stmt.Store st -> st.operands();
				case Stmt.Atomic a -> a.operands();
				case Stmt.For f -> java.util.stream.Stream.concat(f.inits().stream(), f.yielded().stream()).toList();
				default -> List.of();
			};
			read.forEach(v -> uses.merge(v.id(), 1, Integer::sum));
		}
		Map<Integer, int[]> prologueSlots = new HashMap<>();
		for (Stmt s : Stmt.flatten(k.body())) {
			if (s instanceof Stmt.For f) {
				prologueSlots(f).forEach((id, slot) -> {
					if (uses.getOrDefault(id, 0) == 1) {
						prologueSlots.put(id, slot);
					}
				});
			}
		}
		long end = allocate(k, k.body(), null, 0, prologueSlots);
		barriers = align(end, 8);
		for (Map.Entry<Integer, Region> e : new java.util.TreeMap<>(regions).entrySet()) {
			if (e.getValue().barrier() >= 0) {
				Region r = e.getValue();
				regions.put(e.getKey(), new Region(r.offset(), r.bytes(), r.ring(), r.loop(), barriers + 8L * barrierCount));
				barrierCount += r.ring();
			}
		}
		bytes = barrierCount == 0 ? end : barriers + 8L * barrierCount;
		for (Map.Entry<Integer, int[]> e : prologueSlots.entrySet()) {
			Region ring = regions.get(e.getValue()[0]);
			if (ring != null) {
				int slot = e.getValue()[1];
				regions.put(e.getKey(), new Region(ring.offset() + slot * ring.bytes(), ring.bytes(), 1, null,
						ring.barrier() < 0 ? -1 : ring.barrier() + 8L * slot));
			}
		}
	}

	/** The mbarriers of the bulk copies: byte offset of the first and how many (8 bytes each). */
	public long barrierOffset() {
		return barriers;
	}

	public int barrierCount() {
		return barrierCount;
	}

	public static SharedRegions of(Kernel k) {
		return new SharedRegions(k);
	}

	/** The region of the shared tile value {@code id} defines (null when it defines none). */
	public Region of(int id) {
		return regions.get(id);
	}

	/** Shared memory the regions take, in bytes (without the emitter's scratch area). */
	public long bytes() {
		return bytes;
	}

	/**
	 * The prologue definitions that feed loop f's rings: the init of each carried value on a ring
	 * definition's chain (definition -> yielded -> carried -> yielded ...), mapped to {ring
	 * definition id, ring slot}. Only those read nowhere else (their one use is the loop's init)
	 * share the ring.
	 */
	private static Map<Integer, int[]> prologueSlots(Stmt.For f) {
		Map<Integer, int[]> out = new HashMap<>();
		for (Stmt s : f.body()) {
			if (!(s instanceof Stmt.Def d) || d.result().type().space() != TileType.Space.SHARED) {
				continue;
			}
			int ring = f.ringLength(d.result());
			TileValue current = d.result();
			for (int steps = 1; steps < ring; steps++) {
				int at = f.yielded().indexOf(current);
				TileValue init = f.inits().get(at);
				out.put(init.id(), new int[] { d.result().id(), ring - steps });
				current = f.carried().get(at);
			}
		}
		return out;
	}

	private long allocate(Kernel k, List<Stmt> body, Stmt.For loop, long offset, Map<Integer, int[]> prologueSlots) {
		for (Stmt s : body) {
			if (s instanceof Stmt.For f) {
				offset = allocate(k, f.body(), f, offset, prologueSlots);
			} else if (s instanceof Stmt.Def d && d.result().type().space() == TileType.Space.SHARED
					&& !prologueSlots.containsKey(d.result().id())) {
				TileType t = d.result().type();
				long alignment = k.threads().of(d.result()) instanceof Layout.Swizzled sw && sw.panel() > 0 ? 1024 : 128;
				long size = align(t.elements() * Math.max(1, t.dtype().bits() / 8), alignment);
				int ring = loop == null ? 1 : loop.ringLength(d.result());
				offset = align(offset, alignment);
				boolean bulk = d instanceof Stmt.AsyncCopy a && a.bulk();
				regions.put(d.result().id(), new Region(offset, size, ring, ring > 1 ? loop : null, bulk ? 0 : -1));
				offset += size * ring;
			}
		}
		return offset;
	}

	private static long align(long x, long a) {
		return (x + a - 1) / a * a;
	}
}
