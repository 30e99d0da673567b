package dev.forge.profiler.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The CUDA driver API through Java's Foreign Function & Memory API: {@code libcuda.so.1} is loaded
 * on first use ({@link #load}), each function of {@link CudaFunction} bound by its exported symbol,
 * and every call that fails throws a {@link CudaException} naming the call and the {@code CUresult}.
 * One instance per process; all calls from one thread (the worker's), on the current context.
 *
 * <p>Only plain device allocations ({@code cuMemAlloc_v2}), never managed memory: asking for more
 * managed memory than the card has can hang the GPU, not only this process. Device pointers are
 * {@code long}s; handles (context, module, function, event) are {@link MemorySegment} addresses.
 */
public final class CudaDriver {

	/** {@code CU_JIT_*} options (cuda.h, CUDA 13). */
	static final int JIT_INFO_LOG_BUFFER = 3, JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4, JIT_ERROR_LOG_BUFFER = 5,
			JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6, JIT_LOG_VERBOSE = 12, JIT_GENERATE_LINE_INFO = 13;
	/** {@code CU_DEVICE_ATTRIBUTE_*}. */
	public static final int ATTRIBUTE_MULTIPROCESSOR_COUNT = 16, ATTRIBUTE_L2_CACHE_SIZE = 38, ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
			ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76, ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
	/** {@code CU_FUNC_ATTRIBUTE_*}. */
	public static final int FUNC_LOCAL_SIZE_BYTES = 3, FUNC_NUM_REGS = 4, FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
	/** Dynamic shared memory a launch may ask for without raising the function's limit first. */
	public static final int DEFAULT_SHARED_LIMIT = 48 << 10;

	/** Bytes of each JIT log buffer: room for the verbose per-kernel lines of a large module. */
	private static final int LOG_BYTES = 64 << 10;

	private static CudaDriver instance;
	private static GpuUnavailableException unavailable;

	private final MethodHandle[] handles = new MethodHandle[CudaFunction.values().length];

	private CudaDriver(SymbolLookup library) {
		Linker linker = Linker.nativeLinker();
		for (CudaFunction f : CudaFunction.values()) {
			MemorySegment address = library.find(f.symbol)
					.orElseThrow(() -> new GpuUnavailableException("the NVIDIA driver's libcuda.so.1 has no " + f.symbol + " (driver too old?)"));
			handles[f.ordinal()] = linker.downcallHandle(address, f.descriptor);
		}
	}

	/**
	 * The driver, loading {@code libcuda.so.1} the first time (the dynamic loader's search path:
	 * {@code LD_LIBRARY_PATH}, the ld cache). Does not initialise it: see {@link #init}.
	 *
	 * @throws GpuUnavailableException when there is no such library (a machine without the NVIDIA driver)
	 */
	public static synchronized CudaDriver load() {
		if (instance != null) {
			return instance;
		}
		if (unavailable != null) {
			throw unavailable;
		}
		SymbolLookup library;
		try {
			library = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
		} catch (IllegalArgumentException e) {
			unavailable = new GpuUnavailableException(GpuUnavailableException.NO_DRIVER);
			throw unavailable;
		}
		instance = new CudaDriver(library);
		return instance;
	}

	private MethodHandle h(CudaFunction f) {
		return handles[f.ordinal()];
	}

	// ---------------------------------------------------------------- errors

	/** {@code CUDA_ERROR_ILLEGAL_ADDRESS} for 700; {@code CUresult 12345} for a value the driver does not name. */
	public String errorName(int code) {
		try (Arena a = Arena.ofConfined()) {
			MemorySegment out = a.allocate(ADDRESS);
			int r = (int) h(CudaFunction.GET_ERROR_NAME).invokeExact(code, out);
			MemorySegment name = out.get(ADDRESS, 0);
			return r == 0 && !name.equals(MemorySegment.NULL) ? name.reinterpret(256).getString(0) : "CUresult " + code;
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	private void check(int result, String call) {
		if (result != 0) {
			throw new CudaException(call, result, errorName(result), null);
		}
	}

	private static RuntimeException rethrow(Throwable t) {
		if (t instanceof RuntimeException r) {
			throw r;
		}
		if (t instanceof Error e) {
			throw e;
		}
		return new IllegalStateException(t);
	}

	// ---------------------------------------------------------------- device and context

	/**
	 * {@code cuInit(0)}.
	 *
	 * @throws GpuUnavailableException when the driver finds no usable GPU (no device, a stub library,
	 *                                 a driver older than the library)
	 */
	public void init() {
		int r;
		try {
			r = (int) h(CudaFunction.INIT).invokeExact(0);
		} catch (Throwable t) {
			throw rethrow(t);
		}
		switch (r) {
			case 0 -> {
			}
			// NO_DEVICE 100, STUB_LIBRARY 34, INSUFFICIENT_DRIVER 35, NOT_SUPPORTED 801, SYSTEM_DRIVER_MISMATCH 803
			case 100, 34, 35, 801, 803 -> throw new GpuUnavailableException("no usable NVIDIA GPU: cuInit failed: " + errorName(r));
			default -> check(r, "cuInit");
		}
	}

	/** The driver's CUDA version, e.g. 13000 for 13.0. */
	public int driverVersion() {
		try (Arena a = Arena.ofConfined()) {
			MemorySegment out = a.allocate(JAVA_INT);
			check((int) h(CudaFunction.DRIVER_GET_VERSION).invokeExact(out), "cuDriverGetVersion");
			return out.get(JAVA_INT, 0);
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	public int device(int ordinal) {
		try (Arena a = Arena.ofConfined()) {
			MemorySegment out = a.allocate(JAVA_INT);
			check((int) h(CudaFunction.DEVICE_GET).invokeExact(out, ordinal), "cuDeviceGet(" + ordinal + ")");
			return out.get(JAVA_INT, 0);
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	public String deviceName(int device) {
		try (Arena a = Arena.ofConfined()) {
			MemorySegment out = a.allocate(256);
			check((int) h(CudaFunction.DEVICE_GET_NAME).invokeExact(out, 256, device), "cuDeviceGetName");
			return out.getString(0);
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/** A {@code CU_DEVICE_ATTRIBUTE_*} of {@code device}. */
	public int attribute(int attribute, int device) {
		try (Arena a = Arena.ofConfined()) {
			MemorySegment out = a.allocate(JAVA_INT);
			check((int) h(CudaFunction.DEVICE_GET_ATTRIBUTE).invokeExact(out, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
			return out.get(JAVA_INT, 0);
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/** Retains the device's primary context and makes it current on this thread (no {@code cuCtxCreate}: its signature changed in CUDA 13). */
	public MemorySegment usePrimaryContext(int device) {
		try (Arena a = Arena.ofConfined()) {
			MemorySegment out = a.allocate(ADDRESS);
			check((int) h(CudaFunction.DEVICE_PRIMARY_CTX_RETAIN).invokeExact(out, device), "cuDevicePrimaryCtxRetain");
			MemorySegment context = out.get(ADDRESS, 0);
			check((int) h(CudaFunction.CTX_SET_CURRENT).invokeExact(context), "cuCtxSetCurrent");
			return context;
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/** Waits for all work; where a kernel's fault surfaces. {@code after} names what ran last, for the message. */
	public void synchronize(String after) {
		try {
			check((int) h(CudaFunction.CTX_SYNCHRONIZE).invokeExact(), after == null ? "cuCtxSynchronize" : "cuCtxSynchronize(after " + after + ")");
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/** Free and total device memory in bytes. */
	public long[] memoryInfo() {
		try (Arena a = Arena.ofConfined()) {
			MemorySegment free = a.allocate(JAVA_LONG);
			MemorySegment total = a.allocate(JAVA_LONG);
			check((int) h(CudaFunction.MEM_GET_INFO).invokeExact(free, total), "cuMemGetInfo");
			return new long[] { free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0) };
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	// ---------------------------------------------------------------- modules and kernels

	/** A loaded module and what the JIT said about it (verbose: registers, shared memory and spills per kernel). */
	public record Module(MemorySegment handle, String infoLog) {
	}

	/**
	 * JIT-compiles and loads {@code ptx} with line info (so compute-sanitizer and ncu show Forge
	 * lines) and a verbose info log. A module that does not load throws with the JIT's error log.
	 */
	public Module loadModule(String ptx, String name) {
		try (Arena a = Arena.ofConfined()) {
			MemorySegment image = a.allocateFrom(ptx); // NUL-terminated, as the driver requires
			MemorySegment info = a.allocate(LOG_BYTES);
			MemorySegment error = a.allocate(LOG_BYTES);
			int[] keys = { JIT_INFO_LOG_BUFFER, JIT_INFO_LOG_BUFFER_SIZE_BYTES, JIT_ERROR_LOG_BUFFER, JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
					JIT_LOG_VERBOSE, JIT_GENERATE_LINE_INFO };
			// Integer option values travel in the pointer slots themselves.
			MemorySegment[] values = { info, MemorySegment.ofAddress(LOG_BYTES), error, MemorySegment.ofAddress(LOG_BYTES),
					MemorySegment.ofAddress(1), MemorySegment.ofAddress(1) };
			MemorySegment options = a.allocateFrom(JAVA_INT, keys);
			MemorySegment optionValues = a.allocate(ADDRESS, values.length);
			for (int i = 0; i < values.length; i++) {
				optionValues.setAtIndex(ADDRESS, i, values[i]);
			}
			MemorySegment out = a.allocate(ADDRESS);
			int r = (int) h(CudaFunction.MODULE_LOAD_DATA_EX).invokeExact(out, image, keys.length, options, optionValues);
			if (r != 0) {
				throw new CudaException("cuModuleLoadDataEx(" + name + ")", r, errorName(r), error.getString(0));
			}
			return new Module(out.get(ADDRESS, 0), info.getString(0).strip());
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	public void unloadModule(MemorySegment module) {
		try {
			check((int) h(CudaFunction.MODULE_UNLOAD).invokeExact(module), "cuModuleUnload");
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/** The kernel {@code symbol} of a loaded module. */
	public MemorySegment function(MemorySegment module, String symbol) {
		try (Arena a = Arena.ofConfined()) {
			MemorySegment out = a.allocate(ADDRESS);
			check((int) h(CudaFunction.MODULE_GET_FUNCTION).invokeExact(out, module, a.allocateFrom(symbol)), "cuModuleGetFunction(@" + symbol + ")");
			return out.get(ADDRESS, 0);
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/** Sets a {@code CU_FUNC_ATTRIBUTE_*}; {@link #FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES} must be raised before a launch asking above 48 KiB. */
	public void setFunctionAttribute(MemorySegment function, String symbol, int attribute, int value) {
		try {
			check((int) h(CudaFunction.FUNC_SET_ATTRIBUTE).invokeExact(function, attribute, value),
					"cuFuncSetAttribute(@" + symbol + ", " + attribute + ", " + value + ")");
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/** A {@code CU_FUNC_ATTRIBUTE_*} of a kernel (registers per thread, local memory: spills). */
	public int functionAttribute(MemorySegment function, String symbol, int attribute) {
		try (Arena a = Arena.ofConfined()) {
			MemorySegment out = a.allocate(JAVA_INT);
			check((int) h(CudaFunction.FUNC_GET_ATTRIBUTE).invokeExact(out, attribute, function), "cuFuncGetAttribute(@" + symbol + ")");
			return out.get(JAVA_INT, 0);
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/**
	 * Encodes a TMA tensor map into {@code map} (128 bytes, 64-aligned) for a row-major tensor at
	 * device address {@code address}: {@code dims} and {@code box} innermost first, {@code strides} the
	 * byte strides of dims 1.. (rank - 1 of them), element strides 1, no interleave, {@code swizzle}
	 * (CU_TENSOR_MAP_SWIZZLE_*), L2 promotion of 128 bytes, out-of-bounds elements zero. Returns the
	 * CUresult (0 on success): the caller decides whether a refusal matters.
	 */
	public int encodeTensorMap(MemorySegment map, int dataType, long address, long[] dims, long[] strides, int[] box, int swizzle) {
		try (Arena a = Arena.ofConfined()) {
			int[] ones = new int[dims.length];
			java.util.Arrays.fill(ones, 1);
			return (int) h(CudaFunction.TENSOR_MAP_ENCODE_TILED).invokeExact(map, dataType, dims.length, MemorySegment.ofAddress(address),
					a.allocateFrom(JAVA_LONG, dims), strides.length == 0 ? a.allocate(8) : a.allocateFrom(JAVA_LONG, strides),
					a.allocateFrom(JAVA_INT, box), a.allocateFrom(JAVA_INT, ones), 0, swizzle, 2, 0);
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/**
	 * Launches {@code blocks x threads} on the default stream. {@code params} is the
	 * {@code void*[]} of pointers to each parameter's bytes. Returns once queued: a fault shows at the
	 * next synchronisation.
	 */
	public void launch(MemorySegment function, String kernel, int blocks, int threads, int sharedBytes, MemorySegment params) {
		int r;
		try {
			r = (int) h(CudaFunction.LAUNCH_KERNEL).invokeExact(function, blocks, 1, 1, threads, 1, 1, sharedBytes, MemorySegment.NULL, params,
					MemorySegment.NULL);
		} catch (Throwable t) {
			throw rethrow(t);
		}
		if (r != 0) {
			throw new CudaException("cuLaunchKernel(@" + kernel + ")", r, errorName(r), null);
		}
	}

	// ---------------------------------------------------------------- memory

	/** {@code bytes} of device memory (at least 1); {@code what} names it in an error. */
	public long allocate(long bytes, String what) {
		try (Arena a = Arena.ofConfined()) {
			MemorySegment out = a.allocate(JAVA_LONG);
			check((int) h(CudaFunction.MEM_ALLOC).invokeExact(out, Math.max(1, bytes)), "cuMemAlloc(" + what + ", " + bytes + " bytes)");
			return out.get(JAVA_LONG, 0);
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	public void free(long pointer) {
		try {
			check((int) h(CudaFunction.MEM_FREE).invokeExact(pointer), "cuMemFree");
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	public void copyToDevice(long device, MemorySegment host, long bytes, String what) {
		try {
			check((int) h(CudaFunction.MEMCPY_HTOD).invokeExact(device, host, bytes), "cuMemcpyHtoD(" + what + ")");
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	public void copyToHost(MemorySegment host, long device, long bytes, String what) {
		try {
			check((int) h(CudaFunction.MEMCPY_DTOH).invokeExact(host, device, bytes), "cuMemcpyDtoH(" + what + ")");
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	public void copyOnDevice(long to, long from, long bytes, String what) {
		try {
			check((int) h(CudaFunction.MEMCPY_DTOD).invokeExact(to, from, bytes), "cuMemcpyDtoD(" + what + ")");
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/** Sets {@code bytes} bytes to {@code value}. */
	public void fill(long device, byte value, long bytes, String what) {
		try {
			check((int) h(CudaFunction.MEMSET_D8).invokeExact(device, value, bytes), "cuMemsetD8(" + what + ")");
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/** Sets {@code words} 4-byte words to {@code value}: the fast way to overwrite a large buffer (the L2 flush). */
	public void fillWords(long device, int value, long words, String what) {
		try {
			check((int) h(CudaFunction.MEMSET_D32).invokeExact(device, value, words), "cuMemsetD32(" + what + ")");
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	// ---------------------------------------------------------------- events

	/** An event with timing enabled (flags 0). */
	public MemorySegment createEvent() {
		try (Arena a = Arena.ofConfined()) {
			MemorySegment out = a.allocate(ADDRESS);
			check((int) h(CudaFunction.EVENT_CREATE).invokeExact(out, 0), "cuEventCreate");
			return out.get(ADDRESS, 0);
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/** Records {@code event} on the default stream, after the work queued so far. */
	public void record(MemorySegment event) {
		try {
			check((int) h(CudaFunction.EVENT_RECORD).invokeExact(event, MemorySegment.NULL), "cuEventRecord");
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/** Waits for {@code event}; a fault of the work before it surfaces here. */
	public void synchronize(MemorySegment event, String after) {
		try {
			check((int) h(CudaFunction.EVENT_SYNCHRONIZE).invokeExact(event), after == null ? "cuEventSynchronize" : "cuEventSynchronize(after " + after + ")");
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}

	/** Milliseconds between two completed events (resolution about 0.5 us). */
	public float elapsedMs(MemorySegment start, MemorySegment end, Arena scratch) {
		MemorySegment out = scratch.allocate(JAVA_FLOAT);
		try {
			check((int) h(CudaFunction.EVENT_ELAPSED_TIME).invokeExact(out, start, end), "cuEventElapsedTime");
		} catch (Throwable t) {
			throw rethrow(t);
		}
		return out.get(JAVA_FLOAT, 0);
	}

	public void destroyEvent(MemorySegment event) {
		try {
			check((int) h(CudaFunction.EVENT_DESTROY).invokeExact(event), "cuEventDestroy");
		} catch (Throwable t) {
			throw rethrow(t);
		}
	}
}
