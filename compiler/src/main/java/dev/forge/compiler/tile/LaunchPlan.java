package dev.forge.compiler.tile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.ToIntFunction;

import dev.forge.types.DType;
import dev.forge.types.Dim;

/**
 * What one run of a Tile IR function needs at concrete dims, worked out once for every backend
 * (host CPU and GPU launch the same plan): the byte size of each buffer, the value of each DIM
 * scalar, and per kernel, in order, the extents of each argument and the number of programs its
 * grid evaluates to. Plain arithmetic, no memory: sizes are 64-bit and overflow throws
 * {@link ArithmeticException} instead of wrapping, so a plan for tensors of more than 2^31 elements
 * can be computed (and refused by the device that cannot hold it) without allocating anything.
 *
 * @param function the function planned
 * @param dims     the dim bindings
 * @param buffers  every buffer of the function with its size, in the function's order
 * @param kernels  every kernel of the function with its launch, in the function's order
 */
public record LaunchPlan(TileFunction function, Map<String, Long> dims, List<BufferSize> buffers, List<KernelLaunch> kernels) {

	/** Bytes a DIM scalar occupies: one 8-byte slot whatever its dtype, so every dtype fits. */
	public static final int SCALAR_BYTES = 8;

	public LaunchPlan {
		dims = Map.copyOf(dims);
		buffers = List.copyOf(buffers);
		kernels = List.copyOf(kernels);
	}

	/**
	 * One buffer at the plan's dims.
	 *
	 * @param buffer   the buffer
	 * @param elements its element count (1 for a DIM scalar)
	 * @param bytes    its size in storage bytes ({@link #SCALAR_BYTES} for a DIM scalar)
	 * @param dimValue the value a DIM buffer holds; 0 for other roles
	 */
	public record BufferSize(Buffer buffer, long elements, long bytes, long dimValue) {

		public String name() {
			return buffer.name();
		}

		public Buffer.Role role() {
			return buffer.role();
		}
	}

	/**
	 * One kernel's launch at the plan's dims.
	 *
	 * @param kernel   the kernel
	 * @param extents  per argument, in the order of {@link Kernel#args()}, its view shape
	 * @param programs the product of the grid's extents (negative extents count as 0)
	 */
	public record KernelLaunch(Kernel kernel, List<long[]> extents, long programs) {

		public KernelLaunch {
			extents = List.copyOf(extents);
		}

		/** The extents by argument name, as {@link Index#evaluate(Map)} takes them. */
		public Map<String, long[]> extentsByArg() {
			Map<String, long[]> out = new HashMap<>();
			for (int a = 0; a < extents.size(); a++) {
				out.put(kernel.args().get(a).name(), extents.get(a));
			}
			return out;
		}
	}

	/**
	 * Plans {@code f} at {@code dims}, with {@code elementBytes} giving the storage bytes of an
	 * element of each dtype (the backend's ABI, e.g. {@code KernelAbi::storageBytes}).
	 *
	 * @throws IllegalArgumentException when a dim a buffer or kernel needs is not bound
	 * @throws ArithmeticException      when a size or program count does not fit in a long
	 */
	public static LaunchPlan of(TileFunction f, Map<String, Long> dims, ToIntFunction<DType> elementBytes) {
		List<BufferSize> buffers = new ArrayList<>();
		for (Buffer b : f.buffers()) {
			if (b.role() == Buffer.Role.DIM) {
				buffers.add(new BufferSize(b, 1, SCALAR_BYTES, value(b.dim(), dims, b.name())));
			} else {
				long elements = 1;
				for (Dim d : b.shape()) {
					elements = Math.multiplyExact(elements, value(d, dims, b.name()));
				}
				buffers.add(new BufferSize(b, elements, Math.multiplyExact(elements, elementBytes.applyAsInt(b.dtype())), 0));
			}
		}
		List<KernelLaunch> kernels = new ArrayList<>();
		for (Kernel k : f.kernels()) {
			List<long[]> extents = new ArrayList<>();
			Map<String, long[]> byName = new HashMap<>();
			for (KernelArg arg : k.args()) {
				long[] e = new long[arg.rank()];
				for (int d = 0; d < e.length; d++) {
					e[d] = value(arg.shape().get(d), dims, k.name() + "." + arg.name());
				}
				extents.add(e);
				byName.put(arg.name(), e);
			}
			long programs = 1;
			for (Index g : k.grid()) {
				programs = Math.multiplyExact(programs, Math.max(0, g.evaluate(byName)));
			}
			kernels.add(new KernelLaunch(k, extents, programs));
		}
		return new LaunchPlan(f, dims, buffers, kernels);
	}

	/** The size of buffer {@code name}; throws when the function has no such buffer. */
	public BufferSize buffer(String name) {
		for (BufferSize b : buffers) {
			if (b.name().equals(name)) {
				return b;
			}
		}
		throw new IllegalArgumentException("@" + function.name() + " has no buffer '" + name + "'");
	}

	/** The buffers of one role, in the function's order. */
	public List<BufferSize> buffers(Buffer.Role role) {
		return buffers.stream().filter(b -> b.role() == role).toList();
	}

	/** The total bytes of the buffers of one role. */
	public long bytes(Buffer.Role role) {
		long total = 0;
		for (BufferSize b : buffers(role)) {
			total = Math.addExact(total, b.bytes());
		}
		return total;
	}

	/** The sizes by buffer name, in the function's order. */
	public Map<String, Long> bytesByName() {
		Map<String, Long> out = new LinkedHashMap<>();
		buffers.forEach(b -> out.put(b.name(), b.bytes()));
		return out;
	}

	/**
	 * The {@link #SCALAR_BYTES} bytes of a DIM scalar of {@code dtype} holding {@code value},
	 * little-endian in the first bytes as the kernels read it: floats converted (bf16 rounded to
	 * nearest even, as stores do), integers truncated to their width.
	 */
	public static byte[] scalarBytes(DType dtype, long value) {
		ByteBuffer b = ByteBuffer.allocate(SCALAR_BYTES).order(ByteOrder.LITTLE_ENDIAN);
		switch (dtype) {
			case F32 -> b.putFloat(value);
			case F64 -> b.putDouble(value);
			case BF16 -> {
				int bits = Float.floatToRawIntBits(value);
				b.putShort((short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16));
			}
			case F16 -> b.putShort(Float.floatToFloat16(value));
			case I64 -> b.putLong(value);
			case I32 -> b.putInt((int) value);
			case I16 -> b.putShort((short) value);
			case I8, U8, BOOL -> b.put((byte) value);
			default -> throw new UnsupportedOperationException("no scalar storage for " + dtype.sourceName());
		}
		return b.array();
	}

	private static long value(Dim d, Map<String, Long> dims, String what) {
		OptionalLong v = d.evaluate(dims);
		if (v.isEmpty()) {
			throw new IllegalArgumentException(what + ": dim " + d + " is not bound (bind " + d.symbols() + ")");
		}
		return v.getAsLong();
	}
}
