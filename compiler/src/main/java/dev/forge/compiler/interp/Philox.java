package dev.forge.compiler.interp;

/**
 * The counter-based random numbers of the kernel layer ({@code tile.rand}, {@code tile.randint}):
 * Philox4x32 with 10 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011),
 * keyed and used exactly as Triton's {@code tl.rand}/{@code tl.randint} use it: the key is the 64-bit
 * seed's low and high words, the counter is (offset mod 2^32, 0, 0, 0), the first output word is
 * the number. The reference interpreter uses this class; the compiled code computes the same words
 * with the same operations ({@code host/PhiloxIr}).
 */
public final class Philox {

	static final int ROUND_A = 0xD2511F53;
	static final int ROUND_B = 0xCD9E8D57;
	static final int KEY_A = 0x9E3779B9;
	static final int KEY_B = 0xBB67AE85;
	public static final int ROUNDS = 10;

	private Philox() {
	}

	/** The four output words of Philox4x32-10 for counter c and key k (each an unsigned 32-bit word in an int). */
	public static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
		for (int r = 0; r < ROUNDS; r++) {
			int a0 = c0, a2 = c2;
			c0 = mulhi(ROUND_B, a2) ^ c1 ^ k0;
			c2 = mulhi(ROUND_A, a0) ^ c3 ^ k1;
			c1 = ROUND_B * a2;
			c3 = ROUND_A * a0;
			k0 += KEY_A;
			k1 += KEY_B;
		}
		return new int[] { c0, c1, c2, c3 };
	}

	/** The random 32-bit word of {@code offset} under {@code seed}, as a non-negative long. */
	public static long bits(long seed, long offset) {
		return Integer.toUnsignedLong(block((int) offset, 0, 0, 0, (int) seed, (int) (seed >>> 32))[0]);
	}

	/** A uniform float in [0, 1) from {@code bits}, as Triton's uint_to_uniform_float: (x < 0 ? -x - 1 : x) * 2^-31 in f32. */
	public static float uniform(long bits) {
		int x = (int) bits;
		int nonNegative = x < 0 ? -x - 1 : x;
		return nonNegative * 4.6566127342e-10f;
	}

	private static int mulhi(int a, int b) {
		return (int) ((Integer.toUnsignedLong(a) * Integer.toUnsignedLong(b)) >>> 32);
	}
}
