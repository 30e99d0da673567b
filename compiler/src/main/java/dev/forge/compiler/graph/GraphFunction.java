package dev.forge.compiler.graph;

import java.util.List;

/**
 * A function of the Graph IR: parameters, a straight-line body of ops in definition order, and the
 * returned values. Dims are symbolic; the function holds for every binding of its free dim symbols
 * (the dims of its parameters' types, and int parameters of the source such as {@code heads}).
 */
public record GraphFunction(String name, List<Param> params, List<Op> body, List<Value> results) {

	public GraphFunction {
		params = List.copyOf(params);
		body = List.copyOf(body);
		results = List.copyOf(results);
	}

	/**
	 * A parameter: a tensor, or a Python float of the source as an f64 scalar, with its default
	 * (null when it has none).
	 */
	public record Param(String name, Value value, Double defaultValue) {
	}
}
