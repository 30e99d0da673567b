package dev.forge.compiler.graph;

import java.util.function.UnaryOperator;

/** A Graph IR pass: a function from a well-formed function to a well-formed function. One per file. */
public interface GraphPass extends UnaryOperator<GraphFunction> {

	/** The name of the pass, as {@code --dump-after=NAME} will spell it. */
	String name();
}
