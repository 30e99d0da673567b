package dev.forge.compiler.schedule;

import java.util.List;

import dev.forge.compiler.graph.Op;
import dev.forge.compiler.graph.Value;

/**
 * One kernel of the Schedule IR: the Graph IR ops computed together, without writing their
 * intermediate values to memory, to produce {@code output}. {@code inputs} are the values it reads
 * from memory (parameters, other kernels' outputs, and views of them). {@code tiling} is null until
 * a schedule is chosen.
 */
public record KernelGroup(String name, Kind kind, Value output, List<Op> ops, List<Value> inputs, Tiling tiling) {

	public enum Kind {
		/** Elementwise ops, broadcasts and transposes over the output's shape. */
		ELEMENTWISE,
		/** Reductions over the last axis with their elementwise prologue and epilogue: one program per block of rows. */
		ROW_REDUCTION,
		/** A matmul with its elementwise epilogue (bias, activation, residual): one program per output tile. */
		MATMUL,
		/** Writes a parameter or a view to a result buffer. */
		COPY;

		public String mnemonic() {
			return name().toLowerCase(java.util.Locale.ROOT);
		}
	}

	public KernelGroup {
		ops = List.copyOf(ops);
		inputs = List.copyOf(inputs);
	}

	/**
	 * How many axes the program grid has: the output's rank, or for a row reduction the axes of its
	 * row space other than the reduced last one.
	 */
	public int gridAxes() {
		if (kind == Kind.ROW_REDUCTION && !ops.isEmpty() && ops.get(ops.size() - 1) instanceof Op.Reduce r) {
			return Math.max(0, r.operands().get(0).rank() - 1);
		}
		return kind == Kind.ROW_REDUCTION ? Math.max(0, output.rank() - 1) : output.rank();
	}

	public KernelGroup withTiling(Tiling t) {
		return new KernelGroup(name, kind, output, ops, inputs, t);
	}
}
