package dev.forge.compiler.graph;

import java.util.ArrayList;
import java.util.List;

import dev.forge.types.Dim;
import dev.forge.types.Type;

/**
 * Rewrites every reduction over other axes than the last one into a reduction over the last axis,
 * which the kernels compute (a row kernel per block of rows): the reduced axes move to the end
 * with a transpose (a load access map once fused), several of them merge into one with a reshape,
 * and with keepdims a reshape puts the size-1 axes back. The reduction keeps its result value, so
 * its users are unchanged. MEAN over merged axes is the mean over all their elements, as before.
 */
public final class ReductionsToLastAxis implements GraphPass {

	@Override
	public String name() {
		return "reduce_last";
	}

	@Override
	public GraphFunction apply(GraphFunction f) {
		int next = 0;
		for (GraphFunction.Param p : f.params()) {
			next = Math.max(next, p.value().id() + 1);
		}
		for (Op op : f.body()) {
			next = Math.max(next, op.result().id() + 1);
		}
		List<Op> body = new ArrayList<>();
		boolean changed = false;
		for (Op op : f.body()) {
			if (!(op instanceof Op.Reduce r) || onLastAxis(r)) {
				body.add(op);
				continue;
			}
			changed = true;
			Value x = r.x();
			int rank = x.rank();
			List<Integer> perm = new ArrayList<>();
			for (int a = 0; a < rank; a++) {
				if (!r.axes().contains(a)) {
					perm.add(a);
				}
			}
			perm.addAll(r.axes());
			Value moved = new Value(next++, ShapeRules.transpose(x.type(), perm));
			body.add(new Op.Transpose(moved, x, perm, r.range()));
			Value rows = moved;
			if (r.axes().size() > 1) {
				List<Dim> merged = new ArrayList<>(moved.type().dims().subList(0, rank - r.axes().size()));
				Dim product = Dim.ONE;
				for (Dim d : moved.type().dims().subList(rank - r.axes().size(), rank)) {
					product = product.times(d);
				}
				merged.add(product);
				rows = new Value(next++, new Type.Tensor(merged, x.type().dtype()));
				body.add(new Op.Reshape(rows, moved, r.range()));
			}
			List<Integer> last = List.of(rows.rank() - 1);
			if (r.keepDims()) {
				Value reduced = new Value(next++, ShapeRules.reduce(rows.type(), last, false));
				body.add(new Op.Reduce(r.kind(), reduced, rows, last, false, r.range()));
				body.add(new Op.Reshape(r.result(), reduced, r.range()));
			} else {
				body.add(new Op.Reduce(r.kind(), r.result(), rows, last, false, r.range()));
			}
		}
		return changed ? new GraphFunction(f.name(), f.params(), body, f.results()) : f;
	}

	private static boolean onLastAxis(Op.Reduce r) {
		return r.axes().size() == 1 && r.axes().get(0) == r.x().rank() - 1 || r.axes().isEmpty();
	}
}
