package dev.forge.compiler.lint;

/**
 * The shared-memory bank model of one warp-level request, as measured on an H100 (lint-notes §1: it
 * matched ncu's wavefront counter in 60 of 60 single-warp cases): lanes are served in phases (the
 * whole warp for accesses up to the bank width, 16 lanes for 8 bytes, 8 for 16 bytes, 8 per matrix
 * for ldmatrix); within a phase each bank serves one distinct word per wavefront (lanes touching the
 * same word are a broadcast); a wide load whose lanes pair up on one address (l and l^1) gets phases
 * twice as wide. The ideal is the number of non-empty phases.
 */
final class BankModel {

	private BankModel() {
	}

	/** Wavefronts of one request and the ideal (ncu's "L1 Wavefronts Shared" and "... Ideal"). */
	record Cost(int wavefronts, int ideal) {
		/** The conflict factor: wavefronts per phase, rounded up. */
		int ways() {
			return ideal == 0 ? 1 : (wavefronts + ideal - 1) / ideal;
		}
	}

	/** A plain ld/st/cp.async of {@code width} bytes per lane at byte addresses {@code address} (lanes not active are ignored). */
	static Cost request(long[] address, boolean[] active, int width, boolean load, int banks, int bankWidth) {
		int lanes = address.length;
		int perPhase = Math.max(1, Math.min(lanes, banks * bankWidth / Math.max(width, bankWidth)));
		if (load && width > bankWidth && width <= 16) {
			boolean pairs = true;
			for (int l = 0; l < lanes && pairs; l++) {
				int partner = l ^ 1;
				if (active[l] && partner < lanes && (!active[partner] || address[l] != address[partner])) {
					pairs = false;
				}
			}
			if (pairs) {
				perPhase = Math.min(lanes, 2 * perPhase);
			}
		}
		return phases(address, active, width, perPhase, banks, bankWidth);
	}

	/**
	 * ldmatrix/stmatrix with {@code matrices} 8x8 matrices: lanes 8j..8j+7 give the 16-byte rows of
	 * matrix j, one phase per matrix; lanes past 8 * matrices are ignored.
	 */
	static Cost matrix(long[] rowAddress, int matrices, int banks, int bankWidth) {
		boolean[] active = new boolean[rowAddress.length];
		for (int l = 0; l < Math.min(rowAddress.length, 8 * matrices); l++) {
			active[l] = true;
		}
		return phases(rowAddress, active, 16, 8, banks, bankWidth);
	}

	private static Cost phases(long[] address, boolean[] active, int width, int perPhase, int banks, int bankWidth) {
		int wavefronts = 0, ideal = 0;
		// Distinct words of a phase, sorted, then counted per bank: no maps or sets per request (the lints cost thousands).
		long[] words = new long[perPhase * ((width + bankWidth - 1) / bankWidth + 1)];
		int[] perBank = new int[banks];
		for (int first = 0; first < address.length; first += perPhase) {
			int n = 0;
			for (int l = first; l < Math.min(address.length, first + perPhase); l++) {
				if (!active[l]) {
					continue;
				}
				long start = address[l] - Math.floorMod(address[l], bankWidth);
				for (long x = start; x < address[l] + width; x += bankWidth) {
					words[n++] = Math.floorDiv(x, bankWidth);
				}
			}
			if (n == 0) {
				continue;
			}
			ideal++;
			java.util.Arrays.sort(words, 0, n);
			java.util.Arrays.fill(perBank, 0);
			int worst = 0;
			for (int i = 0; i < n; i++) {
				if (i > 0 && words[i] == words[i - 1]) {
					continue;
				}
				worst = Math.max(worst, ++perBank[(int) Math.floorMod(words[i], banks)]);
			}
			wavefronts += worst;
		}
		return new Cost(wavefronts, ideal);
	}
}
