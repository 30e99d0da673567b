package dev.forge.profiler;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.forge.compiler.interp.NdArray;
import dev.forge.types.DType;

/**
 * A tensor in native memory, in the storage of its dtype ({@link HostMemory}: what compiled code
 * reads and writes and what a {@code .npy} file holds), row-major, with 64-bit element indices. It is
 * how inputs and outputs travel through a run, so that a tensor of more than 2^31 elements, which
 * no Java array holds, is drawn, run, compared and saved without an f64 copy. The memory belongs to
 * the segment's arena.
 *
 * @param shape the dims, row-major
 * @param dtype the element type
 * @param data  at least {@link #size()} elements of {@code dtype}'s storage
 */
public record HostTensor(long[] shape, DType dtype, MemorySegment data) {

	public HostTensor {
		shape = shape.clone();
		long need = Math.multiplyExact(NdArray.size(shape), HostMemory.bytes(dtype));
		if (data.byteSize() < need) {
			throw new IllegalArgumentException("a " + dtype.sourceName() + " tensor of shape " + Arrays.toString(shape) + " needs " + need
					+ " bytes, the memory has " + data.byteSize());
		}
	}

	/** A tensor of {@code shape} in new memory of {@code arena} (zero-filled, as arenas give it). */
	public static HostTensor allocate(Arena arena, long[] shape, DType dtype) {
		return new HostTensor(shape, dtype, HostMemory.allocate(arena, NdArray.size(shape), dtype));
	}

	/** {@code array}'s values rounded to {@code dtype}, in new memory that lives while the tensor is reachable. */
	public static HostTensor of(NdArray array, DType dtype) {
		return of(Arena.ofAuto(), array, dtype);
	}

	/** {@code array}'s values rounded to {@code dtype}, in new memory of {@code arena}. */
	public static HostTensor of(Arena arena, NdArray array, DType dtype) {
		HostTensor t = allocate(arena, array.shape(), dtype);
		for (int i = 0; i < array.size(); i++) {
			t.set(i, array.flat(i));
		}
		return t;
	}

	@Override
	public long[] shape() {
		return shape.clone();
	}

	/** The element count (64-bit). */
	public long size() {
		return NdArray.size(shape);
	}

	/** The element at row-major index {@code i}, as f64. */
	public double get(long i) {
		return HostMemory.get(data, i, dtype);
	}

	/** Stores {@code v} at row-major index {@code i}, rounded to the dtype (integers truncate toward zero). */
	public void set(long i, double v) {
		HostMemory.set(data, i, dtype, v);
	}

	/** The values converted to {@code other} (a copy in {@code arena}); this tensor itself when the dtype is the same. */
	public HostTensor as(Arena arena, DType other) {
		if (other == dtype) {
			return this;
		}
		HostTensor t = allocate(arena, shape, other);
		long n = size();
		for (long i = 0; i < n; i++) {
			t.set(i, get(i));
		}
		return t;
	}

	/**
	 * The values as an f64 array, for the reference interpreters.
	 *
	 * @throws IllegalArgumentException when there are more than {@link NdArray#MAX_ELEMENTS}
	 */
	public NdArray toNdArray() {
		double[] d = new double[NdArray.length(shape)];
		for (int i = 0; i < d.length; i++) {
			d[i] = get(i);
		}
		return new NdArray(shape, d);
	}

	@Override
	public boolean equals(Object o) {
		return this == o;
	}

	@Override
	public int hashCode() {
		return System.identityHashCode(this);
	}

	@Override
	public String toString() {
		return "HostTensor" + Arrays.toString(shape) + " " + dtype.sourceName();
	}
}
