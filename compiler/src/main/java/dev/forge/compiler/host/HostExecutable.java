package dev.forge.compiler.host;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.LaunchPlan;
import dev.forge.compiler.tile.TileFunction;

/**
 * A Tile IR function compiled for the host CPU (codegen, O3, JIT) and its launcher: plans the run
 * at the given dims ({@link LaunchPlan}, shared with the GPU runner), allocates TEMP and DIM buffers,
 * fills each kernel's argument block ({@link KernelAbi}) and splits the program ids over a pool of
 * threads, kernels one after another. The pool's threads have large stacks because tiles are stack
 * arrays. Closing frees the code and the pool.
 */
public final class HostExecutable implements AutoCloseable {

	/** Stack of a worker thread: room for the tiles of big kernels (only touched pages cost memory). */
	private static final long WORKER_STACK = 256L << 20;

	private final TileFunction function;
	private final Jit jit;
	private final List<MethodHandle> kernels = new ArrayList<>();
	private ExecutorService pool;
	private int poolThreads;

	/** TEMP buffers kept from one run to the next while the dims stay the same (see {@link #temp}). */
	private Arena tempArena;
	private Map<String, Long> tempDims;
	private final Map<String, MemorySegment> temps = new HashMap<>();

	private HostExecutable(TileFunction function, Jit jit) {
		this.function = function;
		this.jit = jit;
		for (Kernel k : function.kernels()) {
			kernels.add(jit.downcall(KernelAbi.symbol(function, k), KernelAbi.SIGNATURE));
		}
	}

	/** Compiles every kernel of f into one module and JIT-loads it. */
	public static HostExecutable compile(TileFunction f) {
		return load(f, HostEmit.object(f));
	}

	/**
	 * JIT-loads {@code object}, the ELF object {@link HostEmit#object} made from f (or a cached copy of
	 * it): no code generation, only linking.
	 */
	public static HostExecutable load(TileFunction f, byte[] object) {
		Jit jit = Jit.create();
		try {
			jit.addObject(object);
			return new HostExecutable(f, jit);
		} catch (RuntimeException e) {
			jit.close();
			throw e;
		}
	}

	public TileFunction function() {
		return function;
	}

	/**
	 * Runs the function: {@code buffers} gives every INPUT and OUTPUT buffer by name (at least its
	 * size in {@link KernelAbi#storageBytes} elements), {@code dims} binds the dim symbols of the
	 * buffer shapes; {@code threads} workers share each kernel's programs.
	 */
	public void run(Map<String, MemorySegment> buffers, Map<String, Long> dims, int threads) {
		run(buffers, dims, threads, null);
	}

	/** As {@link #run(Map, Map, int)}, adding each kernel's wall time to {@code kernelNanos[k]} when it is not null (for profiles). */
	public synchronized void run(Map<String, MemorySegment> buffers, Map<String, Long> dims, int threads, long[] kernelNanos) {
		if (threads < 1) {
			throw new IllegalArgumentException("threads must be positive: " + threads);
		}
		LaunchPlan plan = LaunchPlan.of(function, dims, KernelAbi::storageBytes);
		try (Arena arena = Arena.ofShared()) {
			Map<String, MemorySegment> memory = new HashMap<>();
			for (LaunchPlan.BufferSize b : plan.buffers()) {
				switch (b.role()) {
					case INPUT, OUTPUT -> {
						MemorySegment s = buffers.get(b.name());
						if (s == null) {
							throw new IllegalArgumentException("no memory for buffer '" + b.name() + "' of @" + function.name());
						}
						if (s.byteSize() < b.bytes()) {
							throw new IllegalArgumentException("buffer '" + b.name() + "' needs " + b.bytes() + " bytes, got " + s.byteSize());
						}
						memory.put(b.name(), s);
					}
					case TEMP -> memory.put(b.name(), temp(b.name(), b.bytes(), dims));
					case DIM -> {
						byte[] scalar = LaunchPlan.scalarBytes(b.buffer().dtype(), b.dimValue());
						memory.put(b.name(), arena.allocate(LaunchPlan.SCALAR_BYTES, 8).copyFrom(MemorySegment.ofArray(scalar)));
					}
				}
			}
			for (int k = 0; k < kernels.size(); k++) {
				long start = System.nanoTime();
				launch(plan.kernels().get(k), kernels.get(k), memory, arena, threads);
				if (kernelNanos != null) {
					kernelNanos[k] += System.nanoTime() - start;
				}
			}
		}
	}

	private void launch(LaunchPlan.KernelLaunch launch, MethodHandle handle, Map<String, MemorySegment> memory, Arena arena, int threads) {
		Kernel k = launch.kernel();
		MemorySegment block = arena.allocate(Math.max(8, KernelAbi.blockBytes(k)), 8);
		for (int a = 0; a < k.args().size(); a++) {
			KernelAbi.write(block, k, a, memory.get(k.args().get(a).buffer()), launch.extents().get(a));
		}
		long total = launch.programs();
		if (total == 0) {
			return;
		}
		// Chunks of programs handed out dynamically: ragged edge programs are cheaper than full ones.
		int workers = (int) Math.min(threads, total);
		long chunks = Math.min(total, workers * 8L);
		long all = total;
		AtomicLong next = new AtomicLong();
		Runnable work = () -> {
			for (long c; (c = next.getAndIncrement()) < chunks;) {
				long begin = all * c / chunks, end = all * (c + 1) / chunks;
				try {
					handle.invokeExact(begin, end, block);
				} catch (Throwable e) {
					throw new IllegalStateException("kernel @" + k.name() + " failed", e);
				}
			}
		};
		List<Future<?>> running = new ArrayList<>();
		ExecutorService p = pool(workers);
		for (int w = 0; w < workers; w++) {
			running.add(p.submit(work));
		}
		for (Future<?> f : running) {
			try {
				f.get();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(e);
			} catch (ExecutionException e) {
				throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
			}
		}
	}

	private synchronized ExecutorService pool(int threads) {
		if (pool == null || poolThreads < threads) {
			if (pool != null) {
				pool.shutdown();
			}
			poolThreads = threads;
			pool = Executors.newFixedThreadPool(threads, r -> {
				Thread t = new Thread(null, r, "forge-host-" + function.name(), WORKER_STACK);
				t.setDaemon(true);
				return t;
			});
		}
		return pool;
	}

	/**
	 * A TEMP buffer, allocated on the first run and kept while the dims stay the same, so that repeated
	 * (timed) runs measure the kernels rather than allocating and zero-filling temporaries. Every temporary
	 * is written by the kernel that produces it before any kernel reads it, so what a previous run left
	 * there is never read.
	 */
	private MemorySegment temp(String name, long bytes, Map<String, Long> dims) {
		if (!dims.equals(tempDims)) {
			if (tempArena != null) {
				tempArena.close();
			}
			tempArena = Arena.ofShared();
			temps.clear();
			tempDims = Map.copyOf(dims);
		}
		return temps.computeIfAbsent(name, n -> tempArena.allocate(Math.max(bytes, 1), 64));
	}

	@Override
	public synchronized void close() {
		if (pool != null) {
			pool.shutdownNow();
		}
		if (tempArena != null) {
			tempArena.close();
			tempArena = null;
		}
		jit.close();
	}
}
