package dev.forge.profiler.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.forge.compiler.gpu.GpuModule;
import dev.forge.compiler.host.KernelAbi;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.LaunchPlan;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.profiler.Dims;
import dev.forge.profiler.HostMemory;
import dev.forge.profiler.HostRunner;
import dev.forge.profiler.HostTensor;
import dev.forge.profiler.Runner;
import dev.forge.profiler.Timing;
import dev.forge.types.Dim;

/**
 * The attached GPU under the {@link Runner}: each execution or measurement is one {@link GpuJob}
 * sent to the worker process, buffers in the same storage as on the host ({@link KernelAbi}).
 */
public final class GpuExecutor implements Runner.Executor {

	/** Beyond its timing budget a job may take this long (module JIT, transfers) before it counts as hung. */
	private static final Duration SLACK = Duration.ofSeconds(120);
	/** Bytes per second the worker's pipe moves at the least, for the deadline of large transfers. */
	private static final long PIPE_BYTES_PER_SECOND = 100L << 20;

	private final GpuWorkerClient worker;
	private final GpuModule module;
	private final TileFunction function;

	public GpuExecutor(GpuWorkerClient worker, GpuModule module, TileFunction function) {
		this.worker = worker;
		this.module = module;
		this.function = function;
	}

	@Override
	public String device() {
		return worker.device().name();
	}

	/** Compares what a run at {@code dims} needs with the device's free memory, before the inputs exist. */
	@Override
	public void admit(Map<String, Long> dims) {
		Map<String, Long> needs;
		long total;
		try {
			needs = new LinkedHashMap<>(LaunchPlan.of(function, dims, KernelAbi::storageBytes).bytesByName());
			needs.put("L2 flush buffer", GpuExecutable.FLUSH_BYTES);
			total = needs.values().stream().mapToLong(Long::longValue).reduce(0, Math::addExact);
		} catch (ArithmeticException e) {
			// A size past 2^63 bytes: no device has that much, and the sum itself cannot be printed.
			throw new DeviceMemoryException("@" + function.name() + " at " + Dims.format(dims)
					+ " needs more than 8 EiB of device memory (a buffer size does not fit in 64 bits): use smaller --dims");
		}
		DeviceInfo device = worker.device();
		if (total > device.freeBytes()) {
			throw DeviceMemoryException.of(function.name(), needs, device.name(), device.freeBytes(), device.totalBytes());
		}
	}

	@Override
	public Map<String, HostTensor> execute(Map<String, HostTensor> inputs, Map<String, Long> dims) {
		LaunchPlan plan = LaunchPlan.of(function, dims, KernelAbi::storageBytes);
		try (Arena arena = Arena.ofConfined()) {
			GpuJob job = GpuJobs.job(plan, module, outputNames(), null);
			GpuWorkerClient.Answer answer = worker.run(job, GpuJobs.data(plan, inputs, arena), arena, deadline(plan, Duration.ZERO));
			return outputs(answer, dims);
		}
	}

	@Override
	public Runner.Measured measure(Map<String, HostTensor> inputs, Map<String, Long> dims, boolean profile, boolean keepOutputs) {
		LaunchPlan plan = LaunchPlan.of(function, dims, KernelAbi::storageBytes);
		Duration budget = profile ? Timing.PROFILE_BUDGET : Timing.RUN_BUDGET;
		GpuJob.Timing timing = new GpuJob.Timing(budget.toMillis(), Timing.MIN_RUNS, Timing.MAX_RUNS, true, true);
		try (Arena arena = Arena.ofConfined()) {
			GpuJob job = GpuJobs.job(plan, module, keepOutputs ? outputNames() : List.of(), timing);
			GpuWorkerClient.Answer answer = worker.run(job, GpuJobs.data(plan, inputs, arena), arena, deadline(plan, budget));
			JobResult result = answer.result();
			List<HostRunner.KernelTime> kernels = new ArrayList<>();
			for (int k = 0; k < plan.kernels().size(); k++) {
				LaunchPlan.KernelLaunch launch = plan.kernels().get(k);
				kernels.add(new HostRunner.KernelTime(launch.kernel().name(), launch.programs(), result.kernelMeanMs()[k]));
			}
			String method = "CUDA events, L2 flushed before each run"
					+ (result.inputSets() > 1 ? ", inputs rotated over " + result.inputSets() + " copies" : "");
			return new Runner.Measured(Timing.ofMillis(result.runMs()), keepOutputs ? outputs(answer, dims) : null, kernels, method);
		}
	}

	private List<String> outputNames() {
		return function.buffers(Buffer.Role.OUTPUT).stream().map(Buffer::name).toList();
	}

	/** The answer's output buffers copied out of the job's arena into tensors that live while they are reachable. */
	private Map<String, HostTensor> outputs(GpuWorkerClient.Answer answer, Map<String, Long> dims) {
		Map<String, HostTensor> out = new LinkedHashMap<>();
		List<Buffer> outputs = function.buffers(Buffer.Role.OUTPUT);
		for (int i = 0; i < outputs.size(); i++) {
			Buffer b = outputs.get(i);
			HostTensor t = HostTensor.allocate(Arena.ofAuto(), shape(b, dims), b.dtype());
			MemorySegment.copy(answer.buffers().get(i), 0, t.data(), 0, Math.multiplyExact(t.size(), HostMemory.bytes(b.dtype())));
			out.put(b.name(), t);
		}
		return out;
	}

	private static long[] shape(Buffer b, Map<String, Long> dims) {
		long[] shape = new long[b.shape().size()];
		for (int i = 0; i < shape.length; i++) {
			Dim d = b.shape().get(i);
			shape[i] = d.evaluate(dims).orElseThrow(() -> new IllegalArgumentException("dim " + d + " of '" + b.name() + "' is not bound"));
		}
		return shape;
	}

	/** The budget, the slack, and the time to move the function's inputs and outputs through the pipe. */
	private static Duration deadline(LaunchPlan plan, Duration budget) {
		long bytes = plan.bytes(Buffer.Role.INPUT) + plan.bytes(Buffer.Role.OUTPUT);
		return budget.plus(SLACK).plusSeconds(bytes / PIPE_BYTES_PER_SECOND);
	}
}
