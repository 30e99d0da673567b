package dev.forge.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Philox4x32-10 against the known-answer vectors of Random123 (kat_vectors, philox4x32 with 10 rounds). */
class PhiloxTest {

	@Test
	void knownAnswers() {
		assertArrayEquals(new int[] { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 }, Philox.block(0, 0, 0, 0, 0, 0));
		assertArrayEquals(new int[] { 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd },
				Philox.block(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff));
		assertArrayEquals(new int[] { 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1 },
				Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
	}

	@Test
	void uniformsLieInTheUnitInterval() {
		for (long bits : new long[] { 0, 1, 0x7fffffffL, 0x80000000L, 0xffffffffL }) {
			float u = Philox.uniform(bits);
			assertTrue(u >= 0 && u < 1, bits + " -> " + u);
		}
	}
}
