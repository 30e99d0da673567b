package dev.forge.profiler;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.forge.compiler.interp.Interpreter;
import dev.forge.compiler.interp.NdArray;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileInterpreter;
import dev.forge.types.DType;

/**
 * The correctness gate, prepared once and applied to any number of compiled versions of one
 * function: the dims it checks at (the requested ones, or a reduced instance when the reference
 * would take too long or not fit), the inputs drawn there and the reference's outputs on them. A run
 * applies it to its one executor; the autotuner applies it to every candidate schedule, so the
 * reference interpreter runs once per tuning, not once per candidate.
 */
public final class Gate {

	private final HostRunner.Request request;
	private final Map<String, Long> dims;
	private final Map<String, HostTensor> inputs;
	private final Map<String, NdArray> expected;
	private final String reference;

	private Gate(HostRunner.Request request, Map<String, Long> dims, Map<String, HostTensor> inputs, Map<String, NdArray> expected,
			String reference) {
		this.request = request;
		this.dims = dims;
		this.inputs = inputs;
		this.expected = expected;
		this.reference = reference;
	}

	/**
	 * Checks the dims against the program and the host's memory, lets {@code admit} (the device)
	 * refuse them, all before any input is drawn; then draws the check's inputs and runs the reference.
	 *
	 * @throws IllegalArgumentException (one line) for dims the program or the memory cannot take
	 */
	public static Gate prepare(HostRunner.Request request, HostCapacity capacity, Consumer<Map<String, Long>> admit) {
		TileFunction f = request.tile();
		DimCheck.check(f, request.graph(), request.dims());
		// The host's native inputs and outputs first (any device stages them here): they also refuse
		// sizes past 64 bits before a device plans them.
		HostMemoryException.checkHost(f.name(), Dims.format(request.dims()), HostFootprint.of(f, null, request.dims()), capacity);
		admit.accept(request.dims());
		// Given inputs are checked as given, unless the reference cannot hold them: then on a reduced instance, drawn.
		boolean givenFit = !request.inputs().isEmpty()
				&& HostFootprint.of(f, request.graph(), request.dims()).referenceFits(capacity.heapBytes());
		Map<String, Long> checkDims = givenFit ? request.dims() : Runner.reduced(f, request.graph(), request.dims(), capacity.heapBytes());
		HostFootprint atCheck = HostFootprint.of(f, request.graph(), checkDims);
		if (!atCheck.referenceFits(capacity.heapBytes())) {
			throw HostMemoryException.reference(f.name(), Dims.format(checkDims), atCheck, capacity);
		}
		boolean full = checkDims.equals(request.dims());
		Map<String, HostTensor> given = full ? request.inputs() : Map.of();
		Map<String, HostTensor> inputs = Runner.inputs(f, request.graph(), checkDims, request.seed(), given, request.scalarDefaults(),
				Arena.ofAuto());
		Map<String, NdArray> referenceInputs = new LinkedHashMap<>();
		inputs.forEach((name, t) -> referenceInputs.put(name, t.toNdArray()));
		Map<String, NdArray> expected = reference(request, referenceInputs, checkDims);
		String reference = (request.graph() != null ? "Graph IR" : "Tile IR") + " interpreter in f64, "
				+ (full ? "same inputs" : "reduced instance " + Dims.format(checkDims) + (request.inputs().isEmpty() ? "" : " with seeded inputs"));
		return new Gate(request, checkDims, inputs, expected, reference);
	}

	/** The dims the gate checks at. */
	public Map<String, Long> dims() {
		return dims;
	}

	/** How the reference ran, for reports ("Graph IR interpreter in f64, reduced instance M=256,N=256,K=256"). */
	public String reference() {
		return reference;
	}

	/** Runs {@code executor} on the gate's inputs and compares its outputs with the reference's. */
	public Runner.Check check(Runner.Executor executor) {
		Map<String, HostTensor> actual = executor.execute(inputs, dims);
		List<HostTensor> a = new ArrayList<>();
		List<NdArray> e = new ArrayList<>();
		List<DType> types = new ArrayList<>();
		for (Buffer b : request.tile().buffers(Buffer.Role.OUTPUT)) {
			a.add(actual.get(b.name()));
			e.add(expected.get(b.name()));
			types.add(b.dtype());
		}
		return new Runner.Check(dims, Comparison.compareNative(a, e, types), reference, inputs, actual);
	}

	private static Map<String, NdArray> reference(HostRunner.Request request, Map<String, NdArray> inputs, Map<String, Long> dims) {
		if (request.graph() == null) {
			return TileInterpreter.run(request.tile(), inputs, dims);
		}
		List<NdArray> results = Interpreter.run(request.graph(), dims, inputs);
		Map<String, NdArray> out = new LinkedHashMap<>();
		List<Buffer> outputs = request.tile().buffers(Buffer.Role.OUTPUT);
		for (int i = 0; i < outputs.size(); i++) {
			out.put(outputs.get(i).name(), results.get(i));
		}
		return out;
	}
}
