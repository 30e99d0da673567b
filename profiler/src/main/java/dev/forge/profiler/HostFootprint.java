package dev.forge.profiler;

import java.util.Map;

import dev.forge.compiler.graph.GraphFunction;
import dev.forge.compiler.graph.Op;
import dev.forge.compiler.host.KernelAbi;
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.LaunchPlan;
import dev.forge.compiler.tile.TileFunction;

/**
 * What a run holds at once on the host at concrete dims, in bytes, worked out from the shapes alone
 * (64-bit, overflow refused) so that a run that cannot fit is refused before anything is allocated.
 *
 * <p>Inputs and outputs live in native memory ({@link HostTensor}) at any size; only a check at
 * these dims copies them to f64 arrays on the JVM heap, for the reference interpreter.
 *
 * @param inputs      native input tensors (storage dtypes): drawn or given, for any device
 * @param outputs     native output tensors
 * @param temporaries native scratch buffers between kernels of a host run
 * @param staging     f64 copies of the inputs and outputs a check at these dims makes on the JVM heap
 * @param reference   f64 values the reference interpreter holds (every value of the program)
 * @param largest     the element count of the largest input or output, which a check holds as one f64 array
 * @param largestName that tensor's buffer name
 */
public record HostFootprint(long inputs, long outputs, long temporaries, long staging, long reference, long largest, String largestName) {

	/** Bytes of one f64 element of the interpreters and of staged arrays. */
	private static final long F64 = 8;

	/**
	 * The footprint of {@code f} (with its Graph IR {@code graph}, null for a kernel) at {@code dims}.
	 *
	 * @throws HostMemoryException when a size does not even fit in 64 bits
	 */
	public static HostFootprint of(TileFunction f, GraphFunction graph, Map<String, Long> dims) {
		try {
			return compute(f, graph, dims);
		} catch (ArithmeticException e) {
			throw HostMemoryException.beyond64Bits(f.name(), Dims.format(dims));
		}
	}

	private static HostFootprint compute(TileFunction f, GraphFunction graph, Map<String, Long> dims) {
		LaunchPlan plan = LaunchPlan.of(f, dims, KernelAbi::storageBytes);
		long in = 0, out = 0, temp = 0, staged = 0, allTile = 0, largest = 0;
		String largestName = "";
		for (LaunchPlan.BufferSize b : plan.buffers()) {
			switch (b.role()) {
				case INPUT -> in = Math.addExact(in, b.bytes());
				case OUTPUT -> out = Math.addExact(out, b.bytes());
				case TEMP -> temp = Math.addExact(temp, b.bytes());
				case DIM -> {
				}
			}
			if (b.role() == Buffer.Role.INPUT || b.role() == Buffer.Role.OUTPUT) {
				staged = Math.addExact(staged, b.elements());
				if (b.elements() > largest) {
					largest = b.elements();
					largestName = b.name();
				}
			}
			allTile = Math.addExact(allTile, b.elements());
		}
		long reference = Math.multiplyExact(graph != null ? graphElements(graph, dims) : allTile, F64);
		return new HostFootprint(in, out, temp, Math.multiplyExact(staged, F64), reference, largest, largestName);
	}

	/** Native memory of a compiled run on the host: its tensors and temporaries. */
	public long nativeBytes() {
		return Math.addExact(tensorBytes(), temporaries);
	}

	/** The native input and output tensors, which the host holds whatever the device. */
	public long tensorBytes() {
		return Math.addExact(inputs, outputs);
	}

	/** Heap of a check at these dims: the staged copies and the reference's values. */
	public long checkHeapBytes() {
		return Math.addExact(staging, reference);
	}

	/** Whether the reference at these dims fits in {@code heapBytes} (with room for the collector) and in f64 arrays. */
	public boolean referenceFits(long heapBytes) {
		return largest <= NdArray.MAX_ELEMENTS && checkHeapBytes() <= heapBytes / 10 * 8;
	}

	/**
	 * Every value of the Graph IR (parameters and op results), which the interpreter keeps alive to
	 * the end, plus the largest once more for an op's temporary (a broadcast operand).
	 */
	private static long graphElements(GraphFunction g, Map<String, Long> dims) {
		long sum = 0, max = 0;
		for (GraphFunction.Param p : g.params()) {
			long n = NdArray.size(Runner.shape(p.value().type().dims(), dims));
			sum = Math.addExact(sum, n);
			max = Math.max(max, n);
		}
		for (Op op : g.body()) {
			long n = NdArray.size(Runner.shape(op.result().type().dims(), dims));
			sum = Math.addExact(sum, n);
			max = Math.max(max, n);
		}
		return Math.addExact(sum, max);
	}
}
