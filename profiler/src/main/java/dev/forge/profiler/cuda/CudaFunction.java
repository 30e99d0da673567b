package dev.forge.profiler.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;

/**
 * Every CUDA driver function Forge binds: its name in {@code cuda.h} (what the documentation calls
 * it), the symbol {@code libcuda.so.1} exports for it, and its FFM signature. The header maps many
 * names by macro to a versioned symbol ({@code #define cuMemAlloc cuMemAlloc_v2}); a symbol lookup
 * sees only exported names, and the un-suffixed exports are the old ABI with 32-bit sizes and
 * pointers, so {@link #symbol} is always the right-hand side of that {@code #define}. The test
 * {@code CudaFunctionTest} checks this table against the prototypes of the CUDA 13 {@code cuda.h}.
 *
 * <p>Types: {@code CUresult}, {@code CUdevice}, enums and {@code unsigned int} are {@code JAVA_INT};
 * {@code size_t} and {@code CUdeviceptr} (a 64-bit integer) are {@code JAVA_LONG}; handles
 * ({@code CUcontext}, {@code CUmodule}, {@code CUfunction}, {@code CUstream}, {@code CUevent}) and
 * all pointers are {@code ADDRESS}. Every function returns a {@code CUresult}.
 */
public enum CudaFunction {
	INIT("cuInit", "cuInit", JAVA_INT),
	DRIVER_GET_VERSION("cuDriverGetVersion", "cuDriverGetVersion", ADDRESS),
	DEVICE_GET("cuDeviceGet", "cuDeviceGet", ADDRESS, JAVA_INT),
	DEVICE_GET_NAME("cuDeviceGetName", "cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT),
	DEVICE_GET_ATTRIBUTE("cuDeviceGetAttribute", "cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT),
	DEVICE_PRIMARY_CTX_RETAIN("cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT),
	CTX_SET_CURRENT("cuCtxSetCurrent", "cuCtxSetCurrent", ADDRESS),
	CTX_SYNCHRONIZE("cuCtxSynchronize", "cuCtxSynchronize"),
	MODULE_LOAD_DATA_EX("cuModuleLoadDataEx", "cuModuleLoadDataEx", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS),
	MODULE_GET_FUNCTION("cuModuleGetFunction", "cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS),
	MODULE_UNLOAD("cuModuleUnload", "cuModuleUnload", ADDRESS),
	FUNC_SET_ATTRIBUTE("cuFuncSetAttribute", "cuFuncSetAttribute", ADDRESS, JAVA_INT, JAVA_INT),
	FUNC_GET_ATTRIBUTE("cuFuncGetAttribute", "cuFuncGetAttribute", ADDRESS, JAVA_INT, ADDRESS),
	LAUNCH_KERNEL("cuLaunchKernel", "cuLaunchKernel", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
			ADDRESS, ADDRESS),
	MEM_ALLOC("cuMemAlloc", "cuMemAlloc_v2", ADDRESS, JAVA_LONG),
	MEM_FREE("cuMemFree", "cuMemFree_v2", JAVA_LONG),
	MEMCPY_HTOD("cuMemcpyHtoD", "cuMemcpyHtoD_v2", JAVA_LONG, ADDRESS, JAVA_LONG),
	MEMCPY_DTOH("cuMemcpyDtoH", "cuMemcpyDtoH_v2", ADDRESS, JAVA_LONG, JAVA_LONG),
	MEMCPY_DTOD("cuMemcpyDtoD", "cuMemcpyDtoD_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG),
	MEMSET_D8("cuMemsetD8", "cuMemsetD8_v2", JAVA_LONG, JAVA_BYTE, JAVA_LONG),
	MEMSET_D32("cuMemsetD32", "cuMemsetD32_v2", JAVA_LONG, JAVA_INT, JAVA_LONG),
	MEM_GET_INFO("cuMemGetInfo", "cuMemGetInfo_v2", ADDRESS, ADDRESS),
	EVENT_CREATE("cuEventCreate", "cuEventCreate", ADDRESS, JAVA_INT),
	EVENT_RECORD("cuEventRecord", "cuEventRecord", ADDRESS, ADDRESS),
	EVENT_SYNCHRONIZE("cuEventSynchronize", "cuEventSynchronize", ADDRESS),
	EVENT_ELAPSED_TIME("cuEventElapsedTime", "cuEventElapsedTime_v2", ADDRESS, ADDRESS, ADDRESS),
	EVENT_DESTROY("cuEventDestroy", "cuEventDestroy_v2", ADDRESS),
	GET_ERROR_NAME("cuGetErrorName", "cuGetErrorName", JAVA_INT, ADDRESS),
	TENSOR_MAP_ENCODE_TILED("cuTensorMapEncodeTiled", "cuTensorMapEncodeTiled", ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
			ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);

	/** The name {@code cuda.h} and its documentation use. */
	public final String api;
	/** The symbol exported by {@code libcuda.so.1} that the header's name stands for. */
	public final String symbol;
	/** The FFM signature: returns {@code CUresult}, parameters as in the class comment. */
	public final FunctionDescriptor descriptor;

	CudaFunction(String api, String symbol, MemoryLayout... parameters) {
		this.api = api;
		this.symbol = symbol;
		this.descriptor = FunctionDescriptor.of(JAVA_INT, parameters);
	}
}
