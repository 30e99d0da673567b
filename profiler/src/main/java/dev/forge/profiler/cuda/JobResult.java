package dev.forge.profiler.cuda;

import java.util.List;

/**
 * What the worker sends back for a {@link GpuJob}, besides the contents of the read-back buffers
 * (in the job's order, after this header).
 *
 * @param device       the device's name
 * @param runMs        each timed run's milliseconds, first kernel's start to last kernel's end (empty when not timed)
 * @param kernelMeanMs each launch's mean milliseconds over the timed runs (empty when not timed)
 * @param inputSets    how many copies of the rotatable buffers the timed runs rotated through (1: none)
 * @param kernels      per kernel of the module, what the JIT made of it
 * @param jitLog       the JIT's info log of the module (verbose: per kernel registers, shared memory, spills)
 */
public record JobResult(String device, double[] runMs, double[] kernelMeanMs, int inputSets, List<KernelStats> kernels, String jitLog) {

	/**
	 * What the JIT made of a kernel.
	 *
	 * @param symbol     its PTX entry
	 * @param registers  registers per thread
	 * @param localBytes local memory per thread (spills and stack arrays)
	 */
	public record KernelStats(String symbol, int registers, int localBytes) {
	}
}
