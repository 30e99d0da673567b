package dev.forge.compiler.graph;

import java.util.Locale;

/** The kinds of the elementwise and reduction ops, each with its mnemonic in the text form. */
public final class OpKinds {

	private OpKinds() {
	}

	public enum UnaryKind {
		NEG, EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, RELU,
		/** The exact GELU, x * Phi(x) with the error function. */
		GELU,
		/** GELU's tanh approximation, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
		GELU_TANH, SILU, ABS,
		/** The error function (the kernel layer's tile.erf). */
		ERF;

		public String mnemonic() {
			return name().toLowerCase(Locale.ROOT);
		}
	}

	public enum BinaryKind {
		ADD("add"), SUB("sub"), MUL("mul"), DIV("div"), MAX("maximum"), MIN("minimum"), POW("pow"),
		/** Bitwise operators on integers (two's complement); SHR shifts arithmetically, as Python's and Triton's >> on signed ints. */
		BIT_AND("bitand"), BIT_OR("bitor"), BIT_XOR("bitxor"), SHL("shl"), SHR("shr"),
		EQ("eq"), NE("ne"), LT("lt"), LE("le"), GT("gt"), GE("ge");

		private final String mnemonic;

		BinaryKind(String mnemonic) {
			this.mnemonic = mnemonic;
		}

		public String mnemonic() {
			return mnemonic;
		}

		public boolean isBitwise() {
			return ordinal() >= BIT_AND.ordinal() && ordinal() <= SHR.ordinal();
		}

		public boolean isComparison() {
			return ordinal() >= EQ.ordinal();
		}
	}

	public enum ReduceKind {
		SUM, MEAN, MAX, MIN;

		public String mnemonic() {
			return "reduce_" + name().toLowerCase(Locale.ROOT);
		}
	}
}
