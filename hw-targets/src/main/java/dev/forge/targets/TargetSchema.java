package dev.forge.targets;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The fields a chip description may declare: their nesting, kinds, units, the kinds of chip they
 * describe and which ones a concrete target must have. The checker, the resolver and editor
 * services (completion, hover) all read this one table; docs/targets.md prints it for people.
 *
 * <p>Values convert to base units: sizes to bytes ({@code long}), bandwidths to bytes/s, rates to
 * FLOP/s (or OP/s), frequencies to Hz (all {@code double}).
 */
public final class TargetSchema {

	/** The kinds of chip. */
	public static final String CPU = "cpu";
	public static final String GPU = "gpu";
	public static final List<String> CHIP_KINDS = List.of(CPU, GPU);

	/** Element types a peak rate or a matrix engine names (Forge's dtype spellings). */
	public static final List<String> DTYPES = List.of("f64", "f32", "tf32", "bf16", "f16", "f8e4m3", "f8e5m2", "i8", "i4");

	/** What a field holds. */
	public enum Kind {
		INT("a count", null),
		NUMBER("a number", null),
		VERSION("a version", null),
		BOOL("a flag", null),
		STRING("a string", null),
		SYMBOL("a name", null),
		LIST("a list", null),
		SIZE("a size", "B, KiB or GiB"),
		BANDWIDTH("a bandwidth", "GB/s or TB/s"),
		RATE("a rate", "GFLOP/s or TFLOP/s"),
		FREQUENCY("a frequency", "MHz or GHz"),
		BLOCK("a block", null);

		private final String noun;
		private final String unitExamples;

		Kind(String noun, String unitExamples) {
			this.noun = noun;
			this.unitExamples = unitExamples;
		}

		/** "a bandwidth": how messages name the kind. */
		public String noun() {
			return noun;
		}

		/** "GB/s or TB/s" for the kinds that take a unit, else null. */
		public String unitExamples() {
			return unitExamples;
		}

		/** Sizes, bandwidths, rates and frequencies: numbers that need a unit. */
		public boolean hasUnit() {
			return unitExamples != null;
		}

		/** Written as a number: counts, numbers and the kinds with units. */
		public boolean isQuantity() {
			return this == INT || this == NUMBER || hasUnit();
		}
	}

	/** A unit: its spelling, the kind it measures and its factor to the base unit. */
	public record Unit(String symbol, Kind kind, BigDecimal factor) {
	}

	/** One declared field or block. Immutable once the schema is built. */
	public static final class Field {
		private final String name;
		private final Kind kind;
		private final String doc;
		private String path;
		private Field parent;
		private Set<String> appliesTo = Set.of();
		private Set<String> requiredFor = Set.of();
		private List<String> values = List.of();
		private Pattern pattern;
		private String patternExample;
		private Kind elementKind;
		private boolean signed;
		private boolean inherited = true;
		private final Map<String, Field> children = new LinkedHashMap<>();

		private Field(String name, Kind kind, String doc) {
			this.name = name;
			this.kind = kind;
			this.doc = doc;
		}

		public String name() {
			return name;
		}

		/** The dotted path from the target's top level: {@code memory.dram.bandwidth}. */
		public String path() {
			return path;
		}

		public Kind kind() {
			return kind;
		}

		/** One line of documentation (hover text). */
		public String doc() {
			return doc;
		}

		/** The enclosing block, null at the top level. */
		public Field parent() {
			return parent == ROOT ? null : parent;
		}

		public boolean isBlock() {
			return kind == Kind.BLOCK;
		}

		/** The chip kinds this field describes (its own or its block's); empty: every kind. */
		public Set<String> appliesTo() {
			if (!appliesTo.isEmpty() || parent == null) {
				return appliesTo;
			}
			return parent.appliesTo();
		}

		/** The chip kinds whose concrete targets must set this field. */
		public Set<String> requiredFor() {
			return requiredFor;
		}

		/** For symbols (and lists of symbols): the names allowed; empty: any name. */
		public List<String> values() {
			return values;
		}

		/** For symbols (and lists of symbols): the shape a name must have, or null. */
		public Pattern pattern() {
			return pattern;
		}

		/** How a name matching {@link #pattern()} looks, for messages: {@code sm_90 or sm_90a}. */
		public String patternExample() {
			return patternExample;
		}

		/** For lists: the kind of the items. */
		public Kind elementKind() {
			return elementKind;
		}

		/** Whether a negative number is allowed. */
		public boolean signed() {
			return signed;
		}

		/** False for {@code abstract}: a base's value does not pass to the targets that extend it. */
		public boolean inherited() {
			return inherited;
		}

		public Optional<Field> child(String childName) {
			return Optional.ofNullable(children.get(childName));
		}

		public List<Field> children() {
			return List.copyOf(children.values());
		}

		@Override
		public String toString() {
			return path + " (" + kind.name().toLowerCase(Locale.ROOT) + ")";
		}

		// ---- construction only

		private Field only(String... kinds) {
			this.appliesTo = Set.of(kinds);
			return this;
		}

		private Field required(String... kinds) {
			this.requiredFor = Set.of(kinds);
			return this;
		}

		private Field oneOf(List<String> allowed) {
			this.values = List.copyOf(allowed);
			return this;
		}

		private Field matching(String regex, String example) {
			this.pattern = Pattern.compile(regex);
			this.patternExample = example;
			return this;
		}

		private Field notInherited() {
			this.inherited = false;
			return this;
		}

		private Field with(Field... fields) {
			for (Field child : fields) {
				if (children.put(child.name, child) != null) {
					throw new IllegalStateException("schema declares " + child.name + " twice");
				}
			}
			return this;
		}

		private void seal(Field enclosing, String prefix) {
			this.parent = enclosing;
			this.path = prefix;
			for (Field child : children.values()) {
				child.seal(this, prefix.isEmpty() ? child.name : prefix + "." + child.name);
			}
		}
	}

	// ------------------------------------------------------------------ the schema

	private static final String[] ALL = { CPU, GPU };

	private static Field count(String name, String doc) {
		return new Field(name, Kind.INT, doc);
	}

	private static Field size(String name, String doc) {
		return new Field(name, Kind.SIZE, doc);
	}

	private static Field flag(String name, String doc) {
		return new Field(name, Kind.BOOL, doc);
	}

	private static Field symbol(String name, String doc) {
		return new Field(name, Kind.SYMBOL, doc);
	}

	private static Field string(String name, String doc) {
		return new Field(name, Kind.STRING, doc);
	}

	private static Field list(String name, Kind element, String doc) {
		Field field = new Field(name, Kind.LIST, doc);
		field.elementKind = element;
		return field;
	}

	private static Field block(String name, String doc, Field... children) {
		return new Field(name, Kind.BLOCK, doc).with(children);
	}

	private static Field cache(String name, String doc) {
		return block(name, doc,
				size("size", "capacity, per scope unit"),
				size("line", "line size: the unit of transfer and of false sharing"),
				size("sector", "sector size: the unit of a partial-line transfer"),
				count("ways", "associativity"),
				symbol("scope", "who shares one instance: core, sm or chip").oneOf(List.of("core", "sm", "chip")));
	}

	private static Field rates(String name, String doc) {
		Field block = block(name, doc);
		for (String dtype : DTYPES) {
			block.with(new Field(dtype, Kind.RATE, "peak " + dtype + " rate of " + name + " units, whole chip, dense"));
		}
		return block;
	}

	private static final Field ROOT = block("", "a chip description",
			flag("abstract", "a base only: not a usable target, exempt from required fields; not inherited").notInherited(),
			symbol("kind", "cpu or gpu: which backend and cost model apply").oneOf(CHIP_KINDS).required(ALL),
			string("vendor", "the chip's maker"),
			symbol("microarch", "microarchitecture: hopper, sapphire_rapids, ..."),
			new Field("clock", Kind.FREQUENCY, "the clock the peak rates assume (max boost for GPUs)").required(ALL),
			count("cores", "CPU cores the target may use").only(CPU).required(CPU),
			count("threads_per_core", "hardware threads per core").only(CPU),
			count("sms", "streaming multiprocessors").only(GPU).required(GPU),
			block("isa", "instruction set: what the LLVM backend is told",
					symbol("arch", "LLVM architecture: x86_64, aarch64 or nvptx64").oneOf(List.of("x86_64", "aarch64", "nvptx64")).required(ALL),
					string("triple", "LLVM target triple").required(ALL),
					string("cpu", "LLVM -mcpu of a host target").only(CPU),
					list("features", Kind.STRING, "LLVM target features, without '+'").only(CPU),
					symbol("sm", "the NVPTX -mcpu: sm_90, sm_90a, ...").matching("sm_[0-9]+[a-z]?", "sm_90 or sm_90a").only(GPU).required(GPU),
					new Field("ptx_version", Kind.VERSION, "PTX ISA version of the emitted PTX: 8.0").only(GPU).required(GPU),
					new Field("compute_capability", Kind.VERSION, "CUDA compute capability: 9.0").only(GPU)),
			block("vector", "SIMD units of a CPU core",
					count("bits", "widest vector register, in bits").required(CPU),
					count("registers", "vector registers"),
					count("mask_registers", "predicate (mask) registers"),
					count("fma_units", "vector FMA units per core (FMAs issued per cycle)")).only(CPU),
			block("simt", "threads, warps and their limits",
					count("warp_size", "threads that execute in lockstep").required(GPU),
					count("sub_partitions", "warp schedulers (SM sub-partitions) per SM"),
					count("max_threads_per_block", "threads in one block, at most"),
					count("max_threads_per_sm", "resident threads per SM, at most"),
					count("max_warps_per_sm", "resident warps per SM, at most"),
					count("max_blocks_per_sm", "resident blocks per SM, at most"),
					count("fp32_lanes", "FP32 lanes (CUDA cores) per SM"),
					count("fp64_lanes", "FP64 lanes per SM")).only(GPU),
			block("registers", "the register file",
					count("per_sm", "32-bit registers per SM").required(GPU),
					count("per_block", "registers one block may use, at most"),
					count("per_thread", "registers one thread may use, at most").required(GPU),
					count("allocation_unit", "registers are allocated per warp in multiples of this"),
					size("width", "width of one register")).only(GPU),
			block("cluster", "thread-block clusters",
					count("max_size", "blocks in a cluster, portable limit"),
					count("max_size_nonportable", "blocks in a cluster, with the non-portable opt-in")).only(GPU),
			block("features", "capabilities the backend may use",
					flag("tma", "Tensor Memory Accelerator: cp.async.bulk.tensor"),
					flag("cp_async", "cp.async: asynchronous global-to-shared copies"),
					flag("cp_async_bulk", "cp.async.bulk: bulk asynchronous copies"),
					flag("mbarrier", "transaction-count barriers in shared memory"),
					flag("clusters", "thread-block clusters"),
					flag("distributed_shared", "access to the shared memory of other blocks in the cluster"),
					flag("setmaxnreg", "warp-group register reallocation"),
					flag("fp8", "FP8 (e4m3, e5m2) matrix inputs")).only(GPU),
			block("matrix", "the matrix engine: tensor cores, AMX, ...",
					symbol("engine", "tensor_core, amx, ..."),
					count("units", "matrix units per SM or core"),
					list("dtypes", Kind.SYMBOL, "input element types").oneOf(DTYPES),
					list("mma", Kind.SYMBOL, "warp-level mma.sync shapes: m16n8k16, ...").matching("m[0-9]+n[0-9]+k[0-9]+", "m16n8k16").only(GPU),
					list("wgmma", Kind.SYMBOL, "warp-group MMA shapes (N free): m64nNk16, ...").matching("m[0-9]+n(N|[0-9]+)k[0-9]+", "m64nNk16").only(GPU),
					count("tiles", "tile registers").only(CPU),
					size("tile_size", "bytes per tile register").only(CPU)),
			block("memory", "the memory hierarchy",
					block("dram", "off-chip memory (HBM, DDR)",
							symbol("type", "ddr5, hbm3, ...").oneOf(List.of("ddr4", "ddr5", "lpddr4", "lpddr5", "gddr6", "gddr6x", "gddr7", "hbm2", "hbm2e", "hbm3", "hbm3e")),
							size("size", "capacity"),
							new Field("bandwidth", Kind.BANDWIDTH, "sustainable bandwidth (the roofline's slope)").required(ALL)),
					cache("l1d", "level-1 data cache").only(CPU),
					cache("l1", "level-1 cache (on a GPU: shares its SRAM with shared memory)").only(GPU),
					cache("l2", "level-2 cache"),
					cache("l3", "level-3 cache"),
					block("shared", "shared memory: the software-managed scratchpad of an SM",
							size("per_sm", "shared memory per SM").required(GPU),
							size("per_block", "shared memory one block may use, at most (with the opt-in)").required(GPU),
							size("static_per_block", "shared memory per block without the opt-in"),
							size("reserved_per_block", "shared memory the runtime reserves per resident block"),
							count("banks", "banks").required(GPU),
							size("bank_width", "bytes per bank per cycle").required(GPU)).only(GPU)),
			block("peak", "peak rates by element type, whole chip, dense",
					rates("vector", "vector (SIMD / CUDA-core)"),
					rates("matrix", "matrix-engine (tensor-core / AMX)")),
			block("interconnect", "links to other chips and the host",
					new Field("nvlink", Kind.BANDWIDTH, "NVLink bandwidth, both directions together").only(GPU),
					new Field("pcie", Kind.BANDWIDTH, "PCIe bandwidth, each direction")));

	static {
		ROOT.child("peak").orElseThrow().child("vector").orElseThrow().child("f32").orElseThrow().required(ALL);
		ROOT.seal(null, "");
	}

	private static final Map<String, Unit> UNITS = new LinkedHashMap<>();

	static {
		String[][] sizes = { { "B", "1" }, { "KB", "1e3" }, { "MB", "1e6" }, { "GB", "1e9" }, { "TB", "1e12" },
				{ "KiB", "1024" }, { "MiB", "1048576" }, { "GiB", "1073741824" }, { "TiB", "1099511627776" } };
		for (String[] s : sizes) {
			unit(s[0], Kind.SIZE, s[1]);
		}
		for (String[] s : sizes) {
			unit(s[0] + "/s", Kind.BANDWIDTH, s[1]);
		}
		String[][] prefixes = { { "", "1" }, { "M", "1e6" }, { "G", "1e9" }, { "T", "1e12" }, { "P", "1e15" } };
		for (String op : List.of("FLOP", "OP")) {
			for (String[] p : prefixes) {
				unit(p[0] + op + "/s", Kind.RATE, p[1]);
			}
		}
		unit("Hz", Kind.FREQUENCY, "1");
		unit("kHz", Kind.FREQUENCY, "1e3");
		unit("MHz", Kind.FREQUENCY, "1e6");
		unit("GHz", Kind.FREQUENCY, "1e9");
	}

	private static void unit(String symbol, Kind kind, String factor) {
		UNITS.put(symbol, new Unit(symbol, kind, new BigDecimal(factor)));
	}

	private TargetSchema() {
	}

	/** The top level of a target: a block whose children are the top-level fields. */
	public static Field root() {
		return ROOT;
	}

	/** The field at a dotted path ({@code memory.shared.per_block}), if the schema declares it. */
	public static Optional<Field> field(String path) {
		Field at = ROOT;
		for (String segment : path.split("\\.", -1)) {
			Optional<Field> next = at.child(segment);
			if (next.isEmpty()) {
				return Optional.empty();
			}
			at = next.get();
		}
		return Optional.of(at);
	}

	/** Every field and block, depth first, in declaration order. */
	public static List<Field> all() {
		List<Field> out = new ArrayList<>();
		collect(ROOT, out);
		return Collections.unmodifiableList(out);
	}

	private static void collect(Field block, List<Field> out) {
		for (Field child : block.children.values()) {
			out.add(child);
			collect(child, out);
		}
	}

	/** The fields a concrete target of this chip kind must set. */
	public static List<Field> required(String chipKind) {
		return all().stream().filter(f -> f.requiredFor().contains(chipKind)).toList();
	}

	/** The unit spelled {@code symbol} ({@code GB/s}); spelling is case-sensitive. */
	public static Optional<Unit> unit(String symbol) {
		return Optional.ofNullable(UNITS.get(symbol));
	}

	/** The units of one kind, in table order. */
	public static List<Unit> units(Kind kind) {
		return UNITS.values().stream().filter(u -> u.kind() == kind).toList();
	}

	/** Every unit spelling. */
	public static List<String> unitSymbols() {
		return List.copyOf(UNITS.keySet());
	}

	// ------------------------------------------------------------------ printing values

	/**
	 * The value of the field at {@code path} the way a person reads it, integer rates in OP/s
	 * ({@code peak.matrix.i8 = 1978.9 TOP/s}); fields the schema does not know print as they read.
	 */
	public static String format(String path, Object value) {
		Optional<Field> field = field(path);
		if (field.isEmpty()) {
			return value instanceof Boolean b ? (b ? "True" : "False") : String.valueOf(value);
		}
		if (field.get().kind() == Kind.RATE && field.get().name().startsWith("i") && value instanceof Number n) {
			return formatDecimal(n.doubleValue(), "OP/s");
		}
		return format(field.get().kind(), value);
	}

	/** A value the way a person reads it: {@code 3.35 TB/s}, {@code 227 KiB}, {@code 1.98 GHz}. */
	public static String format(Kind kind, Object value) {
		if (value == null) {
			return "none";
		}
		return switch (kind) {
			case SIZE -> formatBytes(((Number) value).longValue());
			case BANDWIDTH -> formatDecimal(((Number) value).doubleValue(), "B/s");
			case RATE -> formatDecimal(((Number) value).doubleValue(), "FLOP/s");
			case FREQUENCY -> formatFrequency(((Number) value).doubleValue());
			case BOOL -> ((Boolean) value) ? "True" : "False";
			case STRING -> '"' + value.toString() + '"';
			case LIST -> value.toString();
			default -> value instanceof Double d ? plain(BigDecimal.valueOf(d)) : value.toString();
		};
	}

	private static String formatBytes(long bytes) {
		String[] binary = { "B", "KiB", "MiB", "GiB", "TiB" };
		int i = 0;
		long v = bytes;
		while (i < binary.length - 1 && v != 0 && v % 1024 == 0) {
			v /= 1024;
			i++;
		}
		if (i > 0 || bytes < 1000) {
			return v + " " + binary[i];
		}
		return formatDecimal(bytes, "B");
	}

	private static String formatDecimal(double value, String base) {
		String[] prefixes = { "", "K", "M", "G", "T", "P" };
		int i = 0;
		double v = value;
		while (i < prefixes.length - 1 && Math.abs(v) >= 1000) {
			v /= 1000;
			i++;
		}
		String prefix = prefixes[i];
		return plain(BigDecimal.valueOf(v).round(new java.math.MathContext(6))) + " " + prefix + base;
	}

	private static String formatFrequency(double hz) {
		String[] units = { "Hz", "kHz", "MHz", "GHz" };
		int i = 0;
		double v = hz;
		while (i < units.length - 1 && Math.abs(v) >= 1000) {
			v /= 1000;
			i++;
		}
		return plain(BigDecimal.valueOf(v).round(new java.math.MathContext(6))) + " " + units[i];
	}

	private static String plain(BigDecimal value) {
		BigDecimal stripped = value.stripTrailingZeros();
		if (stripped.scale() < 0) {
			stripped = stripped.setScale(0, RoundingMode.UNNECESSARY);
		}
		return stripped.toPlainString();
	}
}
