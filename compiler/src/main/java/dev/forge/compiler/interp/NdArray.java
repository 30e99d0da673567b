package dev.forge.compiler.interp;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * A dense tensor of doubles in row-major order, for the reference interpreter and its tests. The
 * data array is owned (copied in, never handed out mutably by the interpreter).
 */
public final class NdArray {

	private final long[] shape;
	private final double[] data;

	public NdArray(long[] shape, double[] data) {
		this.shape = shape.clone();
		long size = size(this.shape);
		if (size != data.length) {
			throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + size + " elements, the data " + data.length);
		}
		this.data = data.clone();
	}

	public static NdArray scalar(double v) {
		return new NdArray(new long[0], new double[] { v });
	}

	public static NdArray of(long[] shape, DoubleUnaryOperator indexToValue) {
		double[] d = new double[Math.toIntExact(size(shape))];
		for (int i = 0; i < d.length; i++) {
			d[i] = indexToValue.applyAsDouble(i);
		}
		return new NdArray(shape, d);
	}

	public static long size(long[] shape) {
		long n = 1;
		for (long s : shape) {
			if (s < 0) {
				throw new IllegalArgumentException("negative dim in " + Arrays.toString(shape));
			}
			n = Math.multiplyExact(n, s);
		}
		return n;
	}

	public long[] shape() {
		return shape.clone();
	}

	public int rank() {
		return shape.length;
	}

	public int size() {
		return data.length;
	}

	/** A copy of the elements, row-major. */
	public double[] data() {
		return data.clone();
	}

	/** The element at flat (row-major) index i. */
	public double flat(int i) {
		return data[i];
	}

	public double get(long... index) {
		if (index.length != shape.length) {
			throw new IllegalArgumentException("index of rank " + index.length + " into rank " + shape.length);
		}
		long flat = 0;
		for (int i = 0; i < index.length; i++) {
			if (index[i] < 0 || index[i] >= shape[i]) {
				throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " out of " + Arrays.toString(shape));
			}
			flat = flat * shape[i] + index[i];
		}
		return data[(int) flat];
	}

	/** Row-major strides in elements. */
	static long[] strides(long[] shape) {
		long[] s = new long[shape.length];
		long acc = 1;
		for (int i = shape.length - 1; i >= 0; i--) {
			s[i] = acc;
			acc *= shape[i];
		}
		return s;
	}

	/** Wraps without copying; for the interpreter's results. */
	static NdArray wrap(long[] shape, double[] data) {
		return new NdArray(shape, data, true);
	}

	private NdArray(long[] shape, double[] data, boolean owned) {
		this.shape = shape;
		this.data = data;
		if (size(shape) != data.length) {
			throw new IllegalStateException("shape " + Arrays.toString(shape) + " vs " + data.length + " elements");
		}
	}

	double[] raw() {
		return data;
	}

	@Override
	public String toString() {
		return "NdArray" + Arrays.toString(shape) + Arrays.toString(data.length > 16 ? Arrays.copyOf(data, 16) : data) + (data.length > 16 ? "..." : "");
	}
}
