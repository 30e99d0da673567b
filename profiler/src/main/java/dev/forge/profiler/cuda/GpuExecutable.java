package dev.forge.profiler.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@link GpuJob} on the device, inside the worker: checks that it fits in free device memory,
 * allocates and fills its buffers, builds each launch's parameter block once, then runs the launches
 * in order, once (synchronising after each, so a fault is pinned on its kernel) or timed with CUDA
 * events. Closing frees every device allocation and event.
 */
final class GpuExecutable implements AutoCloseable {

	/** The L2 flush buffer: larger than any Hopper L2 (50 MiB), as Triton's do_bench uses. */
	static final long FLUSH_BYTES = 256L << 20;
	/** Timed runs queued between two waits for the device (each with its own events). */
	private static final int BATCH = 64;
	/** Copies of the rotatable inputs a timed run cycles through, where memory allows. */
	private static final int INPUT_SETS = 3;
	/** Rotation is cheap while its copies take at most this much memory. */
	private static final long ROTATION_LIMIT = 1L << 30;
	/** Untimed warm-up before the timed runs (clocks, caches, the driver's lazy setup). */
	private static final double WARM_UP_MS = 50;

	private final CudaDriver cuda;
	private final GpuJob job;
	private final Arena arena = Arena.ofConfined();
	private final List<Long> allocations = new ArrayList<>();
	/** Per input set, each buffer's device address (sets beyond the first differ in the rotatable buffers). */
	private final List<Map<String, Long>> sets = new ArrayList<>();
	/** Per input set, per launch: the {@code void*[]} of pointers to its parameters. */
	private final List<MemorySegment[]> params = new ArrayList<>();
	private final MemorySegment[] functions;
	private final List<MemorySegment> events = new ArrayList<>();
	private long flush;
	/** The kernel whose completion has not been confirmed by a synchronisation, in a checked run. */
	private String unconfirmed;

	/**
	 * Prepares {@code job} with the kernels of an already loaded module; {@code data} holds the
	 * contents of the {@link GpuJob.Fill#DATA} buffers in order.
	 *
	 * @throws DeviceMemoryException when the buffers do not fit in free device memory
	 */
	GpuExecutable(CudaDriver cuda, LoadedModule module, GpuJob job, List<MemorySegment> data, String deviceName) {
		this.cuda = cuda;
		this.job = job;
		try {
			functions = new MemorySegment[job.launches().size()];
			for (int l = 0; l < functions.length; l++) {
				functions[l] = module.function(job.launches().get(l).symbol());
			}
			int copies = inputSetsThatFit(deviceName);
			allocate(data, copies);
			for (Map<String, Long> set : sets) {
				MemorySegment[] blocks = new MemorySegment[job.launches().size()];
				for (int l = 0; l < blocks.length; l++) {
					blocks[l] = parameters(job.launches().get(l), set);
				}
				params.add(blocks);
			}
		} catch (RuntimeException e) {
			close();
			throw e;
		}
	}

	/** Checks that the job fits in free device memory, then how many sets of the rotatable inputs to keep (1: no rotation). */
	private int inputSetsThatFit(String deviceName) {
		long[] info = cuda.memoryInfo();
		long free = info[0];
		Map<String, Long> needs = new LinkedHashMap<>();
		long rotatable = 0;
		for (GpuJob.DeviceBuffer b : job.buffers()) {
			needs.put(b.name(), Math.max(1, b.bytes()));
			if (b.rotatable()) {
				rotatable += b.bytes();
			}
		}
		if (job.timing() != null && job.timing().flushL2()) {
			needs.put("L2 flush buffer", FLUSH_BYTES);
		}
		long total = needs.values().stream().mapToLong(Long::longValue).reduce(0, Math::addExact);
		if (total > free) {
			throw DeviceMemoryException.of(job.function(), needs, deviceName, free, info[1]);
		}
		long extra = rotatable * (INPUT_SETS - 1);
		boolean rotate = job.timing() != null && job.timing().rotateInputs() && rotatable > 0 && extra <= ROTATION_LIMIT
				&& extra <= (free - total) / 2;
		return rotate ? INPUT_SETS : 1;
	}

	private void allocate(List<MemorySegment> data, int copies) {
		Map<String, Long> first = new HashMap<>();
		int next = 0;
		for (GpuJob.DeviceBuffer b : job.buffers()) {
			long address = track(cuda.allocate(b.bytes(), b.name()));
			first.put(b.name(), address);
			switch (b.fill()) {
				case DATA -> {
					if (next >= data.size()) {
						throw new IllegalArgumentException("no data sent for buffer '" + b.name() + "'");
					}
					MemorySegment d = data.get(next++);
					if (d.byteSize() > b.bytes()) {
						throw new IllegalArgumentException("buffer '" + b.name() + "' holds " + b.bytes() + " bytes, got " + d.byteSize());
					}
					cuda.copyToDevice(address, d, d.byteSize(), b.name());
				}
				case POISON -> cuda.fill(address, (byte) 0xFF, Math.max(1, b.bytes()), b.name());
				case ZERO -> cuda.fill(address, (byte) 0, Math.max(1, b.bytes()), b.name());
				case NONE -> {
				}
			}
		}
		if (next != data.size()) {
			throw new IllegalArgumentException(data.size() + " data blobs sent for " + next + " buffers");
		}
		sets.add(first);
		for (int c = 1; c < copies; c++) {
			Map<String, Long> set = new HashMap<>(first);
			for (GpuJob.DeviceBuffer b : job.buffers()) {
				if (b.rotatable()) {
					long copy = track(cuda.allocate(b.bytes(), b.name() + " copy " + c));
					cuda.copyOnDevice(copy, first.get(b.name()), b.bytes(), b.name());
					set.put(b.name(), copy);
				}
			}
			sets.add(set);
		}
		if (job.timing() != null && job.timing().flushL2()) {
			flush = track(cuda.allocate(FLUSH_BYTES, "L2 flush buffer"));
		}
	}

	private long track(long address) {
		allocations.add(address);
		return address;
	}

	/** The {@code void*[]} cuLaunchKernel takes: one pointer per parameter, each to its 8 bytes. */
	private MemorySegment parameters(GpuJob.Launch launch, Map<String, Long> addresses) {
		int n = launch.params().size();
		MemorySegment values = arena.allocate(JAVA_LONG, Math.max(1, n));
		MemorySegment pointers = arena.allocate(ADDRESS, Math.max(1, n));
		for (int p = 0; p < n; p++) {
			GpuJob.Param param = launch.params().get(p);
			if (param.tensorMap() != null) {
				pointers.setAtIndex(ADDRESS, p, tensorMap(launch, param.tensorMap(), addresses));
				continue;
			}
			long value = param.value();
			if (param.buffer() != null) {
				Long address = addresses.get(param.buffer());
				if (address == null) {
					throw new IllegalArgumentException("launch of @" + launch.symbol() + " names no buffer '" + param.buffer() + "'");
				}
				value = address;
			}
			values.setAtIndex(JAVA_LONG, p, value);
			pointers.setAtIndex(ADDRESS, p, values.asSlice(8L * p, 8));
		}
		return pointers;
	}

	/**
	 * The 128 bytes of a TMA tensor map over the buffer's device copy; zeros when the kernel will not
	 * read through it (its rows are not whole 16-byte units: it copies per thread then), and a
	 * driver refusal of a map it will read is an error naming the kernel and buffer.
	 */
	private MemorySegment tensorMap(GpuJob.Launch launch, GpuJob.TensorMap m, Map<String, Long> addresses) {
		MemorySegment map = arena.allocate(128, 64);
		if (!m.used()) {
			return map;
		}
		long[] dims = m.dims().stream().mapToLong(Long::longValue).toArray();
		long[] strides = new long[dims.length - 1];
		long stride = m.elementBytes();
		for (int d = 0; d < strides.length; d++) {
			stride *= dims[d];
			strides[d] = stride;
		}
		int dataType = switch (m.elementBytes()) {
			case 1 -> 0; // CU_TENSOR_MAP_DATA_TYPE_UINT8
			case 2 -> 1; // UINT16: a tile copy moves bits, the element type does not matter
			case 4 -> 3; // UINT32
			default -> 4; // INT64
		};
		int r = cuda.encodeTensorMap(map, dataType, addresses.get(m.buffer()), dims, strides,
				m.box().stream().mapToInt(Integer::intValue).toArray(), m.swizzle());
		if (r != 0) {
			throw new CudaException("cuTensorMapEncodeTiled(@" + launch.symbol() + ", " + m.buffer() + ", dims " + m.dims() + ", box " + m.box()
					+ ")", r, cuda.errorName(r), null);
		}
		return map;
	}

	/** How many input sets the timed runs rotate through. */
	int inputSets() {
		return sets.size();
	}

	/** The PTX entry of the kernel a fault in a checked run belongs to, or null. */
	String unconfirmed() {
		return unconfirmed;
	}

	/** One run, synchronising after each launch so that a fault names its kernel. */
	void runChecked() {
		for (int l = 0; l < job.launches().size(); l++) {
			GpuJob.Launch launch = job.launches().get(l);
			if (launch.programs() == 0) {
				continue;
			}
			unconfirmed = launch.symbol();
			launch(l, 0);
			cuda.synchronize("@" + kernelName(launch.symbol()));
			unconfirmed = null;
		}
	}

	private void launch(int l, int set) {
		GpuJob.Launch launch = job.launches().get(l);
		if (launch.programs() == 0) {
			return;
		}
		GpuJob.Kernel k = kernel(launch.symbol());
		int blocks = (int) Math.min(launch.programs(), Integer.MAX_VALUE);
		cuda.launch(functions[l], k.name(), blocks, k.threadsPerBlock(), k.sharedBytes(), params.get(set)[l]);
	}

	private GpuJob.Kernel kernel(String symbol) {
		for (GpuJob.Kernel k : job.kernels()) {
			if (k.symbol().equals(symbol)) {
				return k;
			}
		}
		throw new IllegalArgumentException("launch of @" + symbol + ", which the job's kernels do not list");
	}

	private String kernelName(String symbol) {
		return kernel(symbol).name();
	}

	/**
	 * Timed runs as {@code do_bench} does them, on the driver API: warm-up, then per run the L2
	 * flush (outside the events), an event, each launch followed by an event; the runs queued in
	 * batches with one wait per batch. Returns each run's time and each launch's mean.
	 */
	double[][] time(GpuJob.Timing timing) {
		int launches = job.launches().size();
		runUntimed(1);
		double estimate = Math.max(1e-3, median(timedRuns(3)[0]));
		for (double spent = 0; spent < WARM_UP_MS;) {
			int n = (int) Math.clamp((long) Math.ceil((WARM_UP_MS - spent) / estimate), 1, 1000);
			runUntimed(n);
			spent += n * estimate;
		}
		double flushMs = flush == 0 ? 0 : flushMs();
		long runs = Math.clamp((long) (timing.budgetMillis() / (estimate + flushMs)), timing.minRuns(), timing.maxRuns());
		double[] total = new double[(int) runs];
		double[] perLaunch = new double[launches];
		for (int done = 0; done < runs;) {
			int n = (int) Math.min(BATCH, runs - done);
			double[][] batch = timedRuns(n);
			System.arraycopy(batch[0], 0, total, done, n);
			for (int l = 0; l < launches; l++) {
				perLaunch[l] += Arrays.stream(batch[l + 1]).sum();
			}
			done += n;
		}
		for (int l = 0; l < launches; l++) {
			perLaunch[l] /= runs;
		}
		return new double[][] { total, perLaunch };
	}

	/** The time of one L2 flush (it counts against the budget, not the runs). */
	private double flushMs() {
		while (events.size() < 2) {
			events.add(cuda.createEvent());
		}
		cuda.record(events.get(0));
		cuda.fillWords(flush, 0, FLUSH_BYTES / 4, "L2 flush buffer");
		cuda.record(events.get(1));
		cuda.synchronize(events.get(1), "the L2 flush");
		try (Arena scratch = Arena.ofConfined()) {
			return cuda.elapsedMs(events.get(0), events.get(1), scratch);
		}
	}

	private void runUntimed(int n) {
		for (int i = 0; i < n; i++) {
			for (int l = 0; l < job.launches().size(); l++) {
				launch(l, i % sets.size());
			}
		}
		cuda.synchronize("@" + job.function());
	}

	/** {@code n} timed runs: [0] each run's total, [1 + l] each run's launch l. */
	private double[][] timedRuns(int n) {
		int launches = job.launches().size();
		int perRun = launches + 1;
		while (events.size() < n * perRun) {
			events.add(cuda.createEvent());
		}
		for (int i = 0; i < n; i++) {
			if (flush != 0) {
				cuda.fillWords(flush, 0, FLUSH_BYTES / 4, "L2 flush buffer");
			}
			int set = i % sets.size();
			cuda.record(events.get(i * perRun));
			for (int l = 0; l < launches; l++) {
				launch(l, set);
				cuda.record(events.get(i * perRun + l + 1));
			}
		}
		cuda.synchronize(events.get(n * perRun - 1), "@" + job.function());
		double[][] out = new double[perRun][n];
		try (Arena scratch = Arena.ofConfined()) {
			for (int i = 0; i < n; i++) {
				int base = i * perRun;
				out[0][i] = cuda.elapsedMs(events.get(base), events.get(base + launches), scratch);
				for (int l = 0; l < launches; l++) {
					out[l + 1][i] = cuda.elapsedMs(events.get(base + l), events.get(base + l + 1), scratch);
				}
			}
		}
		return out;
	}

	private static double median(double[] xs) {
		double[] s = xs.clone();
		Arrays.sort(s);
		return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
	}

	/** The current contents of buffer {@code name} (of the first input set). */
	MemorySegment read(String name, Arena into) {
		GpuJob.DeviceBuffer buffer = job.buffers().stream().filter(b -> b.name().equals(name)).findFirst()
				.orElseThrow(() -> new IllegalArgumentException("no buffer '" + name + "' to read back"));
		MemorySegment host = into.allocate(Math.max(1, buffer.bytes()), 64).asSlice(0, buffer.bytes());
		cuda.copyToHost(host, sets.get(0).get(name), buffer.bytes(), name);
		return host;
	}

	@Override
	public void close() {
		for (MemorySegment e : events) {
			cuda.destroyEvent(e);
		}
		events.clear();
		for (long a : allocations) {
			cuda.free(a);
		}
		allocations.clear();
		arena.close();
	}
}
