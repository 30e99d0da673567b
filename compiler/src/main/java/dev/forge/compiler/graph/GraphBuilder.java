package dev.forge.compiler.graph;

import java.util.ArrayList;
import java.util.List;

import dev.forge.compiler.graph.OpKinds.BinaryKind;
import dev.forge.compiler.graph.OpKinds.ReduceKind;
import dev.forge.compiler.graph.OpKinds.UnaryKind;
import dev.forge.types.DType;
import dev.forge.types.Dim;
import dev.forge.types.Type;

/**
 * Builds a {@link GraphFunction} op by op: fresh SSA ids, result types from {@link ShapeRules}
 * (an {@link IllegalArgumentException} when operands do not fit).
 */
public final class GraphBuilder {

	private final String name;
	private final List<GraphFunction.Param> params = new ArrayList<>();
	private final List<Op> body = new ArrayList<>();
	private int nextId;

	public GraphBuilder(String name) {
		this.name = name;
	}

	public Value param(String paramName, Type.Tensor type, Double defaultValue) {
		Value v = fresh(ShapeRules.wellFormed(type));
		params.add(new GraphFunction.Param(paramName, v, defaultValue));
		return v;
	}

	public GraphFunction build(List<Value> results) {
		return new GraphFunction(name, params, body, results);
	}

	public List<Op> ops() {
		return List.copyOf(body);
	}

	private Value fresh(Type.Tensor type) {
		return new Value(nextId++, type);
	}

	private <T extends Op> Value add(T op) {
		body.add(op);
		return op.result();
	}

	public Value unary(UnaryKind kind, Value x, SourceRange at) {
		return add(new Op.Unary(kind, fresh(ShapeRules.wellFormed(x.type())), x, at));
	}

	public Value binary(BinaryKind kind, Value a, Value b, SourceRange at) {
		return add(new Op.Binary(kind, fresh(ShapeRules.binary(kind, a.type(), b.type())), a, b, at));
	}

	public Value matmul(Value a, Value b, SourceRange at) {
		return add(new Op.MatMul(fresh(ShapeRules.matmul(a.type(), b.type())), a, b, at));
	}

	public Value reduce(ReduceKind kind, Value x, List<Integer> axes, boolean keepDims, SourceRange at) {
		return add(new Op.Reduce(kind, fresh(ShapeRules.reduce(x.type(), axes, keepDims)), x, axes, keepDims, at));
	}

	public Value reshape(Value x, List<Dim> dims, SourceRange at) {
		Type.Tensor target = new Type.Tensor(dims, x.type().dtype());
		if (target.dims().equals(x.type().dims())) {
			return x;
		}
		return add(new Op.Reshape(fresh(ShapeRules.reshape(x.type(), target)), x, at));
	}

	public Value slice(Value x, List<Dim> starts, List<Boolean> kept, Type.Tensor result, SourceRange at) {
		return add(new Op.Slice(fresh(ShapeRules.slice(x.type(), starts, kept, result)), x, starts, kept, at));
	}

	public Value transpose(Value x, List<Integer> perm, SourceRange at) {
		return add(new Op.Transpose(fresh(ShapeRules.transpose(x.type(), perm)), x, perm, at));
	}

	public Value broadcastTo(Value x, List<Dim> dims, SourceRange at) {
		Type.Tensor target = new Type.Tensor(dims, x.type().dtype());
		return add(new Op.BroadcastTo(fresh(ShapeRules.broadcastTo(x.type(), target)), x, at));
	}

	/** x converted to dtype; x itself when it already has it. */
	public Value cast(Value x, DType dtype, SourceRange at) {
		if (x.type().dtype() == dtype) {
			return x;
		}
		return add(new Op.Cast(fresh(ShapeRules.cast(x.type(), dtype)), x, at));
	}

	public Value constant(double value, DType dtype, SourceRange at) {
		return add(new Op.Constant(fresh(new Type.Tensor(List.of(), dtype)), value, at));
	}

	public Value dimValue(Dim dim, DType dtype, SourceRange at) {
		if (dim.isConstant()) {
			return constant(dim.constantValue().getAsLong(), dtype, at);
		}
		return add(new Op.DimValue(fresh(new Type.Tensor(List.of(), dtype)), dim, at));
	}

	public Value select(Value cond, Value a, Value b, SourceRange at) {
		return add(new Op.Select(fresh(ShapeRules.select(cond.type(), a.type(), b.type())), cond, a, b, at));
	}

	public Value iota(List<Dim> dims, int axis, SourceRange at) {
		return add(new Op.Iota(fresh(ShapeRules.iota(new Type.Tensor(dims, DType.I64), axis)), axis, at));
	}

	public Value concat(List<Value> inputs, int axis, SourceRange at) {
		return add(new Op.Concat(fresh(ShapeRules.concat(inputs.stream().map(Value::type).toList(), axis)), inputs, axis, at));
	}
}
