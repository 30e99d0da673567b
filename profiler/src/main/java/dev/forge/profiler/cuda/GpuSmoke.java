package dev.forge.profiler.cuda;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.forge.profiler.GpuRunner;
import dev.forge.profiler.HostRunner;
import dev.forge.targets.Target;

/**
 * A smoke test of the CUDA runner on a GPU machine, with no compiler: {@link SmokeKernels}'
 * hand-written vector add through {@link GpuRunner} (worker process, correctness gate against the
 * Tile IR interpreter, CUDA-event timing), then the failures it must survive: a kernel that faults
 * (reported with its line; the next run gets a fresh worker), PTX the JIT rejects (its log in the
 * message), a run larger than the device (refused before anything is allocated). Prints what
 * happened; exit status 0 when every step behaved, 1 otherwise, 2 without a GPU.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp ... dev.forge.profiler.cuda.GpuSmoke [all|fault] [N]</pre>
 *
 * {@code fault} runs only the faulting kernel: under {@code compute-sanitizer --tool memcheck}, which
 * then names the faulting line from the PTX line info.
 */
public final class GpuSmoke {

	private final PrintStream out = System.out;
	private int failures;

	private GpuSmoke() {
	}

	public static void main(String[] args) {
		boolean all = args.length == 0 || !args[0].equals("fault");
		long n = args.length > 1 ? Long.parseLong(args[1]) : (1L << 24) + 3; // ragged: 3 elements past the last full block
		GpuSmoke smoke = new GpuSmoke();
		try {
			if (all) {
				smoke.run(n);
			} else {
				smoke.fault();
			}
		} catch (GpuUnavailableException e) {
			System.err.println("forge: " + e.getMessage());
			System.exit(2);
		}
		GpuWorkerClient.shared().close();
		smoke.out.println(smoke.failures == 0 ? "smoke      PASS" : "smoke      FAIL (" + smoke.failures + " steps)");
		System.exit(smoke.failures == 0 ? 0 : 1);
	}

	private void run(long n) {
		DeviceInfo device = GpuRunner.device();
		out.println("device     " + device.summary());
		Target chip = chip(device);

		out.println("\n[1] vadd, N=" + n + ": gate against the Tile IR interpreter, then CUDA-event timing");
		HostRunner.Result result = GpuRunner.run(request(n, true), SmokeKernels.vadd(), chip);
		out.print(result.report().toText());
		for (HostRunner.KernelTime k : result.kernels()) {
			out.printf(Locale.ROOT, "kernel     @%s: %d programs, %.1f us mean%n", k.name(), k.programs(), k.meanMs() * 1e3);
		}
		expect(result.report().verified(), "the vector add verifies");
		long firstWorker = GpuWorkerClient.shared().workerPid();

		out.println("\n[2] a kernel that stores 1 TiB past its output");
		expectFailure("fault", () -> GpuRunner.run(request(4099, false), SmokeKernels.outOfBounds(), chip), KernelFaultException.class,
				"CUDA_ERROR_ILLEGAL_ADDRESS");
		out.println("worker     pid " + firstWorker + " is " + (ProcessHandle.of(firstWorker).map(ProcessHandle::isAlive).orElse(false) ? "alive" : "gone"));

		out.println("\n[3] vadd again, N=4099: a fresh worker");
		HostRunner.Result again = GpuRunner.run(request(4099, false), SmokeKernels.vadd(), chip);
		out.println("verified   " + (again.report().verified() ? "yes" : "NO") + " (worker pid " + GpuWorkerClient.shared().workerPid() + ")");
		expect(again.report().verified() && GpuWorkerClient.shared().workerPid() != firstWorker, "a fresh worker runs the next request");

		out.println("\n[4] PTX the JIT rejects");
		expectFailure("error", () -> GpuRunner.run(request(4099, false), SmokeKernels.broken(), chip), CudaException.class, "cuModuleLoadDataEx");

		out.println("\n[5] a run larger than the device: N=2^36");
		expectFailure("refused", () -> GpuRunner.run(request(1L << 36, false), SmokeKernels.vadd(), chip), DeviceMemoryException.class, "needs");
	}

	private void fault() {
		out.println("device     " + GpuRunner.device().summary());
		expectFailure("fault", () -> GpuRunner.run(request(4099, false), SmokeKernels.outOfBounds(), null), KernelFaultException.class, "faulted");
	}

	private static HostRunner.Request request(long n, boolean profile) {
		return new HostRunner.Request("vadd", SmokeKernels.function(), null, Map.of(SmokeKernels.N, n), 0, Map.of(), Map.of(), profile, "gpu");
	}

	/** Enough of the H100/H200 chip descriptions (hw-targets/targets/) for the roofline line, without loading them. */
	private static Target chip(DeviceInfo device) {
		boolean h200 = device.name().contains("H200");
		return new Target(h200 ? "h200" : "h100", device.name(), List.of(), Map.of("kind", "gpu", "memory.dram.bandwidth", h200 ? 4.8e12 : 3.35e12,
				"peak.vector.f32", 66.9e12), "");
	}

	private void expect(boolean ok, String what) {
		if (!ok) {
			failures++;
			out.println("FAILED     " + what);
		}
	}

	private void expectFailure(String label, Runnable body, Class<? extends RuntimeException> type, String words) {
		try {
			body.run();
			expect(false, "expected " + type.getSimpleName());
		} catch (RuntimeException e) {
			out.printf(Locale.ROOT, "%-10s %s%n", label, e.getMessage());
			expect(type.isInstance(e) && e.getMessage().contains(words), "expected " + type.getSimpleName() + " saying '" + words + "', got "
					+ e.getClass().getSimpleName());
		}
	}
}
