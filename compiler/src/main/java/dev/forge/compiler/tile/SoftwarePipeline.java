package dev.forge.compiler.tile;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * A loop -> the same loop software-pipelined over {@code stages} shared buffers: each load of an
 * argument that walks with the loop variable becomes an asynchronous copy into shared memory issued
 * {@code stages - 1} iterations ahead. Before the loop the first {@code stages - 1} copies are issued;
 * each iteration issues the copy for {@code stages - 1} iterations later, waits until only the
 * copies of those {@code stages - 1} newer iterations are in flight, reads its own tiles from shared memory into registers, computes, and
 * meets the other threads at a barrier before the next iteration's copy reuses the buffer it read.
 * The buffers in flight are loop-carried shared tiles. Copies past the end read the loads' masked
 * {@code other}, so no iteration count is special. After the loop every copy is waited for.
 */
final class SoftwarePipeline {

	private SoftwarePipeline() {
	}

	/** The statements replacing {@code loop}: just the loop when nothing in it walks with its variable or stages is 1. */
	static List<Stmt> apply(Stmt.For loop, int stages, IntSupplier nextId) {
		List<Stmt.Load> loads = new ArrayList<>();
		for (Stmt s : loop.body()) {
			if (s instanceof Stmt.Load l && l.access().origin().stream().anyMatch(i -> i.uses(loop.var()))) {
				loads.add(l);
			}
		}
		if (stages <= 1 || loads.isEmpty()) {
			return List.of(loop);
		}
		int ahead = stages - 1;
		List<Stmt> out = new ArrayList<>();
		List<TileValue> inits = new ArrayList<>(loop.inits());
		List<TileValue> carried = new ArrayList<>(loop.carried());
		List<TileValue> results = new ArrayList<>(loop.results());
		// buffers.get(l).get(s): load l's shared tile of s iterations ahead, as carried into an iteration.
		List<List<TileValue>> buffers = new ArrayList<>();
		for (int s = 0; s < ahead; s++) {
			Index at = Index.add(loop.lo(), Index.of(s * loop.step()));
			for (Stmt.Load l : loads) {
				out.add(copy(l, at, loop.var(), nextId));
			}
		}
		for (int li = 0; li < loads.size(); li++) {
			List<TileValue> mine = new ArrayList<>();
			for (int s = 0; s < ahead; s++) {
				Stmt.AsyncCopy issued = (Stmt.AsyncCopy) out.get(s * loads.size() + li);
				inits.add(issued.result());
				TileValue c = new TileValue(nextId.getAsInt(), issued.result().type());
				carried.add(c);
				mine.add(c);
				results.add(new TileValue(nextId.getAsInt(), issued.result().type()));
			}
			buffers.add(mine);
		}
		List<Stmt> body = new ArrayList<>();
		List<TileValue> issuedNow = new ArrayList<>();
		Index later = Index.add(new Index.LoopVar(loop.var()), Index.of(ahead * loop.step()));
		for (Stmt.Load l : loads) {
			Stmt.AsyncCopy next = copy(l, later, loop.var(), nextId);
			body.add(next);
			issuedNow.add(next.result());
		}
		// Copies count one by one: the newer stages' copies of every load may stay in flight.
		body.add(new Stmt.AsyncWait(ahead * loads.size(), loop.range()));
		for (Stmt s : loop.body()) {
			int li = s instanceof Stmt.Load l ? loads.indexOf(l) : -1;
			body.add(li < 0 ? s : new Stmt.Copy(((Stmt.Load) s).result(), buffers.get(li).get(0), s.range()));
		}
		body.add(new Stmt.Barrier(loop.range()));
		List<TileValue> yielded = new ArrayList<>(loop.yielded());
		for (int li = 0; li < loads.size(); li++) {
			yielded.addAll(buffers.get(li).subList(1, ahead));
			yielded.add(issuedNow.get(li));
		}
		out.add(new Stmt.For(loop.var(), loop.lo(), loop.hi(), loop.step(), carried, inits, body, yielded, results, loop.range()));
		out.add(new Stmt.AsyncWait(0, loop.range()));
		return out;
	}

	/** An asynchronous copy of what {@code load} reads, with the loop variable at {@code at}. */
	private static Stmt.AsyncCopy copy(Stmt.Load load, Index at, String var, IntSupplier nextId) {
		List<Index> origin = new ArrayList<>();
		for (Index i : load.access().origin()) {
			origin.add(i.replace(var, at));
		}
		TileType t = load.result().type();
		return new Stmt.AsyncCopy(new TileValue(nextId.getAsInt(), new TileType(t.shape(), t.dtype(), TileType.Space.SHARED)), load.arg(),
				new Access(origin, load.access().tileAxis()), load.other(), load.range());
	}
}
