package dev.forge.compiler.host;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A JIT-compiled f32 GEMM for the host ({@code C += A @ B}, row-major), run on a fixed pool of
 * threads that split the rows of C (each thread packs its own A and B blocks into its own
 * workspace, so the threads never synchronize). Closing frees the code, the workspaces and the pool.
 */
public final class HostGemm implements AutoCloseable {

	private static final FunctionDescriptor DRIVER = FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS,
			JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);

	private final GemmConfig config;
	private final Jit jit;
	private final MethodHandle driver;
	private final String assembly;
	private final Arena arena = Arena.ofShared();
	private final MemorySegment[] workspaces;
	private final ExecutorService pool;

	private HostGemm(GemmConfig config, Jit jit, MethodHandle driver, String assembly, int threads) {
		this.config = config;
		this.jit = jit;
		this.driver = driver;
		this.assembly = assembly;
		this.workspaces = new MemorySegment[threads];
		for (int t = 0; t < threads; t++) {
			workspaces[t] = arena.allocate(config.workspaceFloats() * Float.BYTES, 64);
		}
		this.pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
			Thread th = new Thread(r, "forge-gemm");
			th.setDaemon(true);
			return th;
		}) : null;
	}

	/** Generates, optimizes (O3) and JIT-compiles the GEMM for up to {@code threads} threads. */
	public static HostGemm compile(GemmConfig config, int threads) {
		try (IrBuilder ir = new IrBuilder("forge_gemm"); HostTarget host = HostTarget.create()) {
			new GemmGenerator(ir, config, "forge_sgemm").emit();
			LlvmSupport.verify(ir.module());
			host.optimize(ir.module());
			String asm = host.emitAssembly(ir.module());
			Jit jit = Jit.create();
			try {
				jit.addModule(host, ir.module());
				return new HostGemm(config, jit, jit.downcall("forge_sgemm", DRIVER), asm, threads);
			} catch (RuntimeException e) {
				jit.close();
				throw e;
			}
		}
	}

	public GemmConfig config() {
		return config;
	}

	/** The generated machine code (for inspection: spills, vector widths). */
	public String assembly() {
		return assembly;
	}

	public int threads() {
		return workspaces.length;
	}

	/** C[m,n] += A[m,k] @ B[k,n], all dense row-major f32. */
	public void multiply(MemorySegment a, MemorySegment b, MemorySegment c, long m, long n, long k) {
		multiply(a, k, b, n, c, n, m, n, k);
	}

	/** C += A @ B with leading dimensions (elements between rows). */
	public void multiply(MemorySegment a, long lda, MemorySegment b, long ldb, MemorySegment c, long ldc, long m, long n, long k) {
		check(a, (m - 1) * lda + k, "A");
		check(b, (k - 1) * ldb + n, "B");
		check(c, (m - 1) * ldc + n, "C");
		if (m == 0 || n == 0 || k == 0) {
			return;
		}
		int threads = workspaces.length;
		// Row ranges in whole micro-tiles, so only the last range has a ragged edge.
		long tiles = (m + config.mr() - 1) / config.mr();
		int used = (int) Math.min(threads, tiles);
		if (used <= 1) {
			call(a, lda, b, ldb, c, ldc, m, n, k, workspaces[0]);
			return;
		}
		List<Future<?>> parts = new ArrayList<>();
		for (int t = 0; t < used; t++) {
			long r0 = Math.min(m, tiles * t / used * config.mr());
			long r1 = Math.min(m, tiles * (t + 1) / used * config.mr());
			MemorySegment ws = workspaces[t];
			MemorySegment at = a.asSlice(r0 * lda * Float.BYTES);
			MemorySegment ct = c.asSlice(r0 * ldc * Float.BYTES);
			parts.add(pool.submit(() -> call(at, lda, b, ldb, ct, ldc, r1 - r0, n, k, ws)));
		}
		for (Future<?> f : parts) {
			try {
				f.get();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(e);
			} catch (ExecutionException e) {
				throw new IllegalStateException(e.getCause());
			}
		}
	}

	private void call(MemorySegment a, long lda, MemorySegment b, long ldb, MemorySegment c, long ldc, long m, long n, long k,
			MemorySegment ws) {
		try {
			driver.invokeExact(m, n, k, a, lda, b, ldb, c, ldc, ws);
		} catch (Throwable e) {
			throw new IllegalStateException(e);
		}
	}

	private static void check(MemorySegment s, long elements, String name) {
		if (s.byteSize() < elements * Float.BYTES) {
			throw new IllegalArgumentException(name + " has " + s.byteSize() / Float.BYTES + " floats, needs " + elements);
		}
	}

	@Override
	public void close() {
		if (pool != null) {
			pool.shutdownNow();
		}
		jit.close();
		arena.close();
	}
}
