package dev.forge.compiler.tile;

import java.util.List;

import dev.forge.compiler.graph.SourceRange;

/**
 * One kernel: a grid of programs, each running {@code body} with its own program ids. Programs
 * share nothing but the arguments, and each output element is written by one program, so they can
 * run in any order and in parallel. {@code schedule} says where the tile sizes came from, for the
 * printer and the hover ("default: cost model for host", "user: line 34"). {@code threads} says how
 * each program is spread over threads and where each tile lives among them ({@link Threads#ONE} on a CPU).
 */
public record Kernel(String name, List<KernelArg> args, List<Index> grid, List<Stmt> body, String schedule,
		SourceRange range, Threads threads) {

	/** One thread per program (a CPU kernel, or one whose layouts are not assigned yet). */
	public Kernel(String name, List<KernelArg> args, List<Index> grid, List<Stmt> body, String schedule, SourceRange range) {
		this(name, args, grid, body, schedule, range, Threads.ONE);
	}

	public Kernel withThreads(Threads t) {
		return new Kernel(name, args, grid, body, schedule, range, t);
	}

	public Kernel {
		args = List.copyOf(args);
		grid = List.copyOf(grid);
		body = List.copyOf(body);
	}

	public KernelArg arg(String argName) {
		for (KernelArg a : args) {
			if (a.name().equals(argName)) {
				return a;
			}
		}
		return null;
	}
}
