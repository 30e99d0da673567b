package dev.forge.compiler.lint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.forge.compiler.gpu.RegisterElements;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.LayoutAssignment;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TileType;
import dev.forge.compiler.tile.TileValue;
import dev.forge.targets.Target;

/**
 * FORGE-L-RACE: two accesses to the same shared memory by different threads, at least one a write,
 * that no barrier orders. The kernel body runs symbolically over concrete threads: each shared
 * definition is a region of shared memory (a ring of regions when a loop carries it, indexed by the
 * iteration, as the GPU emitter allocates them), each access records which threads touch each
 * element, a {@code barrier} orders everything before it, an {@code async_wait n} completes all but the
 * newest n async copies and is a barrier. An async copy's write conflicts with every other access
 * (the same thread's too) until a wait completes it. Loops run zero times and enough times for every
 * ring to wrap (ring + 2), so a read at the bottom of one iteration meets the write at the top of the
 * next and a stage ring's reuse. The emitter's own barriers (around its scratch area) are not Tile IR
 * and are not counted: a race here may be hidden at run time by one of them (docs/lints.md).
 */
final class SharedRaces {

	/** Physical shared memory: the region of definition {@code def}, ring slot {@code slot}. */
	private record Buf(int def, int slot) {
	}

	/** Two distinct threads touching each element (row-major flat index), -1 for none. */
	private record Touch(int[] first, int[] second) {
		static Touch of(int elements) {
			int[] a = new int[elements], b = new int[elements];
			Arrays.fill(a, -1);
			Arrays.fill(b, -1);
			return new Touch(a, b);
		}

		void add(int e, int thread) {
			if (first[e] < 0) {
				first[e] = thread;
			} else if (first[e] != thread && second[e] < 0) {
				second[e] = thread;
			}
		}
	}

	private record Rec(Stmt stmt, TileValue value, Buf buf, boolean write, boolean async, Touch touch, List<Integer> iteration) {
	}

	private final Kernel kernel;
	private final Target target;
	private final Lints.BufferNames names;
	private final Map<Integer, Stmt> definitions = new HashMap<>();
	private final Map<Integer, Stmt.For> innermost = new HashMap<>();
	private final Map<Integer, Integer> ring = new HashMap<>();
	private final Map<Stmt, Touch> touches = new IdentityHashMap<>();
	private final Map<Integer, Touch> everyThread = new HashMap<>();
	private final Map<String, LintDiagnostic> found = new LinkedHashMap<>();
	/** Whether two statements' accesses conflict does not depend on the iteration: computed once per pair. */
	private final Map<String, Optional<int[]>> conflicts = new HashMap<>();

	// the state of one run
	private Map<Integer, Buf> env;
	private List<Rec> open;
	private List<List<Rec>> pending;
	private final List<Integer> iteration = new ArrayList<>();
	private final Map<Stmt.For, Integer> current = new IdentityHashMap<>();
	private Stmt.For zeroTrip;

	private SharedRaces(Kernel kernel, Target target, Lints.BufferNames names) {
		this.kernel = kernel;
		this.target = target;
		this.names = names;
	}

	static List<LintDiagnostic> check(Kernel k, Target target, Lints.BufferNames names) {
		SharedRaces races = new SharedRaces(k, target, names);
		races.plan(k.body(), null);
		if (races.definitions.isEmpty()) {
			return List.of();
		}
		List<Stmt.For> loops = new ArrayList<>();
		for (Stmt s : Stmt.flatten(k.body())) {
			if (s instanceof Stmt.For f) {
				loops.add(f);
			}
		}
		races.run(null);
		for (Stmt.For f : loops) {
			races.run(f);
		}
		return new ArrayList<>(races.found.values());
	}

	/** Shared definitions, their innermost loop and ring length, as the GPU emitter allocates regions. */
	private void plan(List<Stmt> body, Stmt.For loop) {
		for (Stmt s : body) {
			if (s instanceof Stmt.For f) {
				plan(f.body(), f);
			} else if (s instanceof Stmt.Def d && d.result().type().space() == TileType.Space.SHARED) {
				definitions.put(d.result().id(), s);
				if (loop != null) {
					innermost.put(d.result().id(), loop);
					ring.put(d.result().id(), loop.ringLength(d.result()));
				}
			}
		}
	}


	private void run(Stmt.For zero) {
		env = new HashMap<>();
		open = new ArrayList<>();
		pending = new ArrayList<>();
		iteration.clear();
		current.clear();
		zeroTrip = zero;
		block(kernel.body());
	}

	private void block(List<Stmt> body) {
		for (Stmt s : body) {
			statement(s);
		}
	}

	private void statement(Stmt s) {
		switch (s) {
			case Stmt.Barrier b -> open.clear();
			case Stmt.AsyncWait w -> {
				while (pending.size() > w.pending()) {
					pending.removeFirst();
				}
				open.clear();
			}
			case Stmt.For f -> loop(f);
			case Stmt.AsyncCopy a -> {
				Buf buf = define(a.result());
				List<Rec> group = new ArrayList<>();
				Rec r = new Rec(s, a.result(), buf, true, true, touch(s), List.copyOf(iteration));
				check(r);
				group.add(r);
				pending.add(group);
			}
			case Stmt.Copy c when c.result().type().space() == TileType.Space.SHARED -> {
				Buf buf = define(c.result());
				access(new Rec(s, c.result(), buf, true, false, touch(s), List.copyOf(iteration)));
			}
			case Stmt.Copy c when c.x().type().space() == TileType.Space.SHARED -> {
				Buf buf = env.get(c.x().id());
				if (buf != null) {
					access(new Rec(s, c.x(), buf, false, false, touch(s), List.copyOf(iteration)));
				}
			}
			case Stmt.Def d -> {
				for (TileValue v : d.operands()) {
					Buf buf = v.type().space() == TileType.Space.SHARED ? env.get(v.id()) : null;
					if (buf != null) {
						access(new Rec(s, v, buf, false, false, everyThread(v), List.copyOf(iteration)));
					}
				}
				if (d.result().type().space() == TileType.Space.SHARED) {
					define(d.result());
				}
			}
			default -> {
			}
		}
	}

	private void loop(Stmt.For f) {
		for (int i = 0; i < f.carried().size(); i++) {
			bind(f.carried().get(i), f.inits().get(i));
		}
		int maxRing = 1;
		for (Map.Entry<Integer, Stmt.For> e : innermost.entrySet()) {
			if (e.getValue() == f) {
				maxRing = Math.max(maxRing, ring.get(e.getKey()));
			}
		}
		int trips = f == zeroTrip ? 0 : maxRing + 2;
		iteration.add(0);
		for (int it = 0; it < trips; it++) {
			iteration.set(iteration.size() - 1, it);
			current.put(f, it);
			block(f.body());
			Map<Integer, Buf> next = new HashMap<>();
			for (int i = 0; i < f.carried().size(); i++) {
				Buf b = env.get(f.yielded().get(i).id());
				if (b != null) {
					next.put(f.carried().get(i).id(), b);
				}
			}
			for (TileValue c : f.carried()) {
				env.remove(c.id());
			}
			env.putAll(next);
		}
		iteration.removeLast();
		current.remove(f);
		for (int i = 0; i < f.results().size(); i++) {
			bind(f.results().get(i), f.carried().get(i));
		}
	}

	private void bind(TileValue to, TileValue from) {
		Buf b = env.get(from.id());
		if (b != null) {
			env.put(to.id(), b);
		} else {
			env.remove(to.id());
		}
	}

	private Buf define(TileValue v) {
		int n = ring.getOrDefault(v.id(), 1);
		Stmt.For loop = innermost.get(v.id());
		int slot = n > 1 && loop != null ? current.getOrDefault(loop, 0) % n : 0;
		Buf b = new Buf(v.id(), slot);
		env.put(v.id(), b);
		return b;
	}

	private void access(Rec r) {
		check(r);
		open.add(r);
	}

	/** Compares {@code r} with every access since the last barrier and every async copy not yet waited for. */
	private void check(Rec r) {
		List<Rec> earlier = new ArrayList<>(open);
		pending.forEach(earlier::addAll);
		for (Rec e : earlier) {
			if (!e.buf().equals(r.buf()) || !(e.write() || r.write())) {
				continue;
			}
			String key = System.identityHashCode(e.stmt()) + ":" + System.identityHashCode(r.stmt());
			if (found.containsKey(key)) {
				continue;
			}
			String pair = key + ":" + e.async() + r.async() + e.write() + r.write();
			int[] witness = conflicts.computeIfAbsent(pair, x -> Optional.ofNullable(conflict(e, r))).orElse(null);
			if (witness != null) {
				found.put(key, report(e, r, witness));
			}
		}
	}

	/** {element, thread of e, thread of r} where they conflict, or null. */
	private static int[] conflict(Rec e, Rec r) {
		boolean anyThread = e.async() || r.async();
		int n = e.touch().first().length;
		for (int x = 0; x < n; x++) {
			int[] as = { e.touch().first()[x], e.touch().second()[x] };
			int[] bs = { r.touch().first()[x], r.touch().second()[x] };
			for (int a : as) {
				for (int b : bs) {
					if (a >= 0 && b >= 0 && (anyThread || a != b)) {
						return new int[] { x, a, b };
					}
				}
			}
		}
		return null;
	}

	private LintDiagnostic report(Rec e, Rec r, int[] witness) {
		String name = Lints.bufferName(kernel, definitionValue(r.buf()), names);
		String kind = e.write() && r.write() ? "write-after-write" : e.write() ? "read-after-write" : "write-after-read";
		boolean nextIteration = !e.iteration().equals(r.iteration());
		int lanes = kernel.threads().lanes();
		String element = Arrays.toString(coordinates(witness[0], r.value().type().shape())).replace(" ", "");
		StringBuilder m = new StringBuilder();
		if (e.async()) {
			m.append("race on shared buffer ").append(name).append(": the async copy at line ").append(e.stmt().range().line())
					.append(" may still be writing it when the ").append(verb(r)).append(" at line ").append(r.stmt().range().line())
					.append(nextIteration ? " (next iteration)" : "").append(" runs: no async_wait completes it in between (element ")
					.append(element).append(", warp ").append(witness[2] / lanes).append(" lane ").append(witness[2] % lanes).append(")");
		} else {
			m.append(kind).append(" race on shared buffer ").append(name).append(": the ").append(verb(e)).append(" at line ")
					.append(e.stmt().range().line()).append(" and the ").append(verb(r)).append(" at line ").append(r.stmt().range().line())
					.append(nextIteration ? " in the next iteration" : "").append(" are not ordered by a barrier: warp ")
					.append(witness[1] / lanes).append(" lane ").append(witness[1] % lanes).append(e.write() ? " writes" : " reads")
					.append(" element ").append(element).append(", warp ").append(witness[2] / lanes).append(" lane ")
					.append(witness[2] % lanes).append(r.write() ? " writes" : " reads").append(" it");
		}
		m.append("; insert tile.barrier() before line ").append(r.stmt().range().line());
		LintDiagnostic.Related related = new LintDiagnostic.Related(e.stmt().range(),
				"the " + (e.async() ? "async copy into" : e.write() ? "write of" : "read of") + " " + name + " that it races with");
		LintDiagnostic.Fix fix = new LintDiagnostic.Fix("Insert tile.barrier() before line " + r.stmt().range().line(),
				LintDiagnostic.Fix.Kind.INSERT_LINE_BEFORE, r.stmt().range(), "tile.barrier()");
		return new LintDiagnostic(LintDiagnostic.RACE, LintDiagnostic.Severity.WARNING, m.toString(), r.stmt().range(), List.of(related),
				List.of(fix));
	}

	private static String verb(Rec r) {
		return r.async() ? "async copy" : r.write() ? "write" : "read";
	}

	private TileValue definitionValue(Buf b) {
		Stmt s = definitions.get(b.def());
		return s instanceof Stmt.Def d ? d.result() : null;
	}

	private static int[] coordinates(int flat, List<Integer> shape) {
		int[] at = new int[shape.size()];
		for (int d = shape.size() - 1; d >= 0; d--) {
			at[d] = flat % shape.get(d);
			flat /= shape.get(d);
		}
		return at;
	}

	/** Which threads touch each element of a statement's shared tile (cached per statement). */
	private Touch touch(Stmt s) {
		return touches.computeIfAbsent(s, this::computeTouch);
	}

	private Touch computeTouch(Stmt s) {
		TileValue shared = SharedAccesses.sharedOf(s);
		List<Integer> shape = shared.type().shape();
		Touch t = Touch.of((int) shared.type().elements());
		RegisterElements map;
		boolean owners;
		int warps = kernel.threads().warps(), lanes = kernel.threads().lanes();
		switch (s) {
			case Stmt.AsyncCopy a -> {
				int bytes = RegisterElements.storageBytes(shared.type().dtype());
				TileType inRegisters = new TileType(shape, shared.type().dtype());
				map = RegisterElements.of(LayoutAssignment.layout(inRegisters, warps, lanes, Math.max(1, 16 / bytes), "none", 128), shape);
				owners = true;
			}
			case Stmt.Copy c when c.result() == shared -> {
				map = RegisterElements.of(kernel.threads().of(c.x()), shape);
				owners = true;
			}
			case Stmt.Copy c -> {
				map = RegisterElements.of(kernel.threads().of(c.result()), shape);
				owners = false;
			}
			default -> throw new IllegalStateException("not a shared access: " + Stmt.mnemonic(s));
		}
		for (int w = 0; w < warps; w++) {
			for (int l = 0; l < lanes; l++) {
				int[][] coords = map.coords(w, l);
				for (int slot = 0; slot < coords.length; slot++) {
					if (coords[slot] != null && (!owners || map.owns(w, l, slot))) {
						t.add(flat(coords[slot], shape), w * lanes + l);
					}
				}
			}
		}
		return t;
	}

	/** Every element touched by two threads (an operand of a computation reads all of it): one per value, runs share it. */
	private Touch everyThread(TileValue v) {
		return everyThread.computeIfAbsent(v.id(), id -> computeEveryThread(v));
	}

	private Touch computeEveryThread(TileValue v) {
		Touch t = Touch.of((int) v.type().elements());
		for (int e = 0; e < t.first().length; e++) {
			t.add(e, 0);
			if (kernel.threads().count() > 1) {
				t.add(e, 1);
			}
		}
		return t;
	}

	private static int flat(int[] at, List<Integer> shape) {
		int f = 0;
		for (int d = 0; d < shape.size(); d++) {
			f = f * shape.get(d) + at[d];
		}
		return f;
	}
}
