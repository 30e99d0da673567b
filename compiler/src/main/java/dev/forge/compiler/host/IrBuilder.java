package dev.forge.compiler.host;

import static org.bytedeco.llvm.global.LLVM.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.llvm.LLVM.LLVMBasicBlockRef;
import org.bytedeco.llvm.LLVM.LLVMBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMContextRef;
import org.bytedeco.llvm.LLVM.LLVMModuleRef;
import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * A thin, typed convenience layer over the LLVM C builder for one module in its own context: types,
 * constants (scalar or splat vector alike), arithmetic, memory, intrinsics, and counted loops with
 * loop-carried values. Every generator of the host backend emits through it, so that the C API's
 * pointer-array plumbing lives in one place. Owns the context, module and builder until
 * {@link #close()}.
 */
public final class IrBuilder implements AutoCloseable {

	private final LLVMContextRef context;
	private final LLVMModuleRef module;
	private final LLVMBuilderRef builder;
	private LLVMValueRef function;

	public IrBuilder(String moduleName) {
		LlvmSupport.init();
		this.context = LLVMContextCreate();
		this.module = LLVMModuleCreateWithNameInContext(moduleName, context);
		this.builder = LLVMCreateBuilderInContext(context);
	}

	public LLVMContextRef context() {
		return context;
	}

	public LLVMModuleRef module() {
		return module;
	}

	public LLVMBuilderRef raw() {
		return builder;
	}

	// ---- types

	public LLVMTypeRef f32() {
		return LLVMFloatTypeInContext(context);
	}

	public LLVMTypeRef f64() {
		return LLVMDoubleTypeInContext(context);
	}

	public LLVMTypeRef f16() {
		return LLVMHalfTypeInContext(context);
	}

	public LLVMTypeRef i1() {
		return LLVMInt1TypeInContext(context);
	}

	public LLVMTypeRef i8() {
		return LLVMInt8TypeInContext(context);
	}

	public LLVMTypeRef i16() {
		return LLVMInt16TypeInContext(context);
	}

	public LLVMTypeRef i32() {
		return LLVMInt32TypeInContext(context);
	}

	public LLVMTypeRef i64() {
		return LLVMInt64TypeInContext(context);
	}

	public LLVMTypeRef ptr() {
		return LLVMPointerTypeInContext(context, 0);
	}

	/** A pointer in an address space (NVPTX: 1 global, 3 shared). */
	public LLVMTypeRef ptr(int addressSpace) {
		return LLVMPointerTypeInContext(context, addressSpace);
	}

	public LLVMTypeRef bf16() {
		return LLVMBFloatTypeInContext(context);
	}

	public LLVMTypeRef voidType() {
		return LLVMVoidTypeInContext(context);
	}

	public LLVMTypeRef vec(LLVMTypeRef element, int lanes) {
		return LLVMVectorType(element, lanes);
	}

	public LLVMTypeRef array(LLVMTypeRef element, long count) {
		return LLVMArrayType2(element, count);
	}

	public LLVMTypeRef struct(LLVMTypeRef... fields) {
		return LLVMStructTypeInContext(context, pp(fields), fields.length, 0);
	}

	public LLVMTypeRef fnType(LLVMTypeRef ret, LLVMTypeRef... params) {
		return LLVMFunctionType(ret, pp(params), params.length, 0);
	}

	public static boolean isVector(LLVMTypeRef t) {
		return LLVMGetTypeKind(t) == LLVMVectorTypeKind;
	}

	/** The element type of a vector, the type itself otherwise. */
	public static LLVMTypeRef scalarOf(LLVMTypeRef t) {
		return isVector(t) ? LLVMGetElementType(t) : t;
	}

	/** The same shape (scalar or vector of the same lanes) with another element type. */
	public LLVMTypeRef like(LLVMTypeRef shape, LLVMTypeRef element) {
		return isVector(shape) ? vec(element, LLVMGetVectorSize(shape)) : element;
	}

	// ---- constants

	public LLVMValueRef i64(long v) {
		return LLVMConstInt(i64(), v, 1);
	}

	public LLVMValueRef i1Const(boolean v) {
		return LLVMConstInt(i1(), v ? 1 : 0, 0);
	}

	/** An i1 constant. */
	public LLVMValueRef i1(boolean v) {
		return LLVMConstInt(i1(), v ? 1 : 0, 0);
	}

	public LLVMValueRef i32(int v) {
		return LLVMConstInt(i32(), v, 1);
	}

	public LLVMValueRef f32(double v) {
		return LLVMConstReal(f32(), v);
	}

	/** A float constant of type t (scalar, or every lane of a vector). */
	public LLVMValueRef constF(LLVMTypeRef t, double v) {
		return splatConst(t, LLVMConstReal(scalarOf(t), v));
	}

	/** An integer constant of type t (scalar, or every lane of a vector). */
	public LLVMValueRef constI(LLVMTypeRef t, long v) {
		return splatConst(t, LLVMConstInt(scalarOf(t), v, 1));
	}

	public LLVMValueRef zero(LLVMTypeRef t) {
		return LLVMConstNull(t);
	}

	private LLVMValueRef splatConst(LLVMTypeRef t, LLVMValueRef scalar) {
		if (!isVector(t)) {
			return scalar;
		}
		LLVMValueRef[] lanes = new LLVMValueRef[LLVMGetVectorSize(t)];
		Arrays.fill(lanes, scalar);
		return LLVMConstVector(pp(lanes), lanes.length);
	}

	/** A vector constant of the given i32 lane values (shuffle masks). */
	public LLVMValueRef constI32Vector(int... values) {
		LLVMValueRef[] lanes = new LLVMValueRef[values.length];
		for (int i = 0; i < values.length; i++) {
			lanes[i] = i32(values[i]);
		}
		return LLVMConstVector(pp(lanes), lanes.length);
	}

	/** Broadcasts a scalar SSA value into every lane of an n-lane vector. */
	public LLVMValueRef splat(LLVMValueRef scalar, int lanes) {
		LLVMTypeRef vt = vec(LLVMTypeOf(scalar), lanes);
		LLVMValueRef one = LLVMBuildInsertElement(builder, LLVMGetPoison(vt), scalar, i32(0), "");
		return LLVMBuildShuffleVector(builder, one, LLVMGetPoison(vt), LLVMConstNull(vec(i32(), lanes)), "");
	}

	// ---- functions and blocks

	/** Declares a function; {@code internal} functions are private to the module (inlinable, droppable). */
	public LLVMValueRef declare(String name, LLVMTypeRef type, boolean internal) {
		LLVMValueRef f = LLVMAddFunction(module, name, type);
		if (internal) {
			LLVMSetLinkage(f, LLVMInternalLinkage);
		}
		addFnAttr(f, "nounwind");
		return f;
	}

	/**
	 * Defines (once per name) an internal helper function while another function is being emitted:
	 * the body is built by {@code body} and the builder returns to where it was. Helpers are marked
	 * alwaysinline, so that loops calling them still vectorize.
	 */
	public LLVMValueRef helper(String name, LLVMTypeRef type, Consumer<LLVMValueRef> body) {
		return helper(name, type, true, body);
	}

	/**
	 * As {@link #helper(String, LLVMTypeRef, Consumer)}; with {@code inline} false the helper is
	 * marked noinline instead, so that it is optimized and register-allocated on its own (a
	 * micro-kernel whose pointers are parameters, not offsets into the caller's stack frame).
	 */
	public LLVMValueRef helper(String name, LLVMTypeRef type, boolean inline, Consumer<LLVMValueRef> body) {
		LLVMValueRef existing = LLVMGetNamedFunction(module, name);
		if (existing != null && !existing.isNull()) {
			return existing;
		}
		LLVMValueRef outer = function;
		LLVMBasicBlockRef where = outer == null ? null : currentBlock();
		LLVMValueRef f = declare(name, type, true);
		addFnAttr(f, inline ? "alwaysinline" : "noinline");
		begin(f);
		body.accept(f);
		function = outer;
		if (where != null) {
			at(where);
		}
		return f;
	}

	/** Starts emitting the body of f at a fresh entry block. */
	public LLVMBasicBlockRef begin(LLVMValueRef f) {
		this.function = f;
		LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(context, f, "entry");
		LLVMPositionBuilderAtEnd(builder, entry);
		return entry;
	}

	public LLVMValueRef currentFunction() {
		return function;
	}

	public LLVMValueRef param(LLVMValueRef f, int i) {
		return LLVMGetParam(f, i);
	}

	public LLVMBasicBlockRef block(String name) {
		return LLVMAppendBasicBlockInContext(context, function, name);
	}

	public void at(LLVMBasicBlockRef b) {
		LLVMPositionBuilderAtEnd(builder, b);
	}

	public LLVMBasicBlockRef currentBlock() {
		return LLVMGetInsertBlock(builder);
	}

	public void br(LLVMBasicBlockRef b) {
		LLVMBuildBr(builder, b);
	}

	public void condBr(LLVMValueRef c, LLVMBasicBlockRef t, LLVMBasicBlockRef f) {
		LLVMBuildCondBr(builder, c, t, f);
	}

	public void retVoid() {
		LLVMBuildRetVoid(builder);
	}

	public void ret(LLVMValueRef v) {
		LLVMBuildRet(builder, v);
	}

	/** An enum attribute on a function ({@code alwaysinline}, {@code nounwind}). */
	public void addFnAttr(LLVMValueRef f, String name) {
		addAttr(f, LLVMAttributeFunctionIndex, name, 0);
	}

	/** An enum attribute on parameter i ({@code noalias}, {@code nocapture}, {@code align} with value). */
	public void addParamAttr(LLVMValueRef f, int i, String name, long value) {
		addAttr(f, i + 1, name, value);
	}

	/** A type attribute on parameter i ({@code byval(type)}). */
	public void addParamTypeAttr(LLVMValueRef f, int i, String name, LLVMTypeRef type) {
		int kind = LLVMGetEnumAttributeKindForName(name, name.length());
		if (kind == 0) {
			throw new IllegalArgumentException("unknown LLVM attribute " + name);
		}
		LLVMAddAttributeAtIndex(f, i + 1, LLVMCreateTypeAttribute(context, kind, type));
	}

	private void addAttr(LLVMValueRef f, int index, String name, long value) {
		int kind = LLVMGetEnumAttributeKindForName(name, name.length());
		if (kind == 0) {
			throw new IllegalArgumentException("unknown LLVM attribute " + name);
		}
		LLVMAddAttributeAtIndex(f, index, LLVMCreateEnumAttribute(context, kind, value));
	}

	/** Emits an alloca in the entry block (so that it is a static stack slot, not a loop-time one). */
	public LLVMValueRef entryAlloca(LLVMTypeRef type, int align, String name) {
		LLVMBasicBlockRef here = currentBlock();
		LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(function);
		LLVMValueRef first = LLVMGetFirstInstruction(entry);
		if (first == null || first.isNull()) {
			LLVMPositionBuilderAtEnd(builder, entry);
		} else {
			LLVMPositionBuilderBefore(builder, first);
		}
		LLVMValueRef slot = LLVMBuildAlloca(builder, type, name);
		LLVMSetAlignment(slot, align);
		LLVMPositionBuilderAtEnd(builder, here);
		return slot;
	}

	// ---- arithmetic (integer)

	public LLVMValueRef add(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildAdd(builder, a, b, "");
	}

	public LLVMValueRef sub(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildSub(builder, a, b, "");
	}

	public LLVMValueRef mul(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildMul(builder, a, b, "");
	}

	public LLVMValueRef sdiv(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildSDiv(builder, a, b, "");
	}

	public LLVMValueRef srem(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildSRem(builder, a, b, "");
	}

	public LLVMValueRef and(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildAnd(builder, a, b, "");
	}

	public LLVMValueRef or(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildOr(builder, a, b, "");
	}

	public LLVMValueRef xor(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildXor(builder, a, b, "");
	}

	public LLVMValueRef shl(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildShl(builder, a, b, "");
	}

	public LLVMValueRef lshr(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildLShr(builder, a, b, "");
	}

	public LLVMValueRef ashr(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildAShr(builder, a, b, "");
	}

	public LLVMValueRef icmp(int predicate, LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildICmp(builder, predicate, a, b, "");
	}

	public LLVMValueRef smin(LLVMValueRef a, LLVMValueRef b) {
		return select(icmp(LLVMIntSLT, a, b), a, b);
	}

	public LLVMValueRef smax(LLVMValueRef a, LLVMValueRef b) {
		return select(icmp(LLVMIntSGT, a, b), a, b);
	}

	// ---- arithmetic (float)

	public LLVMValueRef fadd(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildFAdd(builder, a, b, "");
	}

	public LLVMValueRef fsub(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildFSub(builder, a, b, "");
	}

	public LLVMValueRef fmul(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildFMul(builder, a, b, "");
	}

	public LLVMValueRef fdiv(LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildFDiv(builder, a, b, "");
	}

	public LLVMValueRef fneg(LLVMValueRef a) {
		return LLVMBuildFNeg(builder, a, "");
	}

	public LLVMValueRef fcmp(int predicate, LLVMValueRef a, LLVMValueRef b) {
		return LLVMBuildFCmp(builder, predicate, a, b, "");
	}

	/** a * b + c, fused (llvm.fma). */
	public LLVMValueRef fma(LLVMValueRef a, LLVMValueRef b, LLVMValueRef c) {
		return intrinsic("llvm.fma", LLVMTypeOf(a), a, b, c);
	}

	public LLVMValueRef select(LLVMValueRef c, LLVMValueRef t, LLVMValueRef f) {
		return LLVMBuildSelect(builder, c, t, f, "");
	}

	// ---- conversions

	public LLVMValueRef bitcast(LLVMValueRef v, LLVMTypeRef t) {
		return LLVMBuildBitCast(builder, v, t, "");
	}

	public LLVMValueRef sitofp(LLVMValueRef v, LLVMTypeRef t) {
		return LLVMBuildSIToFP(builder, v, t, "");
	}

	public LLVMValueRef fptosi(LLVMValueRef v, LLVMTypeRef t) {
		return LLVMBuildFPToSI(builder, v, t, "");
	}

	public LLVMValueRef zext(LLVMValueRef v, LLVMTypeRef t) {
		return LLVMBuildZExt(builder, v, t, "");
	}

	public LLVMValueRef sext(LLVMValueRef v, LLVMTypeRef t) {
		return LLVMBuildSExt(builder, v, t, "");
	}

	public LLVMValueRef trunc(LLVMValueRef v, LLVMTypeRef t) {
		return LLVMBuildTrunc(builder, v, t, "");
	}

	public LLVMValueRef fpext(LLVMValueRef v, LLVMTypeRef t) {
		return LLVMBuildFPExt(builder, v, t, "");
	}

	public LLVMValueRef fptrunc(LLVMValueRef v, LLVMTypeRef t) {
		return LLVMBuildFPTrunc(builder, v, t, "");
	}

	// ---- vectors

	public LLVMValueRef extract(LLVMValueRef vector, int lane) {
		return LLVMBuildExtractElement(builder, vector, i32(lane), "");
	}

	/**
	 * A relaxed ("monotonic") atomic read-modify-write of {@code v} into {@code ptr}: add, max or min,
	 * on floats or signed integers; the target lowers it to its atomic instruction or a
	 * compare-and-swap loop. Returns the old value.
	 */
	public LLVMValueRef atomicUpdate(String kind, LLVMValueRef ptr, LLVMValueRef v) {
		boolean isFloat = LLVMGetTypeKind(LLVMTypeOf(v)) != LLVMIntegerTypeKind;
		int op = switch (kind) {
			case "add" -> isFloat ? LLVMAtomicRMWBinOpFAdd : LLVMAtomicRMWBinOpAdd;
			case "max" -> isFloat ? LLVMAtomicRMWBinOpFMax : LLVMAtomicRMWBinOpMax;
			case "min" -> isFloat ? LLVMAtomicRMWBinOpFMin : LLVMAtomicRMWBinOpMin;
			default -> throw new IllegalArgumentException("atomic " + kind);
		};
		return LLVMBuildAtomicRMW(builder, op, ptr, v, LLVMAtomicOrderingMonotonic, 0);
	}

	/** Field {@code index} of a struct value (what an intrinsic or inline assembly with several results returns). */
	public LLVMValueRef field(LLVMValueRef struct, int index) {
		return LLVMBuildExtractValue(builder, struct, index, "");
	}

	public LLVMValueRef insert(LLVMValueRef vector, LLVMValueRef v, int lane) {
		return LLVMBuildInsertElement(builder, vector, v, i32(lane), "");
	}

	public LLVMValueRef shuffle(LLVMValueRef a, LLVMValueRef b, int... mask) {
		return LLVMBuildShuffleVector(builder, a, b, constI32Vector(mask), "");
	}

	// ---- memory

	/** &base[index] in units of elementType. */
	public LLVMValueRef gep(LLVMTypeRef elementType, LLVMValueRef base, LLVMValueRef index) {
		return LLVMBuildInBoundsGEP2(builder, elementType, base, pp(index), 1, "");
	}

	/** &base[index] in units of elementType, with a constant index. */
	public LLVMValueRef gep(LLVMTypeRef elementType, LLVMValueRef base, long index) {
		return gep(elementType, base, i64(index));
	}

	public LLVMValueRef load(LLVMTypeRef type, LLVMValueRef ptr, int align) {
		LLVMValueRef v = LLVMBuildLoad2(builder, type, ptr, "");
		LLVMSetAlignment(v, align);
		return v;
	}

	public LLVMValueRef store(LLVMValueRef value, LLVMValueRef ptr, int align) {
		LLVMValueRef s = LLVMBuildStore(builder, value, ptr);
		LLVMSetAlignment(s, align);
		return s;
	}

	/** llvm.masked.load of a vector type with a pass-through for masked-off lanes. */
	public LLVMValueRef maskedLoad(LLVMTypeRef vectorType, LLVMValueRef ptr, int align, LLVMValueRef mask, LLVMValueRef passThrough) {
		return intrinsic("llvm.masked.load", new LLVMTypeRef[] { vectorType, ptr() }, ptr, i32(align), mask, passThrough);
	}

	/** llvm.masked.store of a vector. */
	public void maskedStore(LLVMValueRef value, LLVMValueRef ptr, int align, LLVMValueRef mask) {
		intrinsic("llvm.masked.store", new LLVMTypeRef[] { LLVMTypeOf(value), ptr() }, value, ptr, i32(align), mask);
	}

	/** llvm.prefetch: rw 0 = read, 1 = write; locality 0..3 (3 = keep in all levels). */
	public void prefetch(LLVMValueRef ptr, int rw, int locality) {
		intrinsic("llvm.prefetch", new LLVMTypeRef[] { ptr() }, ptr, i32(rw), i32(locality), i32(1));
	}

	// ---- calls

	public LLVMValueRef call(LLVMValueRef f, LLVMValueRef... args) {
		return LLVMBuildCall2(builder, LLVMGlobalGetValueType(f), f, pp(args), args.length, "");
	}

	/** A call of an overloaded intrinsic whose only overload type is {@code overload} (llvm.fma, llvm.sqrt). */
	public LLVMValueRef intrinsic(String name, LLVMTypeRef overload, LLVMValueRef... args) {
		return intrinsic(name, new LLVMTypeRef[] { overload }, args);
	}

	/** A call of an intrinsic with the given overload types; an unknown name fails here, not at link time. */
	public LLVMValueRef intrinsic(String name, LLVMTypeRef[] overloads, LLVMValueRef... args) {
		int id = LLVMLookupIntrinsicID(name, name.length());
		if (id == 0) {
			throw new IllegalArgumentException("unknown LLVM intrinsic " + name);
		}
		LLVMValueRef decl = LLVMGetIntrinsicDeclaration(module, id, pp(overloads), overloads.length);
		LLVMTypeRef type = LLVMIntrinsicGetType(context, id, pp(overloads), overloads.length);
		return LLVMBuildCall2(builder, type, decl, pp(args), args.length, "");
	}

	/** A call of inline assembly with side effects (PTX instructions LLVM has no selectable intrinsic for). */
	public LLVMValueRef asm(LLVMTypeRef ret, String text, String constraints, LLVMValueRef... args) {
		LLVMTypeRef[] types = new LLVMTypeRef[args.length];
		for (int i = 0; i < args.length; i++) {
			types[i] = LLVMTypeOf(args[i]);
		}
		LLVMTypeRef type = fnType(ret, types);
		LLVMValueRef asm = LLVMGetInlineAsm(type, text, text.length(), constraints, constraints.length(), 1, 0, 0, 0);
		return LLVMBuildCall2(builder, type, asm, pp(args), args.length, "");
	}

	// ---- loops

	/** for (i = start; i < end; i += step) body(i); with signed i64 bounds. */
	public void forLoop(LLVMValueRef start, LLVMValueRef end, long step, Consumer<LLVMValueRef> body) {
		forLoop(start, end, step, List.of(), (i, carried) -> {
			body.accept(i);
			return List.of();
		});
	}

	/**
	 * A counted loop with loop-carried values: {@code body(i, current)} returns the next values; the
	 * loop's result is the values after the last iteration ({@code init} when it runs zero times).
	 */
	public List<LLVMValueRef> forLoop(LLVMValueRef start, LLVMValueRef end, long step, List<LLVMValueRef> init,
			BiFunction<LLVMValueRef, List<LLVMValueRef>, List<LLVMValueRef>> body) {
		LLVMBasicBlockRef pre = currentBlock();
		LLVMBasicBlockRef header = block("loop");
		LLVMBasicBlockRef bodyBlock = block("body");
		LLVMBasicBlockRef exit = block("exit");
		br(header);
		at(header);
		LLVMValueRef iv = LLVMBuildPhi(builder, i64(), "i");
		List<LLVMValueRef> phis = new ArrayList<>();
		for (LLVMValueRef v : init) {
			phis.add(LLVMBuildPhi(builder, LLVMTypeOf(v), ""));
		}
		condBr(icmp(LLVMIntSLT, iv, end), bodyBlock, exit);
		at(bodyBlock);
		List<LLVMValueRef> next = body.apply(iv, List.copyOf(phis));
		if (next.size() != init.size()) {
			throw new IllegalArgumentException("loop body returned " + next.size() + " values for " + init.size());
		}
		LLVMValueRef ivNext = LLVMBuildNSWAdd(builder, iv, i64(step), "");
		LLVMBasicBlockRef latch = currentBlock();
		br(header);
		incoming(iv, start, pre, ivNext, latch);
		for (int k = 0; k < phis.size(); k++) {
			incoming(phis.get(k), init.get(k), pre, next.get(k), latch);
		}
		at(exit);
		return phis;
	}

	/** An empty phi of type t at the current position; fill it with {@link #addIncoming}. */
	public LLVMValueRef phi(LLVMTypeRef t) {
		return LLVMBuildPhi(builder, t, "");
	}

	public void addIncoming(LLVMValueRef phi, LLVMValueRef value, LLVMBasicBlockRef from) {
		LLVMAddIncoming(phi, pp(value), pp(from), 1);
	}

	/** if (cond) then.run(); with no values flowing out. */
	public void ifThen(LLVMValueRef cond, Runnable then) {
		LLVMBasicBlockRef t = block("then");
		LLVMBasicBlockRef join = block("endif");
		condBr(cond, t, join);
		at(t);
		then.run();
		br(join);
		at(join);
	}

	/** if (cond) then.run() else otherwise.run(); with no values flowing out. */
	public void ifThenElse(LLVMValueRef cond, Runnable then, Runnable otherwise) {
		LLVMBasicBlockRef t = block("then");
		LLVMBasicBlockRef e = block("else");
		LLVMBasicBlockRef join = block("endif");
		condBr(cond, t, e);
		at(t);
		then.run();
		br(join);
		at(e);
		otherwise.run();
		br(join);
		at(join);
	}

	private void incoming(LLVMValueRef phi, LLVMValueRef v1, LLVMBasicBlockRef b1, LLVMValueRef v2, LLVMBasicBlockRef b2) {
		LLVMAddIncoming(phi, pp(v1, v2), pp(b1, b2), 2);
	}

	/** A native array of the given LLVM handles (what the C API takes for T*). */
	@SafeVarargs
	static <T extends Pointer> PointerPointer<T> pp(T... items) {
		return new PointerPointer<>(items);
	}

	@Override
	public void close() {
		LLVMDisposeBuilder(builder);
		LLVMDisposeModule(module);
		LLVMContextDispose(context);
	}
}
