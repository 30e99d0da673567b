package dev.forge.targets;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * A resolved chip description: its own fields and everything it inherits, flattened to dotted
 * paths ({@code memory.dram.bandwidth}) with plain Java values in base units:
 * <ul>
 * <li>counts and sizes (bytes): {@link Long};</li>
 * <li>bandwidths (bytes/s), rates (FLOP/s or OP/s), frequencies (Hz), numbers: {@link Double};</li>
 * <li>names, strings and versions ({@code "8.0"}): {@link String};</li>
 * <li>flags: {@link Boolean}; lists: an unmodifiable {@link List} of Strings.</li>
 * </ul>
 * The typed accessors name what compilers ask for; the ones that return a plain value read fields
 * that every concrete target of that kind has (the checker makes sure) and throw
 * {@link TargetException} on a target of the other kind.
 *
 * @param name        the target's name ({@code h100})
 * @param description its docstring, or ""
 * @param lineage     the target and its bases, nearest first ({@code [h200, h100, nvidia_hopper]})
 * @param fields      the resolved fields by dotted path, in schema order
 * @param source      the file that declares it ({@code h100.forge}), or ""
 */
public record Target(String name, String description, List<String> lineage, Map<String, Object> fields, String source) {

	private static final Map<String, String> DTYPE_ALIASES = Map.ofEntries(
			Map.entry("fp64", "f64"), Map.entry("float64", "f64"), Map.entry("double", "f64"),
			Map.entry("fp32", "f32"), Map.entry("float32", "f32"), Map.entry("float", "f32"),
			Map.entry("fp16", "f16"), Map.entry("float16", "f16"), Map.entry("half", "f16"),
			Map.entry("bfloat16", "bf16"), Map.entry("int8", "i8"), Map.entry("int4", "i4"),
			Map.entry("e4m3", "f8e4m3"), Map.entry("fp8e4m3", "f8e4m3"), Map.entry("float8_e4m3fn", "f8e4m3"),
			Map.entry("e5m2", "f8e5m2"), Map.entry("fp8e5m2", "f8e5m2"), Map.entry("float8_e5m2", "f8e5m2"));

	public Target {
		lineage = List.copyOf(lineage);
		fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
		description = description == null ? "" : description;
		source = source == null ? "" : source;
	}

	// ------------------------------------------------------------------ any field

	/** The value at a dotted path, if the target has it. */
	public Optional<Object> value(String path) {
		return Optional.ofNullable(fields.get(path));
	}

	public boolean has(String path) {
		return fields.containsKey(path);
	}

	/** A count or size at {@code path}. */
	public OptionalLong optLong(String path) {
		return fields.get(path) instanceof Number n ? OptionalLong.of(n.longValue()) : OptionalLong.empty();
	}

	/** A number, bandwidth, rate or frequency (or a count) at {@code path}. */
	public OptionalDouble optDouble(String path) {
		return fields.get(path) instanceof Number n ? OptionalDouble.of(n.doubleValue()) : OptionalDouble.empty();
	}

	/** A string, name or version at {@code path}. */
	public Optional<String> optString(String path) {
		return fields.get(path) instanceof String s ? Optional.of(s) : Optional.empty();
	}

	public long getLong(String path) {
		return optLong(path).orElseThrow(() -> missing(path));
	}

	public double getDouble(String path) {
		return optDouble(path).orElseThrow(() -> missing(path));
	}

	public String getString(String path) {
		return optString(path).orElseThrow(() -> missing(path));
	}

	/** A flag; an absent flag is false. */
	public boolean flag(String path) {
		return Boolean.TRUE.equals(fields.get(path));
	}

	/** A list of names or strings; an absent list is empty. */
	@SuppressWarnings("unchecked")
	public List<String> getList(String path) {
		return fields.get(path) instanceof List<?> list ? (List<String>) list : List.of();
	}

	private TargetException missing(String path) {
		String kind = optString("kind").orElse("target");
		return new TargetException("target '" + name + "' (a " + kind + ") has no '" + path + "'");
	}

	// ------------------------------------------------------------------ identity

	/** "cpu" or "gpu". */
	public String kind() {
		return getString("kind");
	}

	public boolean isCpu() {
		return TargetSchema.CPU.equals(fields.get("kind"));
	}

	public boolean isGpu() {
		return TargetSchema.GPU.equals(fields.get("kind"));
	}

	/** Whether this target is {@code base} or extends it: {@code h200.isA("nvidia_hopper")}. */
	public boolean isA(String base) {
		return lineage.contains(base);
	}

	public String vendor() {
		return optString("vendor").orElse("");
	}

	public String microarch() {
		return optString("microarch").orElse("");
	}

	/** The clock the peak rates assume, in Hz. */
	public double clockHz() {
		return getDouble("clock");
	}

	/** CPU cores. */
	public int cores() {
		return Math.toIntExact(getLong("cores"));
	}

	/** GPU streaming multiprocessors. */
	public int sms() {
		return Math.toIntExact(getLong("sms"));
	}

	/** The units that run work in parallel: cores on a CPU, SMs on a GPU. */
	public int processors() {
		return isGpu() ? sms() : cores();
	}

	// ------------------------------------------------------------------ instruction set

	/** The LLVM target triple. */
	public String triple() {
		return getString("isa.triple");
	}

	/** The LLVM architecture: x86_64, aarch64, nvptx64. */
	public String llvmArch() {
		return getString("isa.arch");
	}

	/** The LLVM -mcpu of a CPU target ({@code x86-64-v4}), or of a GPU target its SM ({@code sm_90a}). */
	public String llvmCpu() {
		return isGpu() ? smVersion() : optString("isa.cpu").orElse("generic");
	}

	/** The CPU's LLVM target features, without '+'. */
	public List<String> cpuFeatures() {
		return getList("isa.features");
	}

	/** The LLVM feature string: {@code +avx2,+fma,...} for a CPU, {@code +ptx80} for a GPU. */
	public String llvmFeatures() {
		if (isGpu()) {
			return "+ptx" + ptxVersion().replace(".", "");
		}
		return cpuFeatures().stream().map(f -> "+" + f).collect(Collectors.joining(","));
	}

	/** The SM the NVPTX backend targets: {@code sm_90a}. */
	public String smVersion() {
		return getString("isa.sm");
	}

	/** The compute capability as CUDA's number: 90 for 9.0 (from compute_capability, else from the SM). */
	public int computeCapability() {
		Optional<String> cc = optString("isa.compute_capability");
		if (cc.isPresent()) {
			String[] parts = cc.get().split("\\.");
			return Integer.parseInt(parts[0]) * 10 + Integer.parseInt(parts[1]);
		}
		return Integer.parseInt(smVersion().replaceAll("[^0-9]", ""));
	}

	/** The PTX ISA version of emitted PTX, major.minor: {@code 8.0}. */
	public String ptxVersion() {
		return getString("isa.ptx_version");
	}

	/** A capability: a {@code features:} flag, or a CPU's LLVM feature ({@code avx512f}). */
	public boolean hasFeature(String feature) {
		return flag("features." + feature) || cpuFeatures().contains(feature);
	}

	// ------------------------------------------------------------------ compute

	/** The widest vector register of a CPU, in bits. */
	public int vectorBits() {
		return Math.toIntExact(getLong("vector.bits"));
	}

	/** Elements of {@code elementBits} bits in one vector register: 16 for f32 on AVX-512. */
	public int vectorLanes(int elementBits) {
		return vectorBits() / elementBits;
	}

	/** Vector registers of a CPU core. */
	public int vectorRegisters() {
		return Math.toIntExact(getLong("vector.registers"));
	}

	/** Threads per warp. */
	public int warpSize() {
		return Math.toIntExact(getLong("simt.warp_size"));
	}

	public int maxThreadsPerBlock() {
		return Math.toIntExact(getLong("simt.max_threads_per_block"));
	}

	/** 32-bit registers per SM. */
	public int registersPerSm() {
		return Math.toIntExact(getLong("registers.per_sm"));
	}

	/** Registers one thread may use, at most. */
	public int maxRegistersPerThread() {
		return Math.toIntExact(getLong("registers.per_thread"));
	}

	/**
	 * The best peak rate for an element type, whole chip, dense, in FLOP/s (OP/s for integers):
	 * the larger of the matrix engine's and the vector units'. Accepts Forge's dtype names and
	 * common aliases (fp32, int8, e4m3).
	 */
	public OptionalDouble peakFlops(String dtype) {
		OptionalDouble matrix = peakMatrixFlops(dtype);
		OptionalDouble vector = peakVectorFlops(dtype);
		if (matrix.isEmpty()) {
			return vector;
		}
		if (vector.isEmpty()) {
			return matrix;
		}
		return OptionalDouble.of(Math.max(matrix.getAsDouble(), vector.getAsDouble()));
	}

	/** The matrix engine's (tensor cores', AMX's) peak for an element type. */
	public OptionalDouble peakMatrixFlops(String dtype) {
		return optDouble("peak.matrix." + dtype(dtype));
	}

	/** The vector units' (SIMD, CUDA cores') peak for an element type. */
	public OptionalDouble peakVectorFlops(String dtype) {
		return optDouble("peak.vector." + dtype(dtype));
	}

	/** Forge's spelling of a dtype name: {@code fp32} -> {@code f32}. */
	public static String dtype(String name) {
		String lower = name.toLowerCase(Locale.ROOT);
		return DTYPE_ALIASES.getOrDefault(lower, lower);
	}

	/**
	 * The roofline's ridge point for an element type: peak FLOP/s over DRAM bytes/s, the arithmetic
	 * intensity (FLOP per byte) above which a kernel is compute-bound.
	 */
	public OptionalDouble ridgePoint(String dtype) {
		OptionalDouble peak = peakFlops(dtype);
		return peak.isPresent() ? OptionalDouble.of(peak.getAsDouble() / memoryBandwidth()) : OptionalDouble.empty();
	}

	// ------------------------------------------------------------------ memory

	/** DRAM (HBM, DDR) bandwidth in bytes/s. */
	public double memoryBandwidth() {
		return getDouble("memory.dram.bandwidth");
	}

	/** DRAM capacity in bytes. */
	public OptionalLong memorySize() {
		return optLong("memory.dram.size");
	}

	/** A cache level's capacity (per its scope unit) in bytes: {@code l1d}, {@code l1}, {@code l2}, {@code l3}. */
	public OptionalLong cacheSize(String level) {
		return optLong("memory." + level + ".size");
	}

	/** A cache level's line size in bytes. */
	public OptionalLong cacheLine(String level) {
		return optLong("memory." + level + ".line");
	}

	/** Shared memory one block may use (after the opt-in), in bytes. */
	public long sharedMemoryPerBlock() {
		return getLong("memory.shared.per_block");
	}

	/** Shared memory per SM, in bytes. */
	public long sharedMemoryPerSm() {
		return getLong("memory.shared.per_sm");
	}

	/** Shared-memory banks. */
	public int sharedMemoryBanks() {
		return Math.toIntExact(getLong("memory.shared.banks"));
	}

	/** Bytes per shared-memory bank (per cycle). */
	public int sharedMemoryBankWidth() {
		return Math.toIntExact(getLong("memory.shared.bank_width"));
	}

	/** One line: {@code h100: NVIDIA H100 SXM5 80GB (gpu, 132 SMs, 3.35 TB/s)}. */
	public String summary() {
		StringBuilder out = new StringBuilder(name);
		if (!description.isEmpty()) {
			out.append(": ").append(description);
		}
		out.append(" (").append(optString("kind").orElse("?"));
		if (isGpu() && has("sms")) {
			out.append(", ").append(sms()).append(" SMs");
		} else if (isCpu() && has("cores")) {
			out.append(", ").append(cores()).append(cores() == 1 ? " core" : " cores");
		}
		optDouble("memory.dram.bandwidth").ifPresent(b -> out.append(", ").append(TargetSchema.format(TargetSchema.Kind.BANDWIDTH, b)));
		return out.append(')').toString();
	}

	/** Every field, one a line, with units: {@code memory.dram.bandwidth = 3.35 TB/s}. */
	public String describe() {
		StringBuilder out = new StringBuilder();
		out.append("target ").append(name);
		if (lineage.size() > 1) {
			out.append(" extends ").append(lineage.get(1));
		}
		out.append('\n');
		fields.forEach((path, value) -> out.append("    ").append(path).append(" = ").append(TargetSchema.format(path, value)).append('\n'));
		return out.toString();
	}
}
