package dev.forge.profiler;

import java.util.ArrayList;
import java.util.List;

import dev.forge.types.DType;
import dev.forge.types.Dim;
import dev.forge.types.Type;

/** Tensor types for hand-built test functions: {@code tensor(F32, "B", "S", 4)}. */
final class Types {

	private Types() {
	}

	static Type.Tensor tensor(DType dtype, Object... dims) {
		List<Dim> list = new ArrayList<>();
		for (Object d : dims) {
			list.add(d instanceof Dim dim ? dim : d instanceof String s ? Dim.symbol(s) : Dim.of(((Number) d).longValue()));
		}
		return new Type.Tensor(list, dtype);
	}
}
