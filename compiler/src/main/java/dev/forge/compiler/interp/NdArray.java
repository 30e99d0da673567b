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
		double[] d = new double[length(shape)];
		for (int i = 0; i < d.length; i++) {
			d[i] = indexToValue.applyAsDouble(i);
		}
		return new NdArray(shape, d);
	}

	/**
	 * The element count of {@code shape}, 64-bit.
	 *
	 * @throws ArithmeticException when it does not fit in a long (with a message naming the shape)
	 */
	public static long size(long[] shape) {
		long n = 1;
		for (long s : shape) {
			if (s < 0) {
				throw new IllegalArgumentException("negative dim in " + Arrays.toString(shape));
			}
			if (s != 0 && n > Long.MAX_VALUE / s) {
				// Keep going: a later 0 makes the shape empty, as in NumPy.
				n = -1;
			} else if (n >= 0) {
				n *= s;
			}
		}
		for (long s : shape) {
			if (s == 0) {
				return 0;
			}
		}
		if (n < 0) {
			throw new ArithmeticException("shape " + Arrays.toString(shape) + " has more than 2^63 elements");
		}
		return n;
	}

	/**
	 * The element count of {@code shape} as an array length. An NdArray is one Java array of doubles,
	 * so it holds at most {@link #MAX_ELEMENTS}; larger tensors live only in native memory (compiled
	 * code), and the reference checks them on a reduced instance.
	 *
	 * @throws IllegalArgumentException when the shape has more elements than that
	 */
	public static int length(long[] shape) {
		long n;
		try {
			n = size(shape);
		} catch (ArithmeticException e) {
			throw new IllegalArgumentException(e.getMessage());
		}
		if (n > MAX_ELEMENTS) {
			throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + n + " elements; the f64 interpreters hold at most "
					+ MAX_ELEMENTS + " per tensor");
		}
		return (int) n;
	}

	/** The most elements an NdArray holds: the largest Java array the JVM allocates. */
	public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

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
