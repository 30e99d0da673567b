package dev.forge.compiler.host;

/**
 * Register and cache blocking of the f32 GEMM (BLIS naming, with the roles of A and B swapped
 * because C is row-major and vectorized along N). The micro-kernel keeps an {@code mr x nr} block
 * of C in {@code mr * nr / lanes} vector accumulators; the packed A micro-panel ({@code mr x kc})
 * stays in L1 while the B micro-panels of the packed {@code kc x nc} block stream from L2, and the
 * packed A block ({@code mc x kc}) lives in L3.
 *
 * @param mr rows of the micro-tile (broadcast A elements per k step)
 * @param nr columns of the micro-tile, a multiple of the vector width
 * @param mc rows of a packed A block, a multiple of mr
 * @param kc depth of a packed block, a multiple of unroll
 * @param nc columns of a packed B block, a multiple of nr
 * @param unroll k steps per micro-kernel loop iteration (packed panels are zero-padded to it)
 * @param lanes f32 lanes of one vector register (16 for AVX-512, 8 for AVX2)
 */
public record GemmConfig(int mr, int nr, int mc, int kc, int nc, int unroll, int lanes) {

	public GemmConfig {
		if (mr <= 0 || nr <= 0 || lanes <= 0 || nr % lanes != 0 || mc % mr != 0 || nc % nr != 0 || unroll <= 0
				|| kc % unroll != 0) {
			throw new IllegalArgumentException("inconsistent GEMM blocking " + this);
		}
	}

	/**
	 * Tuned on a 2-core AVX-512 Xeon (L1d 48 KiB, L2 2 MiB per core): A micro-panel 12 KiB in L1,
	 * B block 512 KiB in L2; mc covers a thread's half of C up to n = 2064 so A is packed once.
	 */
	public static GemmConfig avx512() {
		return new GemmConfig(12, 32, 1032, 256, 512, 4, 16);
	}

	/** For hosts without AVX-512 (16 ymm registers). */
	public static GemmConfig avx2() {
		return new GemmConfig(6, 16, 1032, 256, 256, 4, 8);
	}

	/** Vector registers per micro-tile row. */
	public int vectorsPerRow() {
		return nr / lanes;
	}

	/** Floats of the per-thread packing workspace: an A block then a B block, each 64-byte aligned. */
	public long workspaceFloats() {
		return aBlockFloats() + (long) kc * nc;
	}

	long aBlockFloats() {
		return ((long) mc * kc + 15) / 16 * 16;
	}
}
