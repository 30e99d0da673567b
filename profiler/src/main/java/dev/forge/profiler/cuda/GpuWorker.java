package dev.forge.profiler.cuda;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GPU worker process: the only Forge process that loads {@code libcuda}. A device fault
 * (illegal address and the other sticky errors) leaves the CUDA context, and so the process,
 * unusable for good, so the runner ({@link GpuWorkerClient}) keeps device work here, in a child JVM
 * it can replace. Reads requests from stdin and answers on stdout ({@link WorkerChannel}):
 *
 * <ul>
 * <li>{@code ping}: sends the blobs back (a health check, and the protocol test without a GPU);</li>
 * <li>{@code device}: the {@link DeviceInfo} (initialising CUDA on first use);</li>
 * <li>{@code run}: a {@link GpuJob}, answered with a {@link JobResult} and the read-back buffers;</li>
 * <li>{@code exit}: ends the process (so does the end of stdin).</li>
 * </ul>
 *
 * After answering with a sticky fault it exits with status {@value #FAULT_STATUS} at once.
 */
public final class GpuWorker {

	/** The version of the protocol, said in the first message; the runner refuses another. */
	static final int PROTOCOL = 1;
	/** Exit status after a sticky fault. */
	static final int FAULT_STATUS = 3;
	/** Modules kept loaded (a tuning session loads many variants). */
	private static final int MODULE_CACHE = 16;

	private CudaDriver cuda;
	private String deviceName;
	private final Map<String, LoadedModule> modules = new LinkedHashMap<>();

	private GpuWorker() {
	}

	public static void main(String[] args) throws IOException {
		DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16));
		System.setOut(System.err); // stdout carries the protocol and nothing else
		DataInputStream in = new DataInputStream(new BufferedInputStream(System.in, 1 << 16));
		WorkerChannel.write(out, WorkerChannel.success(Map.of("protocol", PROTOCOL, "pid", ProcessHandle.current().pid())), List.of());
		new GpuWorker().serve(in, out);
	}

	private void serve(DataInputStream in, DataOutputStream out) throws IOException {
		while (true) {
			try (Arena arena = Arena.ofConfined()) {
				WorkerChannel.Message request;
				try {
					request = WorkerChannel.read(in, arena);
				} catch (EOFException e) {
					return; // the runner is gone
				}
				String op = request.header().get("op").getAsString();
				if (op.equals("exit")) {
					WorkerChannel.write(out, WorkerChannel.success(null), List.of());
					return;
				}
				GpuExecutable[] running = new GpuExecutable[1];
				try {
					switch (op) {
						case "ping" -> WorkerChannel.write(out, WorkerChannel.success(null), request.blobs());
						case "device" -> WorkerChannel.write(out, WorkerChannel.success(device()), List.of());
						case "run" -> {
							GpuJob job = WorkerChannel.GSON.fromJson(request.header().get("job"), GpuJob.class);
							List<MemorySegment> outputs = new ArrayList<>();
							JobResult result = run(job, request.blobs(), arena, outputs, running);
							WorkerChannel.write(out, WorkerChannel.success(result), outputs);
						}
						default -> throw new IllegalArgumentException("unknown request '" + op + "'");
					}
				} catch (RuntimeException e) {
					WorkerFailure failure = WorkerFailure.of(e, running[0] == null ? null : running[0].unconfirmed());
					WorkerChannel.write(out, WorkerChannel.failure(failure), List.of());
					if (failure.fatal()) {
						out.flush();
						// The context is poisoned: tearing it down could hang, and nothing here is worth saving.
						Runtime.getRuntime().halt(FAULT_STATUS);
					}
				}
			}
		}
	}

	/** Loads and initialises the driver and makes device 0's primary context current, the first time. */
	private DeviceInfo device() {
		if (cuda == null) {
			CudaDriver driver = CudaDriver.load();
			driver.init();
			int device = driver.device(0);
			driver.usePrimaryContext(device);
			deviceName = driver.deviceName(device);
			cuda = driver;
		}
		long[] memory = cuda.memoryInfo();
		int device = cuda.device(0);
		return new DeviceInfo(deviceName, cuda.attribute(CudaDriver.ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
				cuda.attribute(CudaDriver.ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device), cuda.attribute(CudaDriver.ATTRIBUTE_MULTIPROCESSOR_COUNT, device),
				memory[0], memory[1], cuda.attribute(CudaDriver.ATTRIBUTE_L2_CACHE_SIZE, device),
				cuda.attribute(CudaDriver.ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, device), cuda.driverVersion());
	}

	private JobResult run(GpuJob job, List<MemorySegment> data, Arena arena, List<MemorySegment> outputs, GpuExecutable[] running) {
		device();
		LoadedModule module = module(job);
		try (GpuExecutable exe = new GpuExecutable(cuda, module, job, data, deviceName)) {
			running[0] = exe;
			double[][] times = { new double[0], new double[0] };
			if (job.timing() == null) {
				exe.runChecked();
			} else {
				times = exe.time(job.timing());
			}
			for (String name : job.readBack()) {
				outputs.add(exe.read(name, arena));
			}
			return new JobResult(deviceName, times[0], times[1], exe.inputSets(), module.stats(), module.infoLog());
		}
	}

	/** The job's module, loaded once and kept (least recently used dropped beyond {@value #MODULE_CACHE}). */
	private LoadedModule module(GpuJob job) {
		String key = sha256(job.ptx() + "\n" + job.kernels());
		LoadedModule m = modules.remove(key);
		if (m == null) {
			m = new LoadedModule(cuda, job.ptx(), job.kernels(), "@" + job.function());
			if (modules.size() >= MODULE_CACHE) {
				String oldest = modules.keySet().iterator().next();
				modules.remove(oldest).unload();
			}
		}
		modules.put(key, m);
		return m;
	}

	private static String sha256(String text) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
