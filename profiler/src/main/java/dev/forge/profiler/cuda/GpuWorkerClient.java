package dev.forge.profiler.cuda;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.google.gson.JsonObject;

/**
 * The runner's side of the GPU worker ({@link GpuWorker}): starts the child JVM on first use (the
 * {@code java} of this runtime, this classpath, native access enabled), sends it requests and turns
 * its answers into results or exceptions. The worker is replaced after anything that leaves it
 * unusable: a sticky fault (it exits after answering), its death, a request that outlives its
 * deadline (the worker is killed: a kernel that never ends). This process never loads
 * {@code libcuda}, so it may be the language server. The worker's stderr goes to a temporary log,
 * whose end is quoted when the worker dies. One request at a time.
 */
public final class GpuWorkerClient implements AutoCloseable {

	/** Time the worker has to start and say hello. */
	private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
	/** Time for a request that runs no kernels (device information, ping), past the start. */
	private static final Duration SHORT_TIMEOUT = Duration.ofSeconds(60);

	private static GpuWorkerClient shared;

	/** Kills a worker that outlives its deadline; shared by every client. */
	private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
		Thread t = new Thread(r, "forge-gpu-worker-watchdog");
		t.setDaemon(true);
		return t;
	});

	private final List<String> command;
	private Process process;
	private DataOutputStream toWorker;
	private DataInputStream fromWorker;
	private Path log;

	/** A client that starts workers with {@code command} (see {@link #defaultCommand}). */
	public GpuWorkerClient(List<String> command) {
		this.command = List.copyOf(command);
	}

	/** The client of this process, created on first use and closed when the process ends. */
	public static synchronized GpuWorkerClient shared() {
		if (shared == null) {
			GpuWorkerClient client = new GpuWorkerClient(defaultCommand());
			Runtime.getRuntime().addShutdownHook(new Thread(client::close, "forge-gpu-worker-shutdown"));
			shared = client;
		}
		return shared;
	}

	/** {@code java --enable-native-access=ALL-UNNAMED -cp <this classpath> dev.forge.profiler.cuda.GpuWorker}, with this runtime's java. */
	public static List<String> defaultCommand() {
		String java = ProcessHandle.current().info().command()
				.orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		// C1 alone and the serial collector: the worker only orchestrates, and starts faster so.
		return List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
				System.getProperty("java.class.path"), GpuWorker.class.getName());
	}

	/** The worker's answer to a job: its result and the read-back buffers, in the job's order. */
	public record Answer(JobResult result, List<MemorySegment> buffers) {
		public Answer {
			buffers = List.copyOf(buffers);
		}
	}

	/**
	 * The attached GPU, its free memory as of now.
	 *
	 * @throws GpuUnavailableException when this machine has no NVIDIA driver or GPU
	 */
	public synchronized DeviceInfo device() {
		try (Arena arena = Arena.ofConfined()) {
			WorkerChannel.Message answer = call(WorkerChannel.request("device", null), List.of(), arena, SHORT_TIMEOUT, null);
			return WorkerChannel.GSON.fromJson(answer.header().get("result"), DeviceInfo.class);
		}
	}

	/**
	 * Runs {@code job} with the contents of its DATA buffers; the read-back buffers are allocated in
	 * {@code arena}. A kernel that is still running after {@code timeout} is treated as hung.
	 *
	 * @throws KernelFaultException     when a kernel faulted (the next request gets a fresh worker)
	 * @throws CudaException            when a driver call failed (e.g. the PTX does not load)
	 * @throws DeviceMemoryException    when the job does not fit in free device memory
	 * @throws GpuUnavailableException  when this machine has no NVIDIA driver or GPU
	 * @throws GpuWorkerException       when the worker died, hung or failed otherwise
	 */
	public synchronized Answer run(GpuJob job, List<MemorySegment> data, Arena arena, Duration timeout) {
		WorkerChannel.Message answer = call(WorkerChannel.request("run", job), data, arena, timeout, job);
		return new Answer(WorkerChannel.GSON.fromJson(answer.header().get("result"), JobResult.class), answer.blobs());
	}

	/** Sends {@code blobs} to the worker and returns what comes back (the protocol's round trip). */
	public synchronized List<MemorySegment> ping(List<MemorySegment> blobs, Arena arena) {
		return call(WorkerChannel.request("ping", null), blobs, arena, SHORT_TIMEOUT, null).blobs();
	}

	/** The process id of the current worker, or -1 when none runs. */
	public synchronized long workerPid() {
		return process != null && process.isAlive() ? process.pid() : -1;
	}

	private WorkerChannel.Message call(JsonObject request, List<MemorySegment> blobs, Arena arena, Duration timeout, GpuJob job) {
		start();
		AtomicBoolean killed = new AtomicBoolean();
		Process p = process;
		ScheduledFuture<?> deadline = WATCHDOG.schedule(() -> {
			killed.set(true);
			p.destroyForcibly();
		}, timeout.toMillis(), TimeUnit.MILLISECONDS);
		WorkerChannel.Message answer;
		try {
			WorkerChannel.write(toWorker, request, blobs);
			answer = WorkerChannel.read(fromWorker, arena);
		} catch (IOException e) {
			String what = job != null ? " while running @" + job.function() : "";
			String why = killed.get() ? "did not answer within " + timeout.toSeconds() + " s" + what + " (a kernel that never ends?) and was stopped"
					: "exited" + exitStatus() + what;
			String tail = logTail();
			stop();
			throw new GpuWorkerException("the GPU worker " + why + (tail.isEmpty() ? "" : "; its last words:\n" + tail), e);
		} finally {
			deadline.cancel(false);
		}
		if (answer.header().get("ok").getAsBoolean()) {
			return answer;
		}
		WorkerFailure failure = WorkerChannel.GSON.fromJson(answer.header().get("failure"), WorkerFailure.class);
		if (failure.fatal()) {
			stop();
		}
		throw failure.toException(kernelName(job, failure.symbol()), job == null || failure.symbol() == null ? null
				: PtxLines.kernelStart(job.ptx(), failure.symbol()).orElse(null));
	}

	private static String kernelName(GpuJob job, String symbol) {
		if (job == null || symbol == null) {
			return null;
		}
		return job.kernels().stream().filter(k -> k.symbol().equals(symbol)).map(GpuJob.Kernel::name).findFirst().orElse(symbol);
	}

	private void start() {
		if (process != null && process.isAlive()) {
			return;
		}
		stop();
		try {
			log = Files.createTempFile("forge-gpu-worker-", ".log");
			process = new ProcessBuilder(command).redirectError(log.toFile()).start();
		} catch (IOException e) {
			throw new GpuWorkerException("cannot start the GPU worker (" + command.get(0) + "): " + e.getMessage(), e);
		}
		toWorker = new DataOutputStream(new BufferedOutputStream(process.getOutputStream(), 1 << 16));
		fromWorker = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
		Process p = process;
		AtomicBoolean killed = new AtomicBoolean();
		ScheduledFuture<?> deadline = WATCHDOG.schedule(() -> {
			killed.set(true);
			p.destroyForcibly();
		}, START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		try (Arena arena = Arena.ofConfined()) {
			JsonObject hello = WorkerChannel.read(fromWorker, arena).header();
			int protocol = hello.getAsJsonObject("result").get("protocol").getAsInt();
			if (protocol != GpuWorker.PROTOCOL) {
				throw new IOException("it speaks protocol " + protocol + ", this runner " + GpuWorker.PROTOCOL);
			}
		} catch (IOException | RuntimeException e) {
			String why = killed.get() ? "did not start within " + START_TIMEOUT.toSeconds() + " s" : "did not start" + exitStatus();
			String tail = logTail();
			stop();
			throw new GpuWorkerException("the GPU worker " + why + ": " + e.getMessage() + (tail.isEmpty() ? "" : "\n" + tail), e);
		} finally {
			deadline.cancel(false);
		}
	}

	/** " (status 3)" once the process has ended, else "". */
	private String exitStatus() {
		try {
			if (process != null && process.waitFor(2, TimeUnit.SECONDS)) {
				return " (status " + process.exitValue() + ")";
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		return "";
	}

	/** The last lines the worker wrote to stderr. */
	private String logTail() {
		try {
			if (log == null || !Files.exists(log)) {
				return "";
			}
			List<String> lines = new ArrayList<>(Files.readAllLines(log, StandardCharsets.UTF_8));
			lines.removeIf(l -> l.startsWith("WARNING:")); // JVM warnings say nothing about the failure
			return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())).strip();
		} catch (IOException e) {
			return "";
		}
	}

	/** Ends the worker (if any) and forgets it: the next request starts a fresh one. */
	private void stop() {
		if (process != null) {
			process.destroyForcibly();
			try {
				process.waitFor(5, TimeUnit.SECONDS);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
		process = null;
		if (log != null) {
			try {
				Files.deleteIfExists(log);
			} catch (IOException e) {
				// a temporary file left behind is harmless
			}
			log = null;
		}
	}

	/** Asks the worker to exit, then makes sure it has. */
	@Override
	public synchronized void close() {
		if (process != null && process.isAlive()) {
			try (Arena arena = Arena.ofConfined()) {
				WorkerChannel.write(toWorker, WorkerChannel.request("exit", null), List.of());
				WorkerChannel.read(fromWorker, arena);
			} catch (IOException e) {
				// already gone
			}
		}
		stop();
	}
}
