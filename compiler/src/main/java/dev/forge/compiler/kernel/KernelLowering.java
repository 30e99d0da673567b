package dev.forge.compiler.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.util.EcoreUtil;
import org.eclipse.xtext.EcoreUtil2;

import dev.forge.compiler.graph.LoweringException;
import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.compiler.graph.SourceRange;
import dev.forge.compiler.interp.Elementwise;
import dev.forge.compiler.tile.Access;
import dev.forge.compiler.tile.Buffer;
import dev.forge.compiler.tile.Index;
import dev.forge.compiler.tile.Kernel;
import dev.forge.compiler.tile.KernelArg;
import dev.forge.compiler.tile.Stmt;
import dev.forge.compiler.tile.TileFunction;
import dev.forge.compiler.tile.TileType;
import dev.forge.compiler.tile.TileValue;
import dev.forge.compiler.tile.Threads;
import dev.forge.compiler.tile.TileVerifier;
import dev.forge.diagnostics.SourceDiagnostic;
import dev.forge.forge.AnnotatedAssignment;
import dev.forge.forge.Argument;
import dev.forge.forge.Assert;
import dev.forge.forge.Assignment;
import dev.forge.forge.Attribute;
import dev.forge.forge.AugmentedAssignment;
import dev.forge.forge.BinaryExpr;
import dev.forge.forge.BoolLiteral;
import dev.forge.forge.Break;
import dev.forge.forge.Call;
import dev.forge.forge.CompareExpr;
import dev.forge.forge.ConditionalExpr;
import dev.forge.forge.Continue;
import dev.forge.forge.EllipsisLiteral;
import dev.forge.forge.Expression;
import dev.forge.forge.ExpressionStatement;
import dev.forge.forge.FloatLiteral;
import dev.forge.forge.For;
import dev.forge.forge.FromImport;
import dev.forge.forge.FunctionDef;
import dev.forge.forge.If;
import dev.forge.forge.Import;
import dev.forge.forge.IntLiteral;
import dev.forge.forge.ListExpr;
import dev.forge.forge.Name;
import dev.forge.forge.NoneLiteral;
import dev.forge.forge.Parameter;
import dev.forge.forge.Pass;
import dev.forge.forge.Return;
import dev.forge.forge.Slice;
import dev.forge.forge.Statement;
import dev.forge.forge.StringLiteral;
import dev.forge.forge.Subscript;
import dev.forge.forge.TupleExpr;
import dev.forge.forge.UnaryExpr;
import dev.forge.forge.While;
import dev.forge.forge.With;
import dev.forge.targets.Target;
import dev.forge.types.DType;
import dev.forge.types.Dim;
import dev.forge.types.Prelude;
import dev.forge.types.Signature;
import dev.forge.types.Type;
import dev.forge.types.TypeCheckResult;

/**
 * Lowers a type-checked {@code @kernel} straight to Tile IR: a {@link TileFunction} with exactly one
 * {@link Kernel}, statement by statement from the {@code tile.*} calls (no Graph IR). Block sizes
 * come from the {@link KernelSchedule} (the module's {@code NAME.schedule(...)} statements, else the
 * target's defaults), so every tile shape is a compile-time constant.
 *
 * <p><b>Buffers.</b> Each {@code KTile} parameter is a buffer shaped by its dims: OUTPUT when the
 * kernel stores into it, else INPUT (a kernel may not both load and store one parameter: the Tile IR
 * has no in-out buffer). A {@code float} parameter is a rank-0 f64 INPUT buffer, loaded once at the
 * top of the body; {@code bool} and {@code str} parameters are specialised at their defaults. A
 * kernel that returns a tile ({@code -> KTile["M", "D", f16]}) gets an OUTPUT buffer {@code result}.
 *
 * <p><b>Block coordinates.</b> {@code tile.load(X, (bi, bj), rows=R, cols=C)} reads the R x C tile
 * whose origin is {@code (bi*R, bj*C)}: the index is in blocks of the tile's own shape. A single block
 * index is the first axis' (the others are 0); without an index, a load or store is at the program's
 * own block {@code (program_id(0), program_id(1), ...)}, one program id per axis. A tile of rank r
 * addresses the last r axes of a higher-rank argument; the leading axes take tiles of size 1, so their
 * coordinates are element indices. Elements past the edges read {@code fill=} (0 by default) and are
 * not written: the Access masks of the Tile IR.
 *
 * <p><b>The grid.</b> Grid axis g exists when {@code tile.program_id(g)} (or an implicit program
 * block) is used, for every g up to the largest used. Its extent is {@code cdiv(X.shape[a], B)} for
 * the first {@code tile.store} (else the first {@code tile.load}, or the returned tile's store) whose
 * block coordinate along axis a of X is exactly {@code program_id(g)}, with B that access' tile size
 * along a: the programs along g cover that axis of X block by block. gemm's grid is
 * {@code (cdiv(C.shape[0], T.m), cdiv(C.shape[1], T.n))}; a program id that never is such a block
 * coordinate is an error.
 *
 * <p><b>Loops.</b> {@code for b in tile.range_n(extent, step)} is a {@code for} over the block
 * indices {@code 0 .. cdiv(extent, step) - 1}; {@code step} must be a compile-time int (a schedule
 * field). Python's assignment semantics become loop-carried values: a name assigned in the body (also
 * by {@code acc += ...} or by storing into a shared buffer) that is defined before the loop is
 * carried when the body reads it before assigning it, or when it is read anywhere outside the loop;
 * names first assigned in the body, and the loop variable, are local to it (a loop variable may not
 * rebind an existing name: Python would leave the last index in it). A carried value keeps its type.
 * No other statements than assignments, {@code for}, expression statements, {@code pass},
 * {@code assert} (skipped) and a final {@code return} are supported.
 *
 * <p><b>Values.</b> Python numbers are compile-time constants and meet tiles as weak scalars (the
 * tile's dtype); ints known only at run time ({@code X.shape[1]}, program ids, loop indices) are
 * {@link Index} expressions, and become tile values through an {@code iota} of one element whose
 * origin is the int ({@code float(width)}), as the modeling lowering does; run-time floats are rank-0
 * f64 tiles, also weak. Elementwise operators broadcast as NumPy (a lower-rank operand is reshaped
 * with leading size-1 axes); operands of different dtypes are cast to the promoted one.
 * {@code tile.sum/max(x, axis=)} reduce and drop the axis (a {@code reduce} that keeps it, then a
 * {@code reshape}); {@code x[:, None]} is a reshape; {@code tile.dot(a, b)} accumulates into a zero
 * tile of {@code acc_dtype}, or into {@code acc} for {@code acc + tile.dot(a, b)} and
 * {@code acc += tile.dot(a, b)}. A store converts to the destination's dtype. Shared buffers
 * ({@code tile.shared}) hold the last tile stored into them: the store and every load are
 * {@code reshape}s into and out of the shared space. {@code tile.softmax_online} and
 * {@code tile.softmax_accumulate} expand into max, exp, sum and dot.
 *
 * <p><b>Index tiles and masks.</b> {@code tile.arange} is an {@code iota}; comparisons are
 * elementwise ops giving bool tiles; on bool tiles {@code a & b} is {@code select(a, b, a)},
 * {@code a | b} is {@code select(a, a, b)}, {@code ^} is {@code ne} and {@code ~a} is
 * {@code eq(a, false)}; {@code tile.where} is a {@code select}; {@code mask=} on a load selects
 * between the loaded tile and the fill. Math the Tile IR has no kind for is composed from the kinds
 * it has: exp2 and log2 from exp and log, floor and ceil from casts through i64, Python's {@code //}
 * and {@code %} from truncating division. {@code tile.num_programs} needs the grid, which the whole
 * body decides: a kernel that uses it is lowered twice, the second time knowing the grid.
 *
 * <p>Anything else is a {@link LoweringException} at the offending node; every lowered tile is
 * compared with the type checker's type of its expression, and the result with {@link TileVerifier}.
 */
public final class KernelLowering {

	/** The context fields and the dims the type checker names them by. */
	private static final Map<String, String> CONTEXT_DIMS = Map.of("m", "BM", "n", "BN", "k", "BK", "d", "BD", "vector", "VEC", "warps", "WARPS",
			"stages", "STAGES");

	private final FunctionDef def;
	private final TypeCheckResult types;
	private final KernelSchedule schedule;
	private final Map<String, Dim> contextBindings = new HashMap<>();

	/** KTile and float parameters in order, then the result. */
	private final Map<String, Param> params = new LinkedHashMap<>();
	private final Map<String, SourceRange> storedAt = new LinkedHashMap<>();
	private final Map<String, SourceRange> loadedAt = new LinkedHashMap<>();
	private final List<AccessRecord> accesses = new ArrayList<>();
	private final Map<Integer, SourceRange> programIds = new TreeMap<>();
	private final Set<String> contextReads = new HashSet<>();
	private final Deque<List<Stmt>> bodies = new ArrayDeque<>();
	private final List<Stmt> prologue = new ArrayList<>();
	private final Map<String, TileValue> scalarLoads = new HashMap<>();
	private final Map<String, SourceRange> loopLocals = new HashMap<>();
	private final Map<String, List<Name>> reads = new HashMap<>();
	private final Map<String, SourceRange> plainStoreAt = new HashMap<>();
	private final Map<String, SourceRange> atomicAt = new HashMap<>();
	private Param result;
	private boolean returned;
	/** The grid when it is known from an earlier lowering of the same kernel: what tile.num_programs returns. */
	private final List<Index> knownGrid;
	private boolean numProgramsUsed;
	private SourceRange at = SourceRange.NONE;
	private int nextId;

	private KernelLowering(FunctionDef def, TypeCheckResult types, KernelSchedule schedule, List<Index> knownGrid) {
		this.def = def;
		this.types = types;
		this.schedule = schedule;
		this.knownGrid = knownGrid;
		for (Map.Entry<String, String> e : CONTEXT_DIMS.entrySet()) {
			contextBindings.put(e.getValue(), Dim.of(schedule.size(e.getKey())));
		}
	}

	/**
	 * Lowers {@code def}, a {@code @kernel} of a module the type checker checked into {@code types},
	 * with the schedule its module gives it, else {@code target}'s defaults.
	 */
	public static TileFunction lower(FunctionDef def, TypeCheckResult types, Target target) throws LoweringException {
		checkKernel(def, types);
		KernelSchedule s;
		try {
			s = KernelSchedule.of(def, types, target);
		} catch (RuntimeException e) {
			throw new LoweringException("internal error reading the schedule of '" + def.getName() + "': " + e, Ranges.of(def));
		}
		TileFunction f = lower(def, types, s);
		return target.isGpu() ? dev.forge.compiler.tile.KernelPipelining.apply(f, s.size("stages")) : f;
	}

	/** Lowers {@code def} with the given schedule. */
	public static TileFunction lower(FunctionDef def, TypeCheckResult types, KernelSchedule schedule) throws LoweringException {
		checkKernel(def, types);
		try {
			KernelLowering first = new KernelLowering(def, types, schedule, null);
			TileFunction f = first.run();
			if (!first.numProgramsUsed) {
				return f;
			}
			// tile.num_programs(g) is the grid's extent, which the whole body decides: lower again knowing it.
			return new KernelLowering(def, types, schedule, f.kernels().get(0).grid()).run();
		} catch (RuntimeException e) {
			throw new LoweringException("internal error lowering the @kernel '" + def.getName() + "': " + e, Ranges.of(def));
		}
	}

	private static void checkKernel(FunctionDef def, TypeCheckResult types) throws LoweringException {
		Signature sig = types.signatureOf(def);
		if (sig == null) {
			throw new LoweringException("'" + def.getName() + "' has no signature", Ranges.of(def));
		}
		if (!sig.kernel()) {
			throw new LoweringException("'" + def.getName() + "' is not a @kernel: modeling functions lower to Graph IR", Ranges.of(def));
		}
		for (SourceDiagnostic d : types.diagnostics()) {
			if (d.severity() == SourceDiagnostic.Severity.ERROR) {
				throw new LoweringException("'" + def.getName() + "' cannot be lowered: its module has type errors (first: " + d.message() + ")",
						Ranges.of(def));
			}
		}
	}

	// ------------------------------------------------------------------ values of the source

	private sealed interface Operand {
	}

	/** A tile in registers. */
	private record TileV(TileValue value) implements Operand {
	}

	/** A Python number known at compile time (bools are 1 and 0). */
	private record Num(double value, boolean integer) implements Operand {
	}

	/** A Python int known at run time: extents, program ids, loop indices. */
	private record IntIdx(Index index) implements Operand {
	}

	/** A Python float known at run time, as a rank-0 f64 tile; weak against tiles. */
	private record FloatScalar(TileValue value) implements Operand {
	}

	private record Tup(List<Operand> elements) implements Operand {
	}

	/** A KTile parameter (or the result). */
	private record KArg(String name) implements Operand {
	}

	/** A float parameter, loaded at the first use. */
	private record ScalarParam(String name) implements Operand {
	}

	/** A shared-memory buffer and what was last stored into it (null: nothing yet). */
	private record Shared(TileType type, TileValue content) implements Operand {
	}

	private record Context() implements Operand {
	}

	private record TileNamespace() implements Operand {
	}

	private record DTypeV(DType dtype) implements Operand {
	}

	private record Str(String value) implements Operand {
	}

	private record NoneV() implements Operand {
	}

	/** A buffer of the function: a KTile parameter, a float parameter (rank 0, f64) or the result. */
	private record Param(String name, List<Dim> dims, DType dtype, boolean scalar) {
		int rank() {
			return dims.size();
		}
	}

	/** A load or store of a KTile at block coordinates, for the grid. */
	private record AccessRecord(String arg, List<Index> coords, List<Integer> blocks, boolean store) {
	}

	// ------------------------------------------------------------------ the function

	private TileFunction run() throws LoweringException {
		Signature sig = types.signatureOf(def);
		collectReads();
		Map<String, Operand> env = new HashMap<>();
		for (Parameter p : def.getParams()) {
			if (p.getName() == null) {
				continue; // the bare '*' before keyword-only parameters
			}
			if (p.isStar() || p.isDoubleStar()) {
				throw unsupported("the parameter '" + (p.isStar() ? "*" : "**") + p.getName() + "'", p);
			}
			Signature.Param sp = sig.param(p.getName());
			Type t = sp == null ? Type.UNKNOWN : sp.type();
			switch (t) {
				case Type.KTile k -> {
					if (k.dims() == null) {
						throw new LoweringException("the parameter '" + p.getName() + "' is " + Type.show(t)
								+ " without dims: the kernel lowering needs the rank and dims of every KTile (write KTile[\"M\", \"D\", "
								+ (k.dtype() == null ? "f16" : k.dtype().sourceName()) + "])", Ranges.of(p));
					}
					if (k.dtype() == null) {
						throw new LoweringException("the parameter '" + p.getName() + "' has no concrete dtype (" + Type.show(t) + ")", Ranges.of(p));
					}
					params.put(p.getName(), new Param(p.getName(), k.dims(), k.dtype(), false));
					env.put(p.getName(), new KArg(p.getName()));
				}
				case Type.Scalar s when s.kind() == Type.Scalar.Kind.FLOAT -> {
					params.put(p.getName(), new Param(p.getName(), List.of(), DType.F64, true));
					env.put(p.getName(), new ScalarParam(p.getName()));
				}
				case Type.Scalar s when (s.kind() == Type.Scalar.Kind.BOOL || s.kind() == Type.Scalar.Kind.STR) && p.getDefault() != null -> {
					Operand d = literal(p.getDefault());
					if (d == null) {
						throw unsupported("the parameter '" + p.getName() + "' with a default that is not a literal", p);
					}
					env.put(p.getName(), d);
				}
				case Type.Scalar s when s.kind() == Type.Scalar.Kind.INT -> {
					// A run-time int (a random seed): a 0-D i64 argument, used as a 0-D tile.
					params.put(p.getName(), new Param(p.getName(), List.of(), DType.I64, true));
					env.put(p.getName(), new ScalarParam(p.getName()));
				}
				default -> throw unsupported("the parameter '" + p.getName() + "' of type " + Type.show(t), p);
			}
		}
		if (def.getReturnType() != null && !(sig.result() instanceof Type.Scalar sc && sc.kind() == Type.Scalar.Kind.NONE)) {
			if (!(sig.result() instanceof Type.KTile k) || k.dims() == null || k.dtype() == null) {
				throw new LoweringException("a kernel returns a tile into a KTile with dims and a dtype (-> KTile[\"M\", \"D\", f16]), not "
						+ Type.show(sig.result()), Ranges.of(def.getReturnType()));
			}
			String name = "result";
			while (params.containsKey(name)) {
				name = name + "_";
			}
			result = new Param(name, k.dims(), k.dtype(), false);
		}
		if (def.getBody() == null) {
			throw new LoweringException("'" + def.getName() + "' has no body", Ranges.of(def));
		}
		bodies.push(new ArrayList<>());
		for (Parameter p : def.getParams()) {
			// Float parameters the body reads are loaded once, first.
			if (p.getName() != null && env.get(p.getName()) instanceof ScalarParam && reads.containsKey(p.getName())) {
				at = Ranges.of(p);
				scalarParam(p.getName());
			}
		}
		statements(def.getBody().getStatements(), env, true);
		List<Stmt> body = new ArrayList<>(prologue);
		body.addAll(bodies.pop());
		if (result != null && !returned) {
			throw new LoweringException("'" + def.getName() + "' declares a result but does not end in a return statement", Ranges.of(def));
		}
		List<Index> grid = grid();
		List<Buffer> buffers = new ArrayList<>();
		List<KernelArg> args = new ArrayList<>();
		for (Param p : params.values()) {
			boolean output = storedAt.containsKey(p.name());
			buffers.add(new Buffer(p.name(), p.dims(), p.dtype(), output ? Buffer.Role.OUTPUT : Buffer.Role.INPUT, null));
			args.add(new KernelArg(p.name(), p.name(), p.dims(), p.dtype(), output));
		}
		if (result != null) {
			buffers.add(new Buffer(result.name(), result.dims(), result.dtype(), Buffer.Role.OUTPUT, null));
			args.add(new KernelArg(result.name(), result.name(), result.dims(), result.dtype(), true));
		}
		Kernel kernel = new Kernel(def.getName(), args, grid, body, schedule.describe(contextReads), Ranges.of(def),
				Threads.requested(schedule.size("warps"), schedule.size("vector"), schedule.swizzle()));
		TileFunction f = new TileFunction(def.getName(), buffers, List.of(kernel));
		List<String> problems = TileVerifier.verify(f);
		if (!problems.isEmpty()) {
			throw new LoweringException("internal: the Tile IR of the @kernel '" + def.getName() + "' does not verify: " + problems.get(0),
					Ranges.of(def));
		}
		return f;
	}

	/** The grid: see the class comment. */
	private List<Index> grid() throws LoweringException {
		List<Index> grid = new ArrayList<>();
		int axes = programIds.isEmpty() ? 0 : Collections.max(programIds.keySet()) + 1;
		for (int g = 0; g < axes; g++) {
			Index extent = null;
			for (boolean stores : new boolean[] { true, false }) {
				for (AccessRecord r : accesses) {
					int a = r.coords().indexOf(new Index.ProgramId(g));
					if (extent == null && r.store() == stores && a >= 0) {
						extent = Index.cdiv(new Index.Extent(r.arg(), a), r.blocks().get(a));
					}
				}
			}
			if (extent == null) {
				SourceRange where = programIds.getOrDefault(g, Ranges.of(def));
				throw new LoweringException("cannot tell how many programs grid axis " + g + " has: tile.program_id(" + g
						+ ") is not the block index of any axis of a tile.load or tile.store (the grid covers the axes the program ids index)",
						where);
			}
			grid.add(extent);
		}
		return grid;
	}

	// ------------------------------------------------------------------ statements

	private void statements(List<Statement> list, Map<String, Operand> env, boolean top) throws LoweringException {
		for (int i = 0; i < list.size(); i++) {
			Statement s = list.get(i);
			at = Ranges.of(s);
			switch (s) {
				case Assignment a -> assign(target(a.getTarget()), expr(a.getValue(), env), env);
				case AnnotatedAssignment a -> {
					if (a.getValue() != null) {
						assign(target(a.getTarget()), expr(a.getValue(), env), env);
					}
				}
				case AugmentedAssignment a -> augmented(a, env);
				case ExpressionStatement e when e.getExpression() instanceof StringLiteral -> {
					// a docstring
				}
				case ExpressionStatement e -> expr(e.getExpression(), env);
				case For f -> forLoop(f, env);
				case Return r -> {
					if (!top || i != list.size() - 1) {
						throw unsupported("a return statement before the end of the kernel", r);
					}
					returnTile(r, env);
				}
				case Pass p -> {
				}
				case Assert a -> {
					// checks of the arguments; the driver checks them before the launch
				}
				default -> throw unsupported(statementName(s), s);
			}
		}
	}

	private static String statementName(Statement s) {
		return switch (s) {
			case If i -> "an 'if' statement";
			case While w -> "a 'while' loop";
			case With w -> "a 'with' block";
			case FunctionDef d -> "a nested 'def'";
			case Import i -> "an import inside a kernel";
			case FromImport i -> "an import inside a kernel";
			case Break b -> "'break'";
			case Continue c -> "'continue'";
			default -> s.eClass().getName();
		};
	}

	private static Expression target(EObject statement) {
		return statement instanceof ExpressionStatement e ? e.getExpression() : null;
	}

	private void assign(Expression target, Operand value, Map<String, Operand> env) throws LoweringException {
		switch (target) {
			case Name n -> {
				if (value instanceof NoneV) {
					throw unsupported("assigning the result of a statement-like call (None)", target);
				}
				env.put(n.getId(), value);
			}
			case TupleExpr t -> unpack(t.getElements(), value, t, env);
			case ListExpr l -> unpack(l.getElements(), value, l, env);
			case null -> throw new LoweringException("an assignment without a target", at);
			default -> throw unsupported("assigning to " + target.eClass().getName() + " (only names and tuples of names)", target);
		}
	}

	private void unpack(List<Expression> targets, Operand value, Expression where, Map<String, Operand> env) throws LoweringException {
		if (!(value instanceof Tup tup) || tup.elements().size() != targets.size()) {
			throw unsupported("unpacking " + describe(value) + " into " + targets.size() + " names", where);
		}
		for (int i = 0; i < targets.size(); i++) {
			assign(targets.get(i), tup.elements().get(i), env);
		}
	}

	private void augmented(AugmentedAssignment a, Map<String, Operand> env) throws LoweringException {
		Expression target = target(a.getTarget());
		if (!(target instanceof Name n) || !env.containsKey(n.getId())) {
			throw unsupported("an augmented assignment to anything but a defined local name", a);
		}
		String op = a.getOp().substring(0, a.getOp().length() - 1);
		Operand current = env.get(n.getId());
		Operand value;
		if (op.equals("+") && current instanceof TileV acc && isTileCall(a.getValue(), "dot")) {
			value = dot((Call) a.getValue(), env, acc.value());
		} else {
			value = binary(op, current, expr(a.getValue(), env), a);
		}
		env.put(n.getId(), value);
	}

	/** {@code for b in tile.range_n(extent, step)}: a loop over block indices with loop-carried values. */
	private void forLoop(For f, Map<String, Operand> env) throws LoweringException {
		SourceRange loopRange = Ranges.of(f);
		if (f.getOrelse() != null) {
			throw unsupported("'for ... else'", f);
		}
		if (!(f.getTarget() instanceof Name var)) {
			throw unsupported("a loop target that is not a single name", f.getTarget());
		}
		if (!isTileCall(f.getIterable(), "range_n")) {
			throw unsupported("a for loop over anything but tile.range_n(extent, step)", f.getIterable());
		}
		Call range = (Call) f.getIterable();
		Map<String, Expression> args = bind("range_n", range);
		Operand extent = expr(required(args, "extent", range), env);
		Operand step = expr(required(args, "step", range), env);
		Index extentIndex = intIndex(extent);
		if (extentIndex == null) {
			String hint = extent instanceof Tup ? " (a shape is a tuple: pick one of its dims, as in X.shape[0])" : "";
			throw new LoweringException("tile.range_n needs an int extent, got " + describe(extent) + hint, Ranges.of(required(args, "extent", range)));
		}
		if (!(step instanceof Num s) || !s.integer() || s.value() < 1) {
			throw new LoweringException("tile.range_n needs a positive compile-time int step (a block size of the schedule such as T.k), got "
					+ describe(step), Ranges.of(required(args, "step", range)));
		}
		long stepValue = (long) s.value();
		Index hi = extentIndex instanceof Index.Const c ? Index.of(Math.ceilDiv(c.value(), stepValue)) : Index.cdiv(extentIndex, stepValue);
		if (env.containsKey(var.getId())) {
			throw unsupported("a loop variable that rebinds the existing name '" + var.getId()
					+ "' (Python would keep the loop's last index in it after the loop; rename it)", var);
		}
		String varName = var.getId();
		// The values the loop carries: see the class comment.
		List<String> assigned = new ArrayList<>(assignedIn(f.getBody().getStatements(), env));
		Set<String> exposed = new HashSet<>();
		exposedReads(f.getBody().getStatements(), new HashSet<>(Set.of(var.getId())), env, exposed);
		List<String> carriedNames = new ArrayList<>();
		for (String name : assigned) {
			if (env.containsKey(name) && !name.equals(var.getId()) && (exposed.contains(name) || readOutside(name, f))) {
				carriedNames.add(name);
			}
		}
		List<TileValue> inits = new ArrayList<>();
		List<TileValue> carried = new ArrayList<>();
		Map<String, Operand> inner = new HashMap<>(env);
		for (String name : carriedNames) {
			TileValue init = carriedValue(name, env.get(name), f);
			TileValue c = fresh(init.type());
			inits.add(init);
			carried.add(c);
			inner.put(name, rewrap(env.get(name), c));
		}
		inner.put(var.getId(), new IntIdx(new Index.LoopVar(varName)));
		bodies.push(new ArrayList<>());
		List<Stmt> body;
		try {
			statements(f.getBody().getStatements(), inner, false);
		} finally {
			body = bodies.pop();
		}
		at = loopRange;
		List<TileValue> yielded = new ArrayList<>();
		for (int i = 0; i < carriedNames.size(); i++) {
			String name = carriedNames.get(i);
			Operand after = inner.get(name);
			TileValue y = after == null ? null : carriedValueOrNull(after);
			if (y == null || after.getClass() != env.get(name).getClass()) {
				throw new LoweringException("'" + name + "' is " + describe(env.get(name)) + " before the loop but " + describe(after)
						+ " after its body: a value the loop carries keeps its kind and type", loopRange);
			}
			if (!y.type().equals(carried.get(i).type())) {
				throw new LoweringException("'" + name + "' is " + carried.get(i).type() + " before the loop but " + y.type()
						+ " after its body: a value the loop carries keeps its shape and dtype (cast it)", loopRange);
			}
			yielded.add(y);
		}
		List<TileValue> results = new ArrayList<>();
		for (TileValue c : carried) {
			results.add(fresh(c.type()));
		}
		add(new Stmt.For(varName, Index.of(0), hi, 1, carried, inits, body, yielded, results, loopRange));
		for (int i = 0; i < carriedNames.size(); i++) {
			env.put(carriedNames.get(i), rewrap(env.get(carriedNames.get(i)), results.get(i)));
		}
		for (String name : assigned) {
			if (!env.containsKey(name)) {
				loopLocals.putIfAbsent(name, loopRange);
			}
		}
		loopLocals.putIfAbsent(var.getId(), loopRange);
	}

	private TileValue carriedValue(String name, Operand o, EObject where) throws LoweringException {
		TileValue v = carriedValueOrNull(o);
		if (v == null) {
			String why = o instanceof Shared ? "a shared buffer with nothing stored into it before the loop"
					: describe(o) + " (only tiles and run-time floats can be loop-carried)";
			throw new LoweringException("the loop assigns '" + name + "', which it carries from one iteration to the next, but it is " + why,
					Ranges.of(where));
		}
		return v;
	}

	private static TileValue carriedValueOrNull(Operand o) {
		return switch (o) {
			case TileV t -> t.value();
			case FloatScalar f -> f.value();
			case Shared s -> s.content();
			default -> null;
		};
	}

	private static Operand rewrap(Operand like, TileValue v) {
		return switch (like) {
			case TileV t -> new TileV(v);
			case FloatScalar f -> new FloatScalar(v);
			case Shared s -> new Shared(s.type(), v);
			default -> throw new IllegalStateException("not carried: " + like);
		};
	}

	/** Names assigned in {@code stmts}, nested loops included, in order (stores into shared buffers count). */
	private Set<String> assignedIn(List<Statement> stmts, Map<String, Operand> env) {
		Set<String> out = new LinkedHashSet<>();
		for (Statement s : stmts) {
			switch (s) {
				case Assignment a -> targetNames(target(a.getTarget()), out);
				case AnnotatedAssignment a -> targetNames(target(a.getTarget()), out);
				case AugmentedAssignment a -> targetNames(target(a.getTarget()), out);
				case For f -> {
					targetNames(f.getTarget(), out);
					out.addAll(assignedIn(f.getBody().getStatements(), env));
				}
				default -> {
				}
			}
			for (Call c : EcoreUtil2.getAllContentsOfType(s, Call.class)) {
				String shared = sharedStoreTarget(c, env);
				if (shared != null) {
					out.add(shared);
				}
			}
		}
		return out;
	}

	/** The name of the shared buffer a {@code tile.store(NAME, ...)} call writes, or null. */
	private String sharedStoreTarget(Call c, Map<String, Operand> env) {
		if (isTileCall(c, "store") && !c.getArgs().isEmpty() && c.getArgs().get(0).getName() == null
				&& c.getArgs().get(0).getValue() instanceof Name n && env.get(n.getId()) instanceof Shared) {
			return n.getId();
		}
		return null;
	}

	private static void targetNames(Expression target, Set<String> out) {
		switch (target) {
			case Name n -> out.add(n.getId());
			case TupleExpr t -> t.getElements().forEach(e -> targetNames(e, out));
			case ListExpr l -> l.getElements().forEach(e -> targetNames(e, out));
			case null, default -> {
			}
		}
	}

	/** Names {@code stmts} read before assigning them (on entry to the loop body); {@code defined} grows as they assign. */
	private void exposedReads(List<Statement> stmts, Set<String> defined, Map<String, Operand> env, Set<String> out) {
		for (Statement s : stmts) {
			switch (s) {
				case Assignment a -> {
					readsOf(a.getValue(), defined, env, out);
					targetNames(target(a.getTarget()), defined);
				}
				case AnnotatedAssignment a -> {
					readsOf(a.getValue(), defined, env, out);
					targetNames(target(a.getTarget()), defined);
				}
				case AugmentedAssignment a -> {
					readsOf(a.getValue(), defined, env, out);
					readsOf(target(a.getTarget()), defined, env, out);
					targetNames(target(a.getTarget()), defined);
				}
				case For f -> {
					readsOf(f.getIterable(), defined, env, out);
					Set<String> inner = new HashSet<>(defined);
					targetNames(f.getTarget(), inner);
					exposedReads(f.getBody().getStatements(), inner, env, out);
				}
				default -> readsOf(s, defined, env, out);
			}
			// A store into a shared buffer replaces all of it: the buffer is defined after.
			for (Call c : EcoreUtil2.getAllContentsOfType(s, Call.class)) {
				String shared = sharedStoreTarget(c, env);
				if (shared != null && !(s instanceof For)) {
					defined.add(shared);
				}
			}
		}
	}

	private void readsOf(EObject node, Set<String> defined, Map<String, Operand> env, Set<String> out) {
		if (node == null) {
			return;
		}
		List<Name> names = new ArrayList<>(EcoreUtil2.getAllContentsOfType(node, Name.class));
		if (node instanceof Name n) {
			names.add(n);
		}
		for (Name n : names) {
			if (!defined.contains(n.getId()) && !isSharedStoreDestination(n, env)) {
				out.add(n.getId());
			}
		}
	}

	private boolean isSharedStoreDestination(Name n, Map<String, Operand> env) {
		return n.eContainer() instanceof Argument a && a.eContainer() instanceof Call c && sharedStoreTarget(c, env) != null
				&& c.getArgs().get(0) == a;
	}

	/** Whether {@code name} is read anywhere in the kernel outside the loop {@code f}. */
	private boolean readOutside(String name, For f) {
		for (Name n : reads.getOrDefault(name, List.of())) {
			if (!EcoreUtil.isAncestor(f.getBody(), n)) {
				return true;
			}
		}
		return false;
	}

	/** Every name in a read position (not the target of an assignment or a for), by id. */
	private void collectReads() {
		for (Name n : EcoreUtil2.getAllContentsOfType(def.getBody(), Name.class)) {
			if (!isStoreTarget(n)) {
				reads.computeIfAbsent(n.getId(), k -> new ArrayList<>()).add(n);
			}
		}
	}

	private static boolean isStoreTarget(Name n) {
		EObject child = n;
		EObject parent = n.eContainer();
		while (parent instanceof TupleExpr || parent instanceof ListExpr) {
			child = parent;
			parent = parent.eContainer();
		}
		if (parent instanceof For f) {
			return f.getTarget() == child;
		}
		if (parent instanceof ExpressionStatement es) {
			EObject stmt = es.eContainer();
			return stmt instanceof Assignment a && a.getTarget() == es || stmt instanceof AnnotatedAssignment aa && aa.getTarget() == es;
		}
		return false;
	}

	private void returnTile(Return r, Map<String, Operand> env) throws LoweringException {
		if (result == null) {
			if (r.getValue() == null) {
				return;
			}
			throw unsupported("returning a value from a kernel without a declared result (-> KTile[...])", r);
		}
		Operand v = expr(r.getValue(), env);
		if (!(v instanceof TileV t)) {
			throw unsupported("returning " + describe(v) + " (a kernel returns a tile)", r);
		}
		at = Ranges.of(r);
		TileValue value = castTo(t.value(), result.dtype());
		Access access = access(result, null, value.type().shape(), true, r.getValue());
		add(new Stmt.Store(result.name(), access, value, at));
		storedAt.putIfAbsent(result.name(), at);
		returned = true;
	}

	// ------------------------------------------------------------------ expressions

	private Operand expr(Expression e, Map<String, Operand> env) throws LoweringException {
		SourceRange saved = at;
		at = Ranges.of(e);
		try {
			Operand out = switch (e) {
				case Name n -> name(n, env);
				case IntLiteral i -> literal(i);
				case FloatLiteral x -> literal(x);
				case BoolLiteral b -> literal(b);
				case StringLiteral s -> literal(s);
				case NoneLiteral n -> new NoneV();
				case TupleExpr t -> tuple(t.getElements(), env);
				case ListExpr l -> tuple(l.getElements(), env);
				case UnaryExpr u -> unary(u, env);
				case BinaryExpr b -> binaryExpr(b, env);
				case Call c -> call(c, env);
				case Attribute a -> attribute(a, env);
				case Subscript s -> subscript(s, env);
				case CompareExpr c -> compare(c, env);
				case ConditionalExpr c -> throw unsupported("a conditional expression ('a if c else b')", c);
				case null -> throw new LoweringException("a missing expression", at);
				default -> throw unsupported("the expression " + e.eClass().getName(), e);
			};
			if (out instanceof TileV t) {
				checkAgainstTypes(e, t.value());
			}
			return out;
		} finally {
			at = saved;
		}
	}

	/** The type checker's tile type of {@code e}, with the schedule's sizes, must be what was lowered. */
	private void checkAgainstTypes(Expression e, TileValue v) throws LoweringException {
		if (!(types.typeOf(e) instanceof Type.Tile t) || t.dims() == null) {
			return;
		}
		List<Integer> shape = new ArrayList<>();
		for (Dim d : t.dims()) {
			Dim s = d.substitute(contextBindings);
			if (!s.isConstant()) {
				return;
			}
			shape.add((int) s.constantValue().getAsLong());
		}
		if (!shape.equals(v.type().shape()) || (t.dtype() != null && t.dtype() != v.type().dtype())) {
			throw new LoweringException("internal: lowered to " + v.type() + ", but the type checker says " + shape + " "
					+ (t.dtype() == null ? "?" : t.dtype().sourceName()), Ranges.of(e));
		}
	}

	private Operand tuple(List<Expression> elements, Map<String, Operand> env) throws LoweringException {
		List<Operand> out = new ArrayList<>();
		for (Expression x : elements) {
			out.add(expr(x, env));
		}
		return new Tup(out);
	}

	private Operand name(Name n, Map<String, Operand> env) throws LoweringException {
		Operand v = env.get(n.getId());
		if (v == null && loopLocals.containsKey(n.getId()) && DType.bySourceName(n.getId()).isEmpty()) {
			SourceRange loop = loopLocals.get(n.getId());
			throw new LoweringException("'" + n.getId() + "' is assigned inside the loop at line " + loop.line()
					+ " and does not exist after it here: assign it before the loop to carry it through", Ranges.of(n));
		}
		if (v instanceof ScalarParam p) {
			TileValue loaded = scalarParam(p.name());
			return loaded.type().dtype() == DType.I64 ? new TileV(loaded) : new FloatScalar(loaded);
		}
		if (v != null) {
			return v;
		}
		if (n.getId().equals("tile")) {
			return new TileNamespace();
		}
		var dtype = DType.bySourceName(n.getId());
		if (dtype.isPresent()) {
			return new DTypeV(dtype.get());
		}
		throw unsupported("the name '" + n.getId() + "' as a value (only parameters, local variables, tile and dtypes are)", n);
	}

	/** The rank-0 f64 tile of a float parameter, loaded once at the top of the body. */
	private TileValue scalarParam(String name) {
		TileValue v = scalarLoads.get(name);
		if (v == null) {
			v = fresh(List.of(), params.get(name).dtype());
			prologue.add(new Stmt.Load(v, name, new Access(List.of(), List.of()), 0, at));
			scalarLoads.put(name, v);
		}
		return v;
	}

	/** The value of a literal (or a negated number); null for other expressions. */
	private static Operand literal(Expression e) {
		return switch (e) {
			case IntLiteral i -> {
				try {
					yield new Num(Long.decode(i.getValue().replace("_", "")), true);
				} catch (NumberFormatException ex) {
					yield null;
				}
			}
			case FloatLiteral x -> new Num(Double.parseDouble(x.getValue().replace("_", "")), false);
			case BoolLiteral b -> new Num(b.isValue() ? 1 : 0, true);
			case StringLiteral s -> new Str(String.join("", s.getParts()));
			case NoneLiteral n -> new NoneV();
			case UnaryExpr u when "-".equals(u.getOp()) && literal(u.getOperand()) instanceof Num n -> new Num(-n.value(), n.integer());
			default -> null;
		};
	}

	private Operand unary(UnaryExpr u, Map<String, Operand> env) throws LoweringException {
		Operand x = expr(u.getOperand(), env);
		at = Ranges.of(u);
		switch (u.getOp()) {
			case "+":
				return x;
			case "-":
				return switch (x) {
					case Num n -> new Num(-n.value(), n.integer());
					case IntIdx i -> new IntIdx(new Index.Binary(Index.Operator.SUB, Index.of(0), i.index()));
					case TileV t -> new TileV(def(new Stmt.Unary(UnaryKind.NEG, fresh(t.value().type()), t.value(), at)));
					case FloatScalar f -> new FloatScalar(def(new Stmt.Unary(UnaryKind.NEG, fresh(f.value().type()), f.value(), at)));
					default -> throw unsupported("'-' on " + describe(x), u);
				};
			case "~":
				if (x instanceof Num n && n.integer()) {
					return new Num(~(long) n.value(), true);
				}
				if (x instanceof TileV t && t.value().type().dtype() == DType.BOOL) {
					TileValue v = t.value();
					return new TileV(elementwise(BinaryKind.EQ, v, full(0, DType.BOOL, v.type().rank()), u));
				}
				if (x instanceof TileV t && t.value().type().dtype().isInteger()) {
					// Bitwise not of an int tile: x ^ -1.
					TileValue v = t.value();
					return new TileV(elementwise(BinaryKind.BIT_XOR, v, full(-1, v.type().dtype(), v.type().rank()), u));
				}
				throw unsupported("'~' on " + describe(x) + " (it negates a bool tile, a mask, or the bits of an int tile)", u);
			default:
				throw unsupported("the operator '" + u.getOp() + "'", u);
		}
	}

	private Operand binaryExpr(BinaryExpr b, Map<String, Operand> env) throws LoweringException {
		if (b.getOp().equals("+") && (isTileCall(b.getRight(), "dot") || isTileCall(b.getLeft(), "dot"))) {
			// acc + tile.dot(a, b): the dot accumulates into acc when acc is a tile of its result type.
			boolean dotRight = isTileCall(b.getRight(), "dot");
			Expression other = dotRight ? b.getLeft() : b.getRight();
			Call dotCall = (Call) (dotRight ? b.getRight() : b.getLeft());
			if (dotRight) {
				Operand acc = expr(other, env);
				if (acc instanceof TileV t && dotResultType(dotCall, env, t.value())) {
					return dot(dotCall, env, t.value());
				}
				Operand d = expr(dotCall, env);
				at = Ranges.of(b);
				return binary("+", acc, d, b);
			}
			// tile.dot(a, b) + acc: the dot's operands are evaluated first, as Python does.
			List<TileValue> ab = dotOperands(dotCall, env);
			Operand acc = expr(other, env);
			at = Ranges.of(b);
			DType accType = dotAccType(dotCall, env);
			List<Integer> shape = List.of(ab.get(0).type().shape().get(0), ab.get(1).type().shape().get(1));
			if (acc instanceof TileV t && t.value().type().equals(new TileType(shape, accType))) {
				return new TileV(def(new Stmt.Dot(fresh(shape, accType), ab.get(0), ab.get(1), t.value(), at)));
			}
			TileValue zero = def(new Stmt.Full(fresh(shape, accType), 0, Ranges.of(dotCall)));
			TileValue d = def(new Stmt.Dot(fresh(shape, accType), ab.get(0), ab.get(1), zero, Ranges.of(dotCall)));
			return binary("+", new TileV(d), acc, b);
		}
		Operand l = expr(b.getLeft(), env);
		Operand r = expr(b.getRight(), env);
		at = Ranges.of(b);
		return binary(b.getOp(), l, r, b);
	}

	private static BinaryKind binaryKind(String op) {
		return switch (op) {
			case "+" -> BinaryKind.ADD;
			case "-" -> BinaryKind.SUB;
			case "*" -> BinaryKind.MUL;
			case "/" -> BinaryKind.DIV;
			case "**" -> BinaryKind.POW;
			default -> null;
		};
	}

	private Operand binary(String op, Operand l, Operand r, EObject node) throws LoweringException {
		if (op.equals("@")) {
			throw unsupported("'@' on tiles (use tile.dot(a, b))", node);
		}
		if ((op.equals("&") || op.equals("|") || op.equals("^")) && !isIntTile(l) && !isIntTile(r)) {
			return logical(op, l, r, node);
		}
		if (op.equals("&") || op.equals("|") || op.equals("^") || op.equals("<<") || op.equals(">>")) {
			return bitwise(op, l, r, node);
		}
		if (isScalar(l) && isScalar(r)) {
			return scalarArithmetic(op, l, r, node);
		}
		boolean floorOp = op.equals("//") || op.equals("%");
		if ((binaryKind(op) == null && !floorOp) || !(l instanceof TileV || isScalar(l)) || !(r instanceof TileV || isScalar(r))) {
			throw unsupported("'" + op + "' on " + describe(l) + " and " + describe(r), node);
		}
		DType dtype = meetDtype(l, r);
		if (op.equals("/") && !dtype.isFloat()) {
			dtype = DType.F32; // true division, as in Python and Triton
		}
		int rank = Math.max(rankOf(l), rankOf(r));
		TileValue x = toTile(l, dtype, rank, node);
		TileValue y = toTile(r, dtype, rank, node);
		if (floorOp) {
			return new TileV(floorDivide(op.equals("%"), x, y, node));
		}
		return new TileV(elementwise(binaryKind(op), x, y, node));
	}

	private static int rankOf(Operand o) {
		return o instanceof TileV t ? t.value().type().rank() : 0;
	}

	/**
	 * The dtype two operands of an elementwise op meet in: tiles promote; a number is weak (it takes
	 * the tile's dtype), except that a float meeting an int or bool tile gives f32, as in Triton.
	 * Two scalars meet in f64, or i64 when both are ints.
	 */
	private static DType meetDtype(Operand l, Operand r) {
		DType tiles = l instanceof TileV a && r instanceof TileV b ? DType.promote(a.value().type().dtype(), b.value().type().dtype())
				: l instanceof TileV a ? a.value().type().dtype() : r instanceof TileV b ? b.value().type().dtype() : null;
		boolean floatNumber = isFloatNumber(l) || isFloatNumber(r);
		if (tiles == null) {
			return floatNumber ? DType.F64 : DType.I64;
		}
		return floatNumber && !tiles.isFloat() ? DType.F32 : tiles;
	}

	private static boolean isFloatNumber(Operand o) {
		return o instanceof Num n && !n.integer() || o instanceof FloatScalar;
	}

	/** An elementwise op on two tiles of one dtype and rank (checked to broadcast); comparisons give bool tiles. */
	private TileValue elementwise(BinaryKind kind, TileValue x, TileValue y, EObject node) throws LoweringException {
		List<Integer> shape = broadcastShape(node, x, y);
		return def(new Stmt.Binary(kind, fresh(shape, kind.isComparison() ? DType.BOOL : x.type().dtype()), x, y, at));
	}

	/** The NumPy broadcast of tiles of one rank, or an error at {@code node}. */
	private static List<Integer> broadcastShape(EObject node, TileValue... tiles) throws LoweringException {
		List<Integer> shape = new ArrayList<>(tiles[0].type().shape());
		for (TileValue t : tiles) {
			for (int i = 0; i < shape.size(); i++) {
				int a = shape.get(i);
				int b = t.type().shape().get(i);
				if (a != b && a != 1 && b != 1) {
					throw new LoweringException("tiles " + tiles[0].type() + " and " + t.type() + " do not broadcast", Ranges.of(node));
				}
				shape.set(i, Math.max(a, b));
			}
		}
		return shape;
	}

	/** {@code cond ? a : b} elementwise; the three tiles have one rank, a and b one dtype. */
	private TileValue select(TileValue cond, TileValue a, TileValue b, EObject node) throws LoweringException {
		return def(new Stmt.Select(fresh(broadcastShape(node, cond, a, b), a.type().dtype()), cond, a, b, at));
	}

	/** A tile of {@code rank} size-1 axes holding {@code value}: a constant operand. */
	private TileValue full(double value, DType dtype, int rank) {
		return def(new Stmt.Full(fresh(Collections.nCopies(rank, 1), dtype), value, at));
	}

	/** {@code a < b}, chained as in Python ({@code a < b < c} is {@code a < b and b < c}). */
	private Operand compare(CompareExpr c, Map<String, Operand> env) throws LoweringException {
		Operand left = expr(c.getLeft(), env);
		Operand result = null;
		for (int i = 0; i < c.getRights().size(); i++) {
			Operand right = expr(c.getRights().get(i), env);
			String op = c.getOps().get(i).replaceAll("\\s+", " ");
			at = Ranges.of(c);
			BinaryKind kind = switch (op) {
				case "==" -> BinaryKind.EQ;
				case "!=" -> BinaryKind.NE;
				case "<" -> BinaryKind.LT;
				case "<=" -> BinaryKind.LE;
				case ">" -> BinaryKind.GT;
				case ">=" -> BinaryKind.GE;
				default -> throw unsupported("the comparison '" + op + "'", c);
			};
			Operand one = comparison(kind, left, right, c);
			result = result == null ? one : logical("&", result, one, c);
			left = right;
		}
		return result;
	}

	/** One comparison: a number for two numbers, else a bool tile (rank 0 for run-time scalars). */
	private Operand comparison(BinaryKind kind, Operand l, Operand r, EObject node) throws LoweringException {
		if (l instanceof Num a && r instanceof Num b) {
			return new Num(Elementwise.binary(kind, a.value(), b.value()), true);
		}
		if (!(l instanceof TileV || isScalar(l)) || !(r instanceof TileV || isScalar(r))) {
			throw unsupported("comparing " + describe(l) + " and " + describe(r), node);
		}
		DType dtype = meetDtype(l, r);
		int rank = Math.max(rankOf(l), rankOf(r));
		return new TileV(elementwise(kind, toTile(l, dtype, rank, node), toTile(r, dtype, rank, node), node));
	}

	/** {@code &}, {@code |}, {@code ^}: bitwise on int numbers, logical on bool tiles (masks). */
	private static boolean isIntTile(Operand o) {
		return o instanceof TileV t && t.value().type().dtype().isInteger();
	}

	/** {@code & | ^ << >>} on int tiles (and int numbers): bitwise, in the tiles' integer dtype; >> is arithmetic. */
	private Operand bitwise(String op, Operand l, Operand r, EObject node) throws LoweringException {
		if (l instanceof Num a && r instanceof Num b && a.integer() && b.integer()) {
			long x = (long) a.value(), y = (long) b.value();
			return new Num(switch (op) {
				case "&" -> x & y;
				case "|" -> x | y;
				case "^" -> x ^ y;
				case "<<" -> x << y;
				default -> x >> y;
			}, true);
		}
		for (Operand o : List.of(l, r)) {
			if (!(isIntTile(o) || o instanceof Num n && n.integer() || o instanceof IntIdx)) {
				throw unsupported("'" + op + "' on " + describe(o) + " (bitwise operators take int tiles and ints)", node);
			}
		}
		DType dtype = meetDtype(l, r);
		int rank = Math.max(rankOf(l), rankOf(r));
		BinaryKind kind = switch (op) {
			case "&" -> BinaryKind.BIT_AND;
			case "|" -> BinaryKind.BIT_OR;
			case "^" -> BinaryKind.BIT_XOR;
			case "<<" -> BinaryKind.SHL;
			default -> BinaryKind.SHR;
		};
		return new TileV(elementwise(kind, toTile(l, dtype, rank, node), toTile(r, dtype, rank, node), node));
	}

	private Operand logical(String op, Operand l, Operand r, EObject node) throws LoweringException {
		if (l instanceof Num a && r instanceof Num b && a.integer() && b.integer()) {
			long x = (long) a.value();
			long y = (long) b.value();
			return new Num(op.equals("&") ? x & y : op.equals("|") ? x | y : x ^ y, true);
		}
		int rank = Math.max(rankOf(l), rankOf(r));
		TileValue a = withRank(boolTile(op, l, node), rank);
		TileValue b = withRank(boolTile(op, r, node), rank);
		return new TileV(switch (op) {
			case "&" -> select(a, b, a, node); // a ? b : false
			case "|" -> select(a, a, b, node); // a ? true : b
			default -> elementwise(BinaryKind.NE, a, b, node);
		});
	}

	/** A bool tile operand, or a Python bool as a rank-0 one. */
	private TileValue boolTile(String what, Operand o, EObject node) throws LoweringException {
		if (o instanceof TileV t && t.value().type().dtype() == DType.BOOL) {
			return t.value();
		}
		if (o instanceof Num n && n.integer() && (n.value() == 0 || n.value() == 1)) {
			return full(n.value(), DType.BOOL, 0);
		}
		throw unsupported("'" + what + "' on " + describe(o) + " (a bool tile, such as cols < N, is expected)", node);
	}

	/**
	 * Python's {@code //} (or {@code %} when {@code remainder}) on tiles of one dtype: the quotient
	 * rounds toward negative infinity and the remainder takes the divisor's sign. Division by zero is
	 * undefined. Built from the Tile IR's elementwise ops (it has no floor or remainder of its own).
	 */
	private TileValue floorDivide(boolean remainder, TileValue a, TileValue b, EObject node) throws LoweringException {
		DType dtype = a.type().dtype();
		int rank = a.type().rank();
		if (dtype.isFloat()) {
			TileValue q = roundToInteger(elementwise(BinaryKind.DIV, a, b, node), false, node);
			return remainder ? elementwise(BinaryKind.SUB, a, elementwise(BinaryKind.MUL, q, b, node), node) : q;
		}
		// Integer division truncates toward zero: one step down where the remainder's sign differs from the divisor's.
		TileValue q = elementwise(BinaryKind.DIV, a, b, node);
		TileValue r = elementwise(BinaryKind.SUB, a, elementwise(BinaryKind.MUL, q, b, node), node);
		TileValue zero = full(0, dtype, rank);
		TileValue inexact = elementwise(BinaryKind.NE, r, zero, node);
		TileValue signsDiffer = elementwise(BinaryKind.NE, elementwise(BinaryKind.LT, r, zero, node), elementwise(BinaryKind.LT, b, zero, node), node);
		TileValue adjust = select(inexact, signsDiffer, inexact, node);
		if (remainder) {
			return select(adjust, elementwise(BinaryKind.ADD, r, b, node), r, node);
		}
		return select(adjust, elementwise(BinaryKind.SUB, q, full(1, dtype, rank), node), q, node);
	}

	/**
	 * floor (or ceil when {@code up}) of a float tile from casts: truncate through i64, then step
	 * toward -inf (+inf) where that moved the wrong way. Past 2^52 every float is an integer already,
	 * and infinities and NaN pass through unchanged. An int tile is returned as it is.
	 */
	private TileValue roundToInteger(TileValue x, boolean up, EObject node) throws LoweringException {
		DType dtype = x.type().dtype();
		if (!dtype.isFloat()) {
			return x;
		}
		int rank = x.type().rank();
		TileValue truncated = castTo(castTo(x, DType.I64), dtype);
		TileValue one = full(1, dtype, rank);
		TileValue rounded = up
				? select(elementwise(BinaryKind.LT, truncated, x, node), elementwise(BinaryKind.ADD, truncated, one, node), truncated, node)
				: select(elementwise(BinaryKind.GT, truncated, x, node), elementwise(BinaryKind.SUB, truncated, one, node), truncated, node);
		TileValue magnitude = def(new Stmt.Unary(UnaryKind.ABS, fresh(x.type()), x, at));
		TileValue small = elementwise(BinaryKind.LT, magnitude, full(0x1p52, dtype, rank), node);
		return select(small, rounded, x, node);
	}

	/** Two tiles of different ranks or dtypes made elementwise-compatible, then combined. */
	private TileValue elementwiseTiles(BinaryKind kind, TileValue a, TileValue b, EObject node) throws LoweringException {
		DType dtype = DType.promote(a.type().dtype(), b.type().dtype());
		int rank = Math.max(a.type().rank(), b.type().rank());
		return elementwise(kind, toTile(new TileV(a), dtype, rank, node), toTile(new TileV(b), dtype, rank, node), node);
	}

	/** A tile or scalar operand as a tile of {@code dtype} and {@code rank} (leading size-1 axes added). */
	private TileValue toTile(Operand o, DType dtype, int rank, EObject node) throws LoweringException {
		List<Integer> ones = Collections.nCopies(rank, 1);
		switch (o) {
			case TileV t -> {
				TileValue v = castTo(t.value(), dtype);
				return withRank(v, rank);
			}
			case Num n -> {
				return def(new Stmt.Full(fresh(ones, dtype), n.value(), at));
			}
			case FloatScalar f -> {
				return withRank(castTo(f.value(), dtype), rank);
			}
			case IntIdx i -> {
				TileValue iota = def(new Stmt.Iota(fresh(List.of(1), DType.I64), 0, i.index(), at));
				return withRank(castTo(iota, dtype), rank);
			}
			default -> throw unsupported(describe(o) + " where a tile or number is expected", node);
		}
	}

	/** {@code v} with leading size-1 axes up to {@code rank}, or a single-element tile as a rank-0 one. */
	private TileValue withRank(TileValue v, int rank) {
		int r = v.type().rank();
		if (r == rank) {
			return v;
		}
		List<Integer> shape = new ArrayList<>();
		if (rank == 0) {
			// A single-element tile becoming a scalar.
			return def(new Stmt.Reshape(fresh(v.type().withShape(List.of())), v, at));
		}
		for (int i = 0; i < rank - r; i++) {
			shape.add(1);
		}
		shape.addAll(v.type().shape());
		return def(new Stmt.Reshape(fresh(v.type().withShape(shape)), v, at));
	}

	private TileValue castTo(TileValue v, DType dtype) {
		if (v.type().dtype() == dtype) {
			return v;
		}
		return def(new Stmt.Cast(fresh(v.type().withDType(dtype)), v, at));
	}

	private Operand scalarArithmetic(String op, Operand l, Operand r, EObject node) throws LoweringException {
		if (l instanceof Num a && r instanceof Num b) {
			boolean ints = a.integer() && b.integer();
			double x = a.value();
			double y = b.value();
			switch (op) {
				case "+":
					return new Num(x + y, ints);
				case "-":
					return new Num(x - y, ints);
				case "*":
					return new Num(x * y, ints);
				case "/":
					return new Num(x / y, false);
				case "**":
					return new Num(Math.pow(x, y), ints && y >= 0);
				case "//":
					if (y != 0) {
						return new Num(Math.floor(x / y), ints);
					}
					break;
				case "%":
					if (y != 0) {
						return new Num(x - Math.floor(x / y) * y, ints);
					}
					break;
				default:
					break;
			}
		}
		Index a = intIndex(l);
		Index b = intIndex(r);
		if (a != null && b != null) {
			switch (op) {
				case "+":
					return new IntIdx(Index.add(a, b));
				case "-":
					return new IntIdx(new Index.Binary(Index.Operator.SUB, a, b));
				case "*":
					return new IntIdx(Index.mul(a, b));
				case "//":
					return new IntIdx(new Index.Binary(Index.Operator.FLOOR_DIV, a, b));
				case "%":
					return new IntIdx(new Index.Binary(Index.Operator.SUB, a,
							new Index.Binary(Index.Operator.MUL, new Index.Binary(Index.Operator.FLOOR_DIV, a, b), b)));
				default:
					break;
			}
		}
		BinaryKind kind = binaryKind(op);
		if (kind == null) {
			throw unsupported("'" + op + "' on " + describe(l) + " and " + describe(r), node);
		}
		// A Python float known at run time: an f64 scalar.
		TileValue x = toTile(l, DType.F64, 0, node);
		TileValue y = toTile(r, DType.F64, 0, node);
		return new FloatScalar(def(new Stmt.Binary(kind, fresh(List.of(), DType.F64), x, y, at)));
	}

	private Operand attribute(Attribute a, Map<String, Operand> env) throws LoweringException {
		Operand receiver = expr(a.getReceiver(), env);
		String name = a.getName();
		switch (receiver) {
			case Context c -> {
				if (!CONTEXT_DIMS.containsKey(name)) {
					throw unsupported("the context field '" + name + "'", a);
				}
				contextReads.add(name);
				return new Num(schedule.size(name), true);
			}
			case KArg k -> {
				Param p = params.get(k.name());
				if (name.equals("shape")) {
					List<Operand> dims = new ArrayList<>();
					for (int i = 0; i < p.rank(); i++) {
						dims.add(new IntIdx(new Index.Extent(p.name(), i)));
					}
					return new Tup(dims);
				}
				if (name.equals("ndim")) {
					return new Num(p.rank(), true);
				}
			}
			case TileV t -> {
				if (name.equals("shape")) {
					return new Tup(t.value().type().shape().stream().map(s -> (Operand) new Num(s, true)).toList());
				}
				if (name.equals("T") && t.value().type().rank() == 2) {
					at = Ranges.of(a);
					return new TileV(transpose(t.value()));
				}
			}
			case Shared s -> {
				if (name.equals("shape")) {
					return new Tup(s.type().shape().stream().map(x -> (Operand) new Num(x, true)).toList());
				}
			}
			case TileNamespace ns -> throw unsupported("tile." + name + " used as a value (call it)", a);
			default -> {
			}
		}
		throw unsupported("the attribute '." + name + "' of " + describe(receiver), a);
	}

	private Operand subscript(Subscript s, Map<String, Operand> env) throws LoweringException {
		Operand receiver = expr(s.getReceiver(), env);
		at = Ranges.of(s);
		if (receiver instanceof Tup tup && s.getIndices().size() == 1 && expr(s.getIndices().get(0), env) instanceof Num n && n.integer()) {
			int size = tup.elements().size();
			int i = (int) n.value();
			if (i >= -size && i < size) {
				return tup.elements().get(i < 0 ? i + size : i);
			}
			throw new LoweringException("index " + i + " is out of range for a tuple of " + size, Ranges.of(s));
		}
		if (receiver instanceof TileV t) {
			return new TileV(newAxes(t.value(), s));
		}
		if (receiver instanceof KArg k) {
			throw unsupported("indexing the KTile '" + k.name() + "' (read it with tile.load)", s);
		}
		throw unsupported("indexing or slicing " + describe(receiver), s);
	}

	/** {@code x[:, None]}, {@code x[None, :]}, {@code x[..., None]}: a reshape adding size-1 axes. */
	private TileValue newAxes(TileValue x, Subscript s) throws LoweringException {
		List<Integer> in = x.type().shape();
		List<Integer> out = new ArrayList<>();
		int next = 0;
		boolean ellipsis = false;
		List<Expression> indices = s.getIndices();
		for (int i = 0; i < indices.size(); i++) {
			Expression e = indices.get(i);
			if (e instanceof NoneLiteral) {
				out.add(1);
			} else if (e instanceof Slice sl && sl.getLower() == null && sl.getUpper() == null && sl.getStep() == null) {
				if (next >= in.size()) {
					throw new LoweringException("too many indices for a tile of rank " + in.size(), Ranges.of(e));
				}
				out.add(in.get(next++));
			} else if (e instanceof EllipsisLiteral && !ellipsis) {
				ellipsis = true;
				int later = 0;
				for (int j = i + 1; j < indices.size(); j++) {
					if (!(indices.get(j) instanceof NoneLiteral)) {
						later++;
					}
				}
				while (next < in.size() - later) {
					out.add(in.get(next++));
				}
			} else {
				throw unsupported("indexing a tile with anything but ':', '...' and None (x[:, None])", e);
			}
		}
		while (next < in.size()) {
			out.add(in.get(next++));
		}
		if (out.equals(in)) {
			return x;
		}
		return def(new Stmt.Reshape(fresh(x.type().withShape(out)), x, at));
	}

	// ------------------------------------------------------------------ calls

	private Operand call(Call c, Map<String, Operand> env) throws LoweringException {
		if (c.getCallee() instanceof Attribute a && a.getReceiver() instanceof Name n && n.getId().equals("tile") && !env.containsKey("tile")) {
			return tileOp(a.getName(), c, env);
		}
		if (c.getCallee() instanceof Name n && !env.containsKey(n.getId()) && (n.getId().equals("float") || n.getId().equals("int"))) {
			if (c.getArgs().size() != 1 || c.getArgs().get(0).getName() != null) {
				throw unsupported(n.getId() + "(...) with other than one argument", c);
			}
			Operand x = expr(c.getArgs().get(0).getValue(), env);
			at = Ranges.of(c);
			return n.getId().equals("float") ? toFloat(x, c) : toInt(x, c);
		}
		String what = c.getCallee() instanceof Name n ? "'" + n.getId() + "'" : "this function";
		throw unsupported("calling " + what + " in a kernel (only tile.* operations, float() and int() are)", c);
	}

	private Operand toFloat(Operand x, Call c) throws LoweringException {
		return switch (x) {
			case Num n -> new Num(n.value(), false);
			case Str s -> switch (s.value().strip().toLowerCase(Locale.ROOT)) {
				case "inf", "+inf", "infinity" -> new Num(Double.POSITIVE_INFINITY, false);
				case "-inf", "-infinity" -> new Num(Double.NEGATIVE_INFINITY, false);
				case "nan" -> new Num(Double.NaN, false);
				default -> {
					try {
						yield new Num(Double.parseDouble(s.value()), false);
					} catch (NumberFormatException e) {
						throw new LoweringException("float(\"" + s.value() + "\") is not a number", Ranges.of(c));
					}
				}
			};
			case IntIdx i -> new FloatScalar(toTile(i, DType.F64, 0, c));
			case FloatScalar f -> f;
			// An int parameter (a 0-D i64 tile) as a run-time float.
			case TileV t when t.value().type().rank() == 0 && t.value().type().dtype().isInteger() -> new FloatScalar(castTo(t.value(), DType.F64));
			default -> throw unsupported("float() of " + describe(x), c);
		};
	}

	private Operand toInt(Operand x, Call c) throws LoweringException {
		return switch (x) {
			case Num n -> new Num(n.value() < 0 ? Math.ceil(n.value()) : Math.floor(n.value()), true);
			case IntIdx i -> i;
			default -> throw unsupported("int() of " + describe(x) + " (a run-time float cannot become an index)", c);
		};
	}

	private static boolean isTileCall(EObject e, String op) {
		return e instanceof Call c && c.getCallee() instanceof Attribute a && a.getReceiver() instanceof Name n && n.getId().equals("tile")
				&& op.equals(a.getName());
	}

	/** The call's arguments by the parameter names of the tile operation (unevaluated). */
	private Map<String, Expression> bind(String op, Call c) throws LoweringException {
		Signature sig = Prelude.get().tile().get(op);
		if (sig == null) {
			throw unsupported("tile." + op, c);
		}
		Map<String, Expression> bound = new HashMap<>();
		List<Signature.Param> positional = sig.params().stream().filter(p -> p.kind() == Signature.Param.Kind.POSITIONAL).toList();
		int next = 0;
		for (Argument a : c.getArgs()) {
			if (a.isStar() || a.isDoubleStar()) {
				throw unsupported("argument unpacking ('*' or '**')", a);
			}
			String param;
			if (a.getName() == null) {
				if (next >= positional.size()) {
					throw new LoweringException("too many positional arguments to tile." + op, Ranges.of(a));
				}
				param = positional.get(next++).name();
			} else {
				param = a.getName();
				if (sig.param(param) == null) {
					throw new LoweringException("tile." + op + " has no parameter '" + param + "'", Ranges.of(a));
				}
			}
			bound.put(param, a.getValue());
		}
		return bound;
	}

	private Expression required(Map<String, Expression> args, String param, Call c) throws LoweringException {
		Expression e = args.get(param);
		if (e == null) {
			throw new LoweringException("missing argument '" + param + "'", Ranges.of(c));
		}
		return e;
	}

	/** The operand of an optional argument; null when it is absent or None. */
	private Operand optional(Map<String, Expression> args, String param, Map<String, Operand> env) throws LoweringException {
		Expression e = args.get(param);
		if (e == null) {
			return null;
		}
		Operand o = expr(e, env);
		return o instanceof NoneV ? null : o;
	}

	private TileValue tileArg(Map<String, Expression> args, String param, Call c, Map<String, Operand> env) throws LoweringException {
		Operand o = expr(required(args, param, c), env);
		if (o instanceof Shared) {
			throw unsupported("a shared buffer as a value (read it with tile.load(" + param + "))", args.get(param));
		}
		if (!(o instanceof TileV t)) {
			throw unsupported("'" + param + "' given as " + describe(o) + " (a tile is expected)", args.get(param));
		}
		return t.value();
	}

	private DType dtypeArg(Map<String, Expression> args, String param, DType fallback, Map<String, Operand> env) throws LoweringException {
		Operand o = optional(args, param, env);
		if (o == null) {
			if (fallback == null) {
				throw new LoweringException("missing argument '" + param + "'", at);
			}
			return fallback;
		}
		if (!(o instanceof DTypeV d)) {
			throw unsupported("'" + param + "=' given as " + describe(o) + " (a dtype such as f32 is expected)", args.get(param));
		}
		return d.dtype();
	}

	/** A compile-time int argument; null when absent. */
	private Integer intArg(Map<String, Expression> args, String param, Map<String, Operand> env) throws LoweringException {
		Operand o = optional(args, param, env);
		if (o == null) {
			return null;
		}
		if (!(o instanceof Num n) || !n.integer()) {
			throw new LoweringException("'" + param + "=' must be a compile-time int (a schedule field such as T.m, or a literal), got "
					+ describe(o), Ranges.of(args.get(param)));
		}
		return (int) n.value();
	}

	/** A tile shape: a tuple of compile-time ints, or one. */
	private List<Integer> shapeArg(Map<String, Expression> args, Call c, Map<String, Operand> env) throws LoweringException {
		Expression e = required(args, "shape", c);
		Operand o = expr(e, env);
		List<Operand> items = o instanceof Tup t ? t.elements() : List.of(o);
		List<Integer> shape = new ArrayList<>();
		for (Operand x : items) {
			if (!(x instanceof Num n) || !n.integer() || n.value() < 1) {
				throw new LoweringException("tile shapes are compile-time: each size must be a positive int known when compiling (a schedule field "
						+ "such as T.m, or a literal), got " + describe(x), Ranges.of(e));
			}
			shape.add((int) n.value());
		}
		return shape;
	}

	private Operand tileOp(String op, Call c, Map<String, Operand> env) throws LoweringException {
		Map<String, Expression> args = bind(op, c);
		SourceRange here = Ranges.of(c);
		switch (op) {
			case "context":
				return new Context();
			case "program_id": {
				Operand axis = optional(args, "axis", env);
				if (axis == null) {
					axis = new Num(0, true);
				}
				if (!(axis instanceof Num n) || !n.integer() || n.value() < 0 || n.value() > 2) {
					throw new LoweringException("tile.program_id(axis) takes a literal axis 0, 1 or 2", here);
				}
				int g = (int) n.value();
				programIds.putIfAbsent(g, here);
				return new IntIdx(new Index.ProgramId(g));
			}
			case "load":
				return load(args, c, env);
			case "store":
				store(args, c, env, null);
				return new NoneV();
			case "atomic_add", "atomic_max", "atomic_min":
				store(args, c, env, Stmt.AtomicKind.valueOf(op.substring("atomic_".length()).toUpperCase(Locale.ROOT)));
				return new NoneV();
			case "barrier":
				at = here;
				add(new Stmt.Barrier(here));
				return new NoneV();
			case "zeros", "full": {
				List<Integer> shape = shapeArg(args, c, env);
				double value = 0;
				if (op.equals("full")) {
					Operand v = optional(args, "value", env);
					if (v != null && !(v instanceof Num)) {
						throw new LoweringException("tile.full needs a compile-time value, got " + describe(v), Ranges.of(args.get("value")));
					}
					value = v == null ? 0 : ((Num) v).value();
				}
				DType dtype = dtypeArg(args, "dtype", DType.F32, env);
				at = here;
				return new TileV(def(new Stmt.Full(fresh(shape, dtype), value, here)));
			}
			case "shared": {
				List<Integer> shape = shapeArg(args, c, env);
				DType dtype = dtypeArg(args, "dtype", DType.F16, env);
				return new Shared(new TileType(shape, dtype, TileType.Space.SHARED), null);
			}
			case "dot": {
				// tile.dot(a, b, acc): accumulate into acc, as Triton's tl.dot(a, b, acc).
				Operand acc = args.get("acc") == null ? null : optional(args, "acc", env);
				if (acc != null && !(acc instanceof TileV)) {
					throw unsupported("tile.dot with the accumulator " + describe(acc) + " (a tile is expected)", args.get("acc"));
				}
				return dot(c, env, acc == null ? null : ((TileV) acc).value());
			}
			case "transpose": {
				TileValue x = tileArg(args, "x", c, env);
				if (x.type().rank() != 2) {
					throw new LoweringException("tile.transpose needs a 2-D tile, got " + x.type(), here);
				}
				at = here;
				return new TileV(transpose(x));
			}
			case "cast": {
				Operand x = expr(required(args, "x", c), env);
				DType dtype = dtypeArg(args, "dtype", null, env);
				at = here;
				return switch (x) {
					case TileV t -> new TileV(castTo(t.value(), dtype));
					case Num n -> n;
					case FloatScalar f -> f;
					default -> throw unsupported("tile.cast of " + describe(x), c);
				};
			}
			case "exp", "exp2", "log", "log2", "rsqrt", "sqrt", "sigmoid", "tanh", "erf", "abs", "floor", "ceil": {
				Operand x = expr(required(args, "x", c), env);
				at = here;
				return math(op, x, c);
			}
			case "max", "min": {
				Operand x = expr(required(args, "x", c), env);
				Operand other = optional(args, "other", env);
				Integer axis = intArg(args, "axis", env);
				at = here;
				if (other != null && axis != null) {
					throw new LoweringException("tile." + op + " takes a second operand or axis=, not both", here);
				}
				if (other != null) {
					if (!(x instanceof TileV) && !(other instanceof TileV)) {
						throw unsupported("tile." + op + " of two scalars", c);
					}
					return elementwiseCall(op.equals("max") ? BinaryKind.MAX : BinaryKind.MIN, x, other, c);
				}
				if (axis == null) {
					throw new LoweringException("tile." + op + " needs axis= (a reduction) or a second tile (the elementwise " + op + "imum)", here);
				}
				if (!(x instanceof TileV t)) {
					throw unsupported("tile." + op + " of " + describe(x), c);
				}
				return new TileV(reduce(op.equals("max") ? ReduceKind.MAX : ReduceKind.MIN, t.value(), axis, c));
			}
			case "maximum", "minimum", "pow": {
				Operand a = expr(required(args, "a", c), env);
				Operand b = expr(required(args, "b", c), env);
				at = here;
				return elementwiseCall(op.equals("maximum") ? BinaryKind.MAX : op.equals("minimum") ? BinaryKind.MIN : BinaryKind.POW, a, b, c);
			}
			case "fma": {
				Operand a = expr(required(args, "a", c), env);
				Operand b = expr(required(args, "b", c), env);
				Operand addend = expr(required(args, "c", c), env);
				at = here;
				return binary("+", binary("*", a, b, c), addend, c);
			}
			case "argmax", "argmin": {
				TileValue x = tileArg(args, "x", c, env);
				Integer axis = intArg(args, "axis", env);
				at = here;
				if (axis == null) {
					throw new LoweringException("tile." + op + " needs axis= (a compile-time int)", here);
				}
				return new TileV(argExtreme(op.equals("argmax"), x, axis, c));
			}
			case "cumsum": {
				TileValue x = tileArg(args, "x", c, env);
				Integer axis = intArg(args, "axis", env);
				at = here;
				int rank = x.type().rank();
				int a = axis == null ? 0 : axis < 0 ? axis + rank : axis;
				if (a < 0 || a >= rank) {
					throw new LoweringException("tile.cumsum: axis " + axis + " is out of range for " + x.type(), here);
				}
				if (x.type().dtype() == DType.BOOL) {
					x = castTo(x, DType.I32);
				}
				return new TileV(def(new Stmt.Scan(fresh(x.type()), x, a, here)));
			}
			case "rand", "randint": {
				Operand seed = expr(required(args, "seed", c), env);
				Operand offsets = expr(required(args, "offsets", c), env);
				at = here;
				if (!(offsets instanceof TileV o) || !o.value().type().dtype().isInteger()) {
					throw unsupported("tile." + op + " of offsets " + describe(offsets) + " (an int tile is expected)", c);
				}
				if (!(seed instanceof Num || seed instanceof TileV s && s.value().type().rank() == 0 && s.value().type().dtype().isInteger())) {
					throw unsupported("tile." + op + " with the seed " + describe(seed) + " (an int number or int parameter is expected)", c);
				}
				TileValue seedTile = toTile(seed, DType.I64, o.value().type().rank(), c);
				DType out = op.equals("rand") ? DType.F32 : DType.I64;
				return new TileV(def(new Stmt.Random(fresh(o.value().type().shape(), out), seedTile, o.value(), here)));
			}
			case "where": {
				Operand cond = expr(required(args, "condition", c), env);
				Operand a = expr(required(args, "a", c), env);
				Operand b = expr(required(args, "b", c), env);
				at = here;
				return where(cond, a, b, c);
			}
			case "arange":
				return arange(args, c, env);
			case "num_programs": {
				Operand axis = optional(args, "axis", env);
				if (axis == null) {
					axis = new Num(0, true);
				}
				if (!(axis instanceof Num n) || !n.integer() || n.value() < 0 || n.value() > 2) {
					throw new LoweringException("tile.num_programs(axis) takes a literal axis 0, 1 or 2", here);
				}
				int g = (int) n.value();
				numProgramsUsed = true;
				if (knownGrid == null) {
					return new IntIdx(Index.of(1)); // a stand-in until the grid is known (see lower)
				}
				return g < knownGrid.size() ? new IntIdx(knownGrid.get(g)) : new Num(1, true);
			}
			case "reshape": {
				TileValue x = tileArg(args, "x", c, env);
				List<Integer> shape = reshapeTarget(x, args, c, env);
				at = here;
				return new TileV(shape.equals(x.type().shape()) ? x : def(new Stmt.Reshape(fresh(x.type().withShape(shape)), x, here)));
			}
			case "expand_dims": {
				TileValue x = tileArg(args, "x", c, env);
				Integer axis = intArg(args, "axis", env);
				int rank = x.type().rank() + 1;
				if (axis == null || axis < -rank || axis >= rank) {
					throw new LoweringException("tile.expand_dims needs a compile-time axis in " + -rank + " .. " + (rank - 1) + " for " + x.type(),
							Ranges.of(args.getOrDefault("axis", c)));
				}
				List<Integer> shape = new ArrayList<>(x.type().shape());
				shape.add(axis < 0 ? axis + rank : axis, 1);
				at = here;
				return new TileV(def(new Stmt.Reshape(fresh(x.type().withShape(shape)), x, here)));
			}
			case "broadcast_to": {
				TileValue x = tileArg(args, "x", c, env);
				List<Integer> shape = shapeArg(args, c, env);
				at = here;
				return new TileV(broadcastTo(x, shape, c));
			}
			case "sum": {
				TileValue x = tileArg(args, "x", c, env);
				Integer axis = intArg(args, "axis", env);
				at = here;
				return new TileV(reduce(ReduceKind.SUM, x, axis == null ? -1 : axis, c));
			}
			case "softmax_online": {
				TileValue s = tileArg(args, "scores", c, env);
				at = here;
				return softmaxOnline(s, c);
			}
			case "softmax_accumulate":
				return softmaxAccumulate(args, c, env);
			case "range_n":
				throw unsupported("tile.range_n outside the iterable of a for loop", c);
			default:
				throw unsupported("tile." + op, c);
		}
	}

	// ------------------------------------------------------------------ elementwise math, where, index tiles

	/**
	 * {@code tile.exp/log/...(x)}: numbers fold at compile time; tiles and run-time scalars become
	 * Tile IR math. abs, floor and ceil keep the dtype; the others compute in floats (an int tile in f32).
	 */
	private Operand math(String op, Operand x, Call c) throws LoweringException {
		switch (x) {
			case Num n -> {
				double v = n.value();
				boolean keepsInt = n.integer() && (op.equals("abs") || op.equals("floor") || op.equals("ceil"));
				return new Num(switch (op) {
					case "exp" -> Math.exp(v);
					case "exp2" -> Math.pow(2, v);
					case "log" -> Math.log(v);
					case "log2" -> Math.log(v) / Math.log(2);
					case "sqrt" -> Math.sqrt(v);
					case "rsqrt" -> 1 / Math.sqrt(v);
					case "sigmoid" -> 1 / (1 + Math.exp(-v));
					case "tanh" -> Math.tanh(v);
					case "erf" -> Elementwise.erf(v);
					case "abs" -> Math.abs(v);
					case "floor" -> Math.floor(v);
					default -> Math.ceil(v);
				}, keepsInt);
			}
			case TileV t -> {
				return new TileV(mathTile(op, t.value(), c));
			}
			case FloatScalar f -> {
				return new FloatScalar(mathTile(op, f.value(), c));
			}
			case IntIdx i -> {
				switch (op) {
					case "floor", "ceil":
						return i;
					case "abs":
						return new IntIdx(new Index.Binary(Index.Operator.MAX, i.index(), new Index.Binary(Index.Operator.SUB, Index.of(0), i.index())));
					default:
						return new FloatScalar(mathTile(op, toTile(i, DType.F64, 0, c), c));
				}
			}
			default -> throw unsupported("tile." + op + " of " + describe(x), c);
		}
	}

	private static final double LN2 = Math.log(2);

	private TileValue mathTile(String op, TileValue x, EObject node) throws LoweringException {
		DType dtype = x.type().dtype();
		int rank = x.type().rank();
		switch (op) {
			case "floor":
				return roundToInteger(x, false, node);
			case "ceil":
				return roundToInteger(x, true, node);
			case "abs":
				if (dtype.isFloat()) {
					return def(new Stmt.Unary(UnaryKind.ABS, fresh(x.type()), x, at));
				}
				// Integer abs as a select: the GPU backend's unary math is for floats.
				TileValue zero = full(0, dtype, rank);
				return select(elementwise(BinaryKind.LT, x, zero, node), elementwise(BinaryKind.SUB, zero, x, node), x, node);
			default:
				break;
		}
		TileValue v = castTo(x, dtype.isFloat() ? dtype : DType.F32);
		return switch (op) {
			// The Tile IR has natural exp and log only: 2^x = e^(x ln 2), log2 x = ln x / ln 2.
			case "exp2" -> {
				TileValue scaled = elementwise(BinaryKind.MUL, v, full(LN2, v.type().dtype(), rank), node);
				yield def(new Stmt.Unary(UnaryKind.EXP, fresh(v.type()), scaled, at));
			}
			case "log2" -> elementwise(BinaryKind.MUL, def(new Stmt.Unary(UnaryKind.LOG, fresh(v.type()), v, at)), full(1 / LN2, v.type().dtype(), rank), node);
			default -> def(new Stmt.Unary(UnaryKind.valueOf(op.toUpperCase(Locale.ROOT)), fresh(v.type()), v, at));
		};
	}

	/** A two-operand elementwise builtin (maximum, minimum, pow): folded for numbers, f64 for run-time scalars. */
	private Operand elementwiseCall(BinaryKind kind, Operand a, Operand b, Call c) throws LoweringException {
		if (!(a instanceof TileV || isScalar(a)) || !(b instanceof TileV || isScalar(b))) {
			throw unsupported(kind.mnemonic() + " of " + describe(a) + " and " + describe(b), c);
		}
		if (a instanceof Num x && b instanceof Num y) {
			return new Num(Elementwise.binary(kind, x.value(), y.value()), x.integer() && y.integer() && kind != BinaryKind.POW);
		}
		if (!(a instanceof TileV) && !(b instanceof TileV)) {
			TileValue x = toTile(a, DType.F64, 0, c);
			TileValue y = toTile(b, DType.F64, 0, c);
			return new FloatScalar(def(new Stmt.Binary(kind, fresh(List.of(), DType.F64), x, y, at)));
		}
		DType dtype = meetDtype(a, b);
		int rank = Math.max(rankOf(a), rankOf(b));
		return new TileV(elementwise(kind, toTile(a, dtype, rank, c), toTile(b, dtype, rank, c), c));
	}

	/** {@code tile.where(cond, a, b)}: a select; two numbers meet in f32 (a float among them) or i32, as the type checker says. */
	private Operand where(Operand cond, Operand a, Operand b, Call c) throws LoweringException {
		if (!(a instanceof TileV || isScalar(a)) || !(b instanceof TileV || isScalar(b))) {
			throw unsupported("tile.where of " + describe(a) + " and " + describe(b), c);
		}
		TileValue condition = boolTile("tile.where", cond, c);
		DType dtype = a instanceof TileV || b instanceof TileV ? meetDtype(a, b) : isFloatNumber(a) || isFloatNumber(b) ? DType.F32 : DType.I32;
		int rank = Math.max(condition.type().rank(), Math.max(rankOf(a), rankOf(b)));
		return new TileV(select(withRank(condition, rank), toTile(a, dtype, rank, c), toTile(b, dtype, rank, c), c));
	}

	/** {@code tile.arange(n)} or {@code tile.arange(start, end)}: an i32 iota of compile-time length. */
	private Operand arange(Map<String, Expression> args, Call c, Map<String, Operand> env) throws LoweringException {
		Expression firstExpr = required(args, "start", c);
		Operand first = expr(firstExpr, env);
		Operand second = optional(args, "end", env);
		Expression endExpr = second == null ? firstExpr : args.get("end");
		Operand end = second == null ? first : second;
		Operand start = second == null ? new Num(0, true) : first;
		for (Operand o : List.of(start, end)) {
			if (!(o instanceof Num n) || !n.integer()) {
				throw new LoweringException("tile.arange needs compile-time ints (literals or schedule fields such as T.n), got " + describe(o)
						+ " (for run-time offsets add them: pid * T.n + tile.arange(T.n))", Ranges.of(o == end ? endExpr : firstExpr));
			}
		}
		long from = (long) ((Num) start).value();
		long n = (long) ((Num) end).value() - from;
		if (n < 1 || n > Integer.MAX_VALUE) {
			throw new LoweringException("tile.arange: the range " + from + " .. " + (from + n) + " has no elements", Ranges.of(c));
		}
		at = Ranges.of(c);
		return new TileV(def(new Stmt.Iota(fresh(List.of((int) n), DType.I32), 0, Index.of(from), at)));
	}

	/** The new shape of tile.reshape: compile-time sizes, one of them possibly -1, with x's element count. */
	private List<Integer> reshapeTarget(TileValue x, Map<String, Expression> args, Call c, Map<String, Operand> env) throws LoweringException {
		Expression e = required(args, "shape", c);
		Operand o = expr(e, env);
		List<Integer> shape = new ArrayList<>();
		int inferred = -1;
		long known = 1;
		for (Operand item : o instanceof Tup t ? t.elements() : List.of(o)) {
			if (!(item instanceof Num n) || !n.integer() || (n.value() < 1 && n.value() != -1)) {
				throw new LoweringException("tile.reshape needs compile-time sizes (positive ints, or one -1), got " + describe(item), Ranges.of(e));
			}
			if (n.value() == -1) {
				if (inferred >= 0) {
					throw new LoweringException("tile.reshape: only one size can be -1", Ranges.of(e));
				}
				inferred = shape.size();
			} else {
				known *= (long) n.value();
			}
			shape.add((int) n.value());
		}
		long count = x.type().shape().stream().mapToLong(Integer::longValue).reduce(1, (p, q) -> p * q);
		if (inferred >= 0 && known > 0 && count % known == 0) {
			shape.set(inferred, (int) (count / known));
			known = count;
		}
		if (known != count) {
			throw new LoweringException("tile.reshape: " + x.type() + " has " + count + " elements, the shape " + shape + " does not", Ranges.of(e));
		}
		return shape;
	}

	/** x repeated along its size-1 and missing leading axes: a select whose condition is all True. */
	private TileValue broadcastTo(TileValue x, List<Integer> shape, Call c) throws LoweringException {
		int rank = shape.size();
		if (x.type().rank() > rank) {
			throw new LoweringException("tile.broadcast_to: " + x.type() + " has more axes than the shape " + shape, Ranges.of(c));
		}
		TileValue v = withRank(x, rank);
		for (int i = 0; i < rank; i++) {
			int size = v.type().shape().get(i);
			if (size != 1 && size != shape.get(i)) {
				throw new LoweringException("tile.broadcast_to: " + x.type() + " does not broadcast to " + shape, Ranges.of(c));
			}
		}
		if (v.type().shape().equals(shape)) {
			return v;
		}
		TileValue all = def(new Stmt.Full(fresh(shape, DType.BOOL), 1, at));
		return select(all, v, v, c);
	}

	/** Reduces {@code axis} (negative from the end) and drops it: a reduce keeping it, then a reshape. */
	private TileValue reduce(ReduceKind kind, TileValue x, int axis, EObject node) throws LoweringException {
		int rank = x.type().rank();
		int a = axis < 0 ? axis + rank : axis;
		if (a < 0 || a >= rank) {
			throw new LoweringException("axis " + axis + " is out of range for a tile of rank " + rank, Ranges.of(node));
		}
		List<Integer> kept = new ArrayList<>(x.type().shape());
		kept.set(a, 1);
		TileValue r = def(new Stmt.Reduce(kind, fresh(x.type().withShape(kept)), x, a, Index.of(x.type().shape().get(a)), at));
		List<Integer> dropped = new ArrayList<>(x.type().shape());
		dropped.remove(a);
		return def(new Stmt.Reshape(fresh(x.type().withShape(dropped)), r, at));
	}

	/**
	 * The index (i32) of the first largest (smallest) element along {@code axis}, the axis dropped:
	 * the smallest index whose element equals the extreme, or is NaN (a NaN wins, as in torch and
	 * NumPy). Lowered onto a max (min) reduction, comparisons and a min reduction of index tiles, so
	 * every backend runs it as it runs those.
	 */
	private TileValue argExtreme(boolean max, TileValue x, int axis, EObject node) throws LoweringException {
		int rank = x.type().rank();
		int a = axis < 0 ? axis + rank : axis;
		if (a < 0 || a >= rank) {
			throw new LoweringException("axis " + axis + " is out of range for a tile of rank " + rank, Ranges.of(node));
		}
		List<Integer> shape = x.type().shape();
		List<Integer> kept = new ArrayList<>(shape);
		kept.set(a, 1);
		TileValue extreme = def(new Stmt.Reduce(max ? ReduceKind.MAX : ReduceKind.MIN, fresh(x.type().withShape(kept)), x, a,
				Index.of(shape.get(a)), at));
		TileValue hit = elementwise(BinaryKind.EQ, x, extreme, node);
		if (x.type().dtype().isFloat()) {
			TileValue nan = elementwise(BinaryKind.NE, x, x, node);
			hit = select(hit, hit, nan, node);
		}
		List<Integer> along = new ArrayList<>(Collections.nCopies(rank, 1));
		along.set(a, shape.get(a));
		TileValue index = def(new Stmt.Iota(fresh(along, DType.I32), a, Index.of(0), at));
		TileValue candidates = select(hit, index, full(shape.get(a), DType.I32, rank), node);
		return reduce(ReduceKind.MIN, candidates, a, node);
	}

	private TileValue transpose(TileValue x) {
		List<Integer> shape = List.of(x.type().shape().get(1), x.type().shape().get(0));
		return def(new Stmt.Transpose(fresh(x.type().withShape(shape)), x, List.of(1, 0), at));
	}

	// ------------------------------------------------------------------ dot

	private DType dotAccType(Call c, Map<String, Operand> env) throws LoweringException {
		return dtypeArg(bind("dot", c), "acc_dtype", DType.F32, env);
	}

	/** Whether {@code acc} has the type of the dot's result (so that the dot can accumulate into it); evaluates nothing. */
	private boolean dotResultType(Call c, Map<String, Operand> env, TileValue acc) throws LoweringException {
		Type t = types.typeOf(c);
		if (!(t instanceof Type.Tile tile) || tile.dims() == null || tile.dtype() == null) {
			return false;
		}
		List<Integer> shape = new ArrayList<>();
		for (Dim d : tile.dims()) {
			Dim s = d.substitute(contextBindings);
			if (!s.isConstant()) {
				return false;
			}
			shape.add((int) s.constantValue().getAsLong());
		}
		return acc.type().equals(new TileType(shape, tile.dtype()));
	}

	/** The operands of a tile.dot, cast to one dtype. */
	private List<TileValue> dotOperands(Call c, Map<String, Operand> env) throws LoweringException {
		Map<String, Expression> args = bind("dot", c);
		TileValue a = tileArg(args, "a", c, env);
		TileValue b = tileArg(args, "b", c, env);
		at = Ranges.of(c);
		// trans_a / trans_b: the operand as stored, transposed first (a K-major B, as nn.Linear's weights).
		if (flag(args, "trans_a", env, c) && a.type().rank() == 2) {
			a = transpose(a);
		}
		if (flag(args, "trans_b", env, c) && b.type().rank() == 2) {
			b = transpose(b);
		}
		if (a.type().rank() != 2 || b.type().rank() != 2 || !a.type().shape().get(1).equals(b.type().shape().get(0))) {
			throw new LoweringException("tile.dot multiplies [M,K] and [K,N] tiles, got " + a.type() + " and " + b.type(), Ranges.of(c));
		}
		DType dtype = DType.promote(a.type().dtype(), b.type().dtype());
		return List.of(castTo(a, dtype), castTo(b, dtype));
	}

	/** A compile-time bool keyword argument (a literal or a bool parameter's default); false when absent. */
	private boolean flag(Map<String, Expression> args, String name, Map<String, Operand> env, Call c) throws LoweringException {
		if (args.get(name) == null) {
			return false;
		}
		Operand v = expr(args.get(name), env);
		if (!(v instanceof Num n)) {
			throw unsupported(name + "= that is not a compile-time bool", args.get(name));
		}
		return n.value() != 0;
	}

	/** {@code tile.dot(a, b)}: into a zero tile of acc_dtype, or into {@code acc} when given. */
	private Operand dot(Call c, Map<String, Operand> env, TileValue acc) throws LoweringException {
		List<TileValue> ab = dotOperands(c, env);
		DType accType = dotAccType(c, env);
		SourceRange here = Ranges.of(c);
		at = here;
		List<Integer> shape = List.of(ab.get(0).type().shape().get(0), ab.get(1).type().shape().get(1));
		TileType type = new TileType(shape, accType);
		if (acc == null || !acc.type().equals(type)) {
			TileValue zero = def(new Stmt.Full(fresh(type), 0, here));
			TileValue d = def(new Stmt.Dot(fresh(type), ab.get(0), ab.get(1), zero, here));
			return acc == null ? new TileV(d) : new TileV(elementwiseTiles(BinaryKind.ADD, acc, d, c));
		}
		return new TileV(def(new Stmt.Dot(fresh(type), ab.get(0), ab.get(1), acc, here)));
	}

	// ------------------------------------------------------------------ online softmax

	/** {@code (p, m, l)}: m the row maxima of the scores, p = exp(s - m), l the row sums of p; in f32. */
	private Operand softmaxOnline(TileValue scores, Call c) throws LoweringException {
		if (scores.type().rank() != 2) {
			throw new LoweringException("tile.softmax_online needs a 2-D score tile, got " + scores.type(), Ranges.of(c));
		}
		TileValue s = castTo(scores, DType.F32);
		TileValue m = reduce(ReduceKind.MAX, s, 1, c);
		TileValue shifted = elementwiseTiles(BinaryKind.SUB, s, column(m), c);
		TileValue p = def(new Stmt.Unary(UnaryKind.EXP, fresh(s.type()), shifted, at));
		TileValue l = reduce(ReduceKind.SUM, p, 1, c);
		return new Tup(List.of(new TileV(p), new TileV(m), new TileV(l)));
	}

	/**
	 * {@code (acc', m', l')} folding a block whose probabilities p are relative to its maxima m_curr:
	 * m' = max(m, m_curr), l' = l exp(m - m') + l_curr exp(m_curr - m'), acc' = acc exp(m - m') +
	 * (p @ v) exp(m_curr - m').
	 */
	private Operand softmaxAccumulate(Map<String, Expression> args, Call c, Map<String, Operand> env) throws LoweringException {
		TileValue acc = tileArg(args, "acc", c, env);
		TileValue m = tileArg(args, "m", c, env);
		TileValue l = tileArg(args, "l", c, env);
		TileValue p = tileArg(args, "p", c, env);
		TileValue v = tileArg(args, "v", c, env);
		TileValue mCurr = tileArg(args, "m_curr", c, env);
		TileValue lCurr = tileArg(args, "l_curr", c, env);
		at = Ranges.of(c);
		if (acc.type().rank() != 2 || p.type().rank() != 2 || v.type().rank() != 2 || m.type().rank() != 1 || l.type().rank() != 1
				|| mCurr.type().rank() != 1 || lCurr.type().rank() != 1) {
			throw new LoweringException("tile.softmax_accumulate needs acc [M,D], m [M], l [M], p [M,N], v [N,D], m_curr [M], l_curr [M]",
					Ranges.of(c));
		}
		TileValue mNew = elementwiseTiles(BinaryKind.MAX, m, mCurr, c);
		TileValue oldShift = elementwiseTiles(BinaryKind.SUB, m, mNew, c);
		TileValue alpha = def(new Stmt.Unary(UnaryKind.EXP, fresh(mNew.type()), oldShift, at));
		TileValue newShift = elementwiseTiles(BinaryKind.SUB, mCurr, mNew, c);
		TileValue beta = def(new Stmt.Unary(UnaryKind.EXP, fresh(mNew.type()), newShift, at));
		TileValue lNew = elementwiseTiles(BinaryKind.ADD, elementwiseTiles(BinaryKind.MUL, l, alpha, c),
				elementwiseTiles(BinaryKind.MUL, lCurr, beta, c), c);
		DType dtype = DType.promote(p.type().dtype(), v.type().dtype());
		TileValue pc = castTo(p, dtype);
		TileValue vc = castTo(v, dtype);
		if (!pc.type().shape().get(1).equals(vc.type().shape().get(0))) {
			throw new LoweringException("tile.softmax_accumulate: p is " + p.type() + ", v is " + v.type(), Ranges.of(c));
		}
		TileType pvType = new TileType(List.of(pc.type().shape().get(0), vc.type().shape().get(1)), acc.type().dtype());
		TileValue zero = def(new Stmt.Full(fresh(pvType), 0, at));
		TileValue pv = def(new Stmt.Dot(fresh(pvType), pc, vc, zero, at));
		TileValue accNew = elementwiseTiles(BinaryKind.ADD, elementwiseTiles(BinaryKind.MUL, acc, column(alpha), c),
				elementwiseTiles(BinaryKind.MUL, pv, column(beta), c), c);
		return new Tup(List.of(new TileV(accNew), new TileV(mNew), new TileV(lNew)));
	}

	/** A [M] tile as [M, 1]. */
	private TileValue column(TileValue x) {
		return def(new Stmt.Reshape(fresh(x.type().withShape(List.of(x.type().shape().get(0), 1))), x, at));
	}

	// ------------------------------------------------------------------ memory

	private Operand load(Map<String, Expression> args, Call c, Map<String, Operand> env) throws LoweringException {
		Operand src = expr(required(args, "src", c), env);
		Operand index = optional(args, "index", env);
		Integer rows = intArg(args, "rows", env);
		Integer cols = intArg(args, "cols", env);
		intArg(args, "vector", env); // access hints of the GPU backend; the semantics do not depend on them
		intArg(args, "prefetch", env);
		Operand fill = optional(args, "fill", env);
		Operand mask = optional(args, "mask", env);
		SourceRange here = Ranges.of(c);
		at = here;
		if (src instanceof Shared s) {
			if (mask != null) {
				throw unsupported("mask= on a load from a shared buffer (use tile.where on the loaded tile)", args.get("mask"));
			}
			if (index != null) {
				throw unsupported("a block index into a shared buffer (it is loaded whole)", args.get("index"));
			}
			if (s.content() == null) {
				throw new LoweringException("this reads the shared buffer before anything is stored into it (tile.store(buffer, tile) first)", here);
			}
			if ((rows != null && rows != s.type().shape().get(0)) || (cols != null && cols != s.type().shape().get(s.type().rank() - 1))) {
				throw new LoweringException("rows=/cols= differ from the shape of the shared buffer " + s.type(), here);
			}
			TileType registers = new TileType(s.type().shape(), s.type().dtype());
			return new TileV(def(new Stmt.Copy(fresh(registers), s.content(), here)));
		}
		if (!(src instanceof KArg k)) {
			throw unsupported("tile.load from " + describe(src) + " (a KTile parameter or a shared buffer is expected)", c);
		}
		Param p = params.get(k.name());
		List<Integer> shape;
		if (p.rank() == 1) {
			if (rows != null && cols != null) {
				throw new LoweringException("tile.load of the 1-D '" + p.name() + "' takes cols= (or rows=), not both", here);
			}
			Integer n = cols != null ? cols : rows;
			if (n == null) {
				throw new LoweringException("tile.load of the 1-D '" + p.name() + "' needs cols= (the tile's length)", here);
			}
			shape = List.of(n);
		} else {
			if (rows == null || cols == null) {
				throw new LoweringException("tile.load of the " + p.rank() + "-D '" + p.name() + "' needs rows= and cols= (the tile's shape)", here);
			}
			shape = List.of(rows, cols);
		}
		double other = 0;
		if (fill != null) {
			if (!(fill instanceof Num n)) {
				throw new LoweringException("fill= must be a compile-time number (0.0, float(\"-inf\")), got " + describe(fill),
						Ranges.of(args.get("fill")));
			}
			other = n.value();
		}
		Access access = access(p, index, shape, false, c);
		loadedAt.putIfAbsent(p.name(), here);
		checkInPlace(p.name(), here);
		TileValue loaded = def(new Stmt.Load(fresh(shape, p.dtype()), p.name(), access, other, here));
		if (mask == null) {
			return new TileV(loaded);
		}
		// The load reads every in-bounds element; where the mask is False the fill replaces it.
		TileValue m = boolTile("mask=", mask, args.get("mask"));
		if (m.type().rank() > shape.size()) {
			throw new LoweringException("the mask " + m.type() + " has more axes than the loaded tile " + loaded.type(), Ranges.of(args.get("mask")));
		}
		m = withRank(m, shape.size());
		for (int i = 0; i < shape.size(); i++) {
			int size = m.type().shape().get(i);
			if (size != 1 && size != shape.get(i)) {
				throw new LoweringException("the mask " + m.type() + " does not broadcast to the loaded tile " + loaded.type(), Ranges.of(args.get("mask")));
			}
		}
		return new TileV(select(m, loaded, full(other, p.dtype(), shape.size()), c));
	}

	/** tile.store, or with {@code atomic} a tile.atomic_add/max/min: the same addressing, an atomic update per element. */
	private void store(Map<String, Expression> args, Call c, Map<String, Operand> env, Stmt.AtomicKind atomic) throws LoweringException {
		Expression dstExpr = required(args, "dst", c);
		Operand dst = expr(dstExpr, env);
		Operand value = expr(required(args, "value", c), env);
		Operand index = optional(args, "index", env);
		SourceRange here = Ranges.of(c);
		at = here;
		Operand mask = args.get("mask") == null ? null : optional(args, "mask", env);
		if (!(value instanceof TileV t)) {
			throw unsupported("storing " + describe(value) + " (tile.store takes a tile)", args.get("value"));
		}
		if (dst instanceof Shared s && atomic != null) {
			throw unsupported("atomics on a shared buffer (each program owns its shared buffers: update it with tile.store)", c);
		}
		if (dst instanceof Shared s) {
			if (mask != null) {
				throw unsupported("mask= on a store into a shared buffer (use tile.where on the stored tile)", args.get("mask"));
			}
			if (index != null) {
				throw unsupported("a block index into a shared buffer (it is stored whole)", args.get("index"));
			}
			if (!(dstExpr instanceof Name n)) {
				throw unsupported("storing into a shared buffer that is not named by a variable", dstExpr);
			}
			if (!t.value().type().shape().equals(s.type().shape())) {
				throw new LoweringException("tile.store: the shared buffer is " + s.type() + ", the value is " + t.value().type(), here);
			}
			TileValue v = castTo(t.value(), s.type().dtype());
			TileValue content = def(new Stmt.Copy(fresh(s.type()), v, here));
			env.put(n.getId(), new Shared(s.type(), content));
			return;
		}
		if (!(dst instanceof KArg k)) {
			throw unsupported("tile.store into " + describe(dst) + " (a KTile parameter or a shared buffer is expected)", c);
		}
		Param p = params.get(k.name());
		if (t.value().type().rank() > p.rank() || (t.value().type().rank() < p.rank() && t.value().type().rank() < 2)) {
			throw new LoweringException("tile.store of a " + t.value().type() + " tile into the " + p.rank() + "-D '" + p.name()
					+ "': the tile needs the rank of the argument (add axes with x[:, None] or x[None, :])", here);
		}
		TileValue v = castTo(t.value(), p.dtype());
		Access access = access(p, index, v.type().shape(), true, c);
		storedAt.putIfAbsent(p.name(), here);
		checkInPlace(p.name(), here);
		if (atomic != null && !java.util.Set.of(DType.F32, DType.F64, DType.I32, DType.I64).contains(p.dtype())) {
			throw new LoweringException("tile.atomic_" + atomic.name().toLowerCase(Locale.ROOT) + " on the " + p.dtype().sourceName() + " KTile '" + p.name()
					+ "': atomics take f32, f64, i32 or i64 KTiles", here);
		}
		// One KTile is either stored or updated atomically: an atomic output starts at zero, a stored one is written once per element.
		(atomic == null ? plainStoreAt : atomicAt).putIfAbsent(p.name(), here);
		if (plainStoreAt.containsKey(p.name()) && atomicAt.containsKey(p.name())) {
			throw new LoweringException("'" + p.name() + "' is both stored (tile.store, line " + plainStoreAt.get(p.name()).line()
					+ ") and updated atomically (line " + atomicAt.get(p.name()).line() + "): use one or the other", here);
		}
		TileValue m = null;
		if (mask != null) {
			// Where the mask is False the destination keeps what it held; it broadcasts to the stored tile.
			m = boolTile("mask=", mask, args.get("mask"));
			List<Integer> shape = v.type().shape();
			if (m.type().rank() > shape.size()) {
				throw new LoweringException("the mask " + m.type() + " has more axes than the stored tile " + v.type(), Ranges.of(args.get("mask")));
			}
			TileValue ranked = withRank(m, shape.size());
			for (int i = 0; i < shape.size(); i++) {
				int size = ranked.type().shape().get(i);
				if (size != 1 && size != shape.get(i)) {
					throw new LoweringException("the mask " + m.type() + " does not broadcast to the stored tile " + v.type(), Ranges.of(args.get("mask")));
				}
			}
			m = ranked.type().shape().equals(shape) ? ranked
					: select(def(new Stmt.Full(fresh(shape, DType.BOOL), 1, here)), ranked, ranked, c);
		}
		add(atomic == null ? new Stmt.Store(p.name(), access, v, m, here) : new Stmt.Atomic(atomic, p.name(), access, v, m, here));
	}

	private void checkInPlace(String arg, SourceRange here) throws LoweringException {
		if (loadedAt.containsKey(arg) && storedAt.containsKey(arg)) {
			throw new LoweringException("'" + arg + "' is both read (tile.load) and written (tile.store): in-place kernels are not supported yet "
					+ "(the Tile IR has no buffer that is both an input and an output)", here);
		}
	}

	/**
	 * The access of a tile of {@code shape} at block coordinates {@code index} of {@code p}: the tile's
	 * axes walk the argument's last axes, origin = coordinate x the tile's size along the axis; leading
	 * axes of the argument take size-1 blocks. Without an index: the program's block (pid_a on axis a).
	 */
	private Access access(Param p, Operand index, List<Integer> shape, boolean store, EObject where) throws LoweringException {
		int rank = p.rank();
		int r = shape.size();
		List<Index> coords = new ArrayList<>();
		if (index == null) {
			for (int a = 0; a < rank; a++) {
				coords.add(new Index.ProgramId(a));
				programIds.putIfAbsent(a, Ranges.of(where));
				if (a > 2) {
					throw new LoweringException("the program's own block of the " + rank + "-D '" + p.name()
							+ "' would need more than 3 grid axes: give the block index", Ranges.of(where));
				}
			}
		} else {
			List<Operand> items = index instanceof Tup t ? t.elements() : List.of(index);
			if (items.size() > rank) {
				throw new LoweringException("a block index of " + items.size() + " coordinates for the " + rank + "-D '" + p.name() + "'",
						Ranges.of(where));
			}
			for (Operand o : items) {
				Index i = intIndex(o);
				if (i == null) {
					throw new LoweringException("a block coordinate must be an int (a program id, a loop index, or arithmetic on them), got "
							+ describe(o), Ranges.of(where));
				}
				coords.add(i);
			}
			while (coords.size() < rank) {
				coords.add(Index.of(0));
			}
		}
		List<Index> origin = new ArrayList<>();
		List<Integer> axes = new ArrayList<>();
		List<Integer> blocks = new ArrayList<>();
		for (int a = 0; a < rank; a++) {
			int t = a - (rank - r);
			int block = t >= 0 ? shape.get(t) : 1;
			origin.add(Index.mul(coords.get(a), Index.of(block)));
			axes.add(t >= 0 ? t : -1);
			blocks.add(block);
		}
		accesses.add(new AccessRecord(p.name(), coords, blocks, store));
		return new Access(origin, axes);
	}

	// ------------------------------------------------------------------ helpers

	private static boolean isScalar(Operand o) {
		return o instanceof Num || o instanceof IntIdx || o instanceof FloatScalar;
	}

	/** An int operand as an Index; null when it is not an int. */
	private static Index intIndex(Operand o) {
		if (o instanceof Num n && n.integer() && n.value() == Math.rint(n.value())) {
			return Index.of((long) n.value());
		}
		return o instanceof IntIdx i ? i.index() : null;
	}

	private static String describe(Operand o) {
		return switch (o) {
			case TileV t -> "a tile " + t.value().type();
			case Num n -> n.integer() ? "the int " + (long) n.value() : "the float " + n.value();
			case IntIdx i -> "the run-time int " + Index.print(i.index());
			case FloatScalar f -> "a run-time float";
			case Tup t -> "a tuple of " + t.elements().size();
			case KArg k -> "the KTile '" + k.name() + "'";
			case ScalarParam s -> "the scalar parameter '" + s.name() + "'";
			case Shared s -> "a shared buffer " + s.type();
			case Context c -> "the tile context";
			case TileNamespace t -> "the tile namespace";
			case DTypeV d -> "the dtype " + d.dtype().sourceName();
			case Str s -> "a string";
			case NoneV n -> "None";
			case null -> "nothing";
		};
	}

	private TileValue def(Stmt.Def d) {
		add(d);
		return d.result();
	}

	private void add(Stmt s) {
		bodies.peek().add(s);
	}

	private TileValue fresh(TileType type) {
		return new TileValue(nextId++, type);
	}

	private TileValue fresh(List<Integer> shape, DType dtype) {
		return fresh(new TileType(shape, dtype));
	}

	private LoweringException unsupported(String what, EObject where) {
		return new LoweringException(what + " is not supported in a @kernel yet", Ranges.of(where));
	}
}
