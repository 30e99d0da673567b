package dev.forge.compiler.host;

import static org.bytedeco.llvm.global.LLVM.*;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.llvm.LLVM.LLVMTypeRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;

/**
 * Emits the BLIS-style f32 GEMM {@code C[M,N] += A[M,K] @ B[K,N]} (row-major, leading dimensions
 * in elements) as LLVM IR:
 * <ul>
 * <li>{@code <p>_pack_a}: an {@code mc x kc} block of A into mr-row panels, k-major
 * ({@code Ap[k*mr + i]}), zero-padded to whole panels and to a multiple of the unroll in k;
 * <li>{@code <p>_pack_b}: a {@code kc x nc} block of B into nr-column panels ({@code Bp[k*nr + j]}),
 * zero-padded likewise, so that the micro-kernel never needs an edge case inside its k loop;
 * <li>{@code <p>_micro}: the register-blocked micro-kernel, {@code mr x nr/lanes} vector accumulators
 * carried as SSA values through an unrolled k loop of broadcasts and {@code llvm.fma}; it adds its
 * tile to C, with masked stores at ragged edges;
 * <li>{@code <p>(M, N, K, A, lda, B, ldb, C, ldc, work)}: the five-loop driver over one thread's
 * rows, packing into {@code work} ({@link GemmConfig#workspaceFloats()} floats, 64-byte aligned).
 * </ul>
 */
public final class GemmGenerator {

	private final IrBuilder ir;
	private final GemmConfig cfg;
	private final String prefix;
	private final LLVMTypeRef f32;
	private final LLVMTypeRef vec;

	public GemmGenerator(IrBuilder ir, GemmConfig cfg, String prefix) {
		this.ir = ir;
		this.cfg = cfg;
		this.prefix = prefix;
		this.f32 = ir.f32();
		this.vec = ir.vec(f32, cfg.lanes());
	}

	/** Emits all four functions; returns the driver (external linkage, named {@code prefix}). */
	public LLVMValueRef emit() {
		LLVMValueRef packA = emitPackA();
		LLVMValueRef packB = emitPackB();
		LLVMValueRef micro = emitMicroKernel();
		return emitDriver(packA, packB, micro);
	}

	/** Signature of the driver, for FFM: (i64 M, i64 N, i64 K, ptr A, i64 lda, ptr B, i64 ldb, ptr C, i64 ldc, ptr work). */
	public LLVMTypeRef driverType() {
		LLVMTypeRef i64 = ir.i64(), p = ir.ptr();
		return ir.fnType(ir.voidType(), i64, i64, i64, p, i64, p, i64, p, i64, p);
	}

	/** micro(Ap, Bp, C, ldc, kcPad, mr, nr): C[0:mr, 0:nr] += Ap-panel @ Bp-panel. */
	public LLVMValueRef emitMicroKernel() {
		LLVMTypeRef i64 = ir.i64(), p = ir.ptr();
		LLVMValueRef f = ir.declare(prefix + "_micro", ir.fnType(ir.voidType(), p, p, p, i64, i64, i64, i64), true);
		for (int i = 0; i < 3; i++) {
			ir.addParamAttr(f, i, "noalias", 0);
		}
		ir.begin(f);
		LLVMValueRef ap = ir.param(f, 0), bp = ir.param(f, 1), c = ir.param(f, 2), ldc = ir.param(f, 3);
		LLVMValueRef kcPad = ir.param(f, 4), mr = ir.param(f, 5), nr = ir.param(f, 6);
		int rows = cfg.mr(), nv = cfg.vectorsPerRow(), lanes = cfg.lanes();
		List<LLVMValueRef> zeros = new ArrayList<>();
		for (int t = 0; t < rows * nv; t++) {
			zeros.add(ir.zero(vec));
		}
		List<LLVMValueRef> acc = ir.forLoop(ir.i64(0), kcPad, cfg.unroll(), zeros, (k0, cur) -> {
			List<LLVMValueRef> a = new ArrayList<>(cur);
			for (int u = 0; u < cfg.unroll(); u++) {
				LLVMValueRef k = ir.add(k0, ir.i64(u));
				LLVMValueRef bRow = ir.gep(f32, bp, ir.mul(k, ir.i64(cfg.nr())));
				LLVMValueRef[] b = new LLVMValueRef[nv];
				for (int j = 0; j < nv; j++) {
					b[j] = ir.load(vec, ir.gep(f32, bRow, j * lanes), 64);
				}
				LLVMValueRef aRow = ir.gep(f32, ap, ir.mul(k, ir.i64(rows)));
				for (int i = 0; i < rows; i++) {
					LLVMValueRef s = ir.splat(ir.load(f32, ir.gep(f32, aRow, i), 4), lanes);
					for (int j = 0; j < nv; j++) {
						a.set(i * nv + j, ir.fma(s, b[j], a.get(i * nv + j)));
					}
				}
			}
			return a;
		});
		LLVMValueRef full = ir.and(ir.icmp(LLVMIntEQ, mr, ir.i64(rows)), ir.icmp(LLVMIntEQ, nr, ir.i64(cfg.nr())));
		ir.ifThenElse(full, () -> {
			for (int i = 0; i < rows; i++) {
				LLVMValueRef row = ir.gep(f32, c, ir.mul(ir.i64(i), ldc));
				for (int j = 0; j < nv; j++) {
					LLVMValueRef ptr = ir.gep(f32, row, j * lanes);
					ir.store(ir.fadd(ir.load(vec, ptr, 4), acc.get(i * nv + j)), ptr, 4);
				}
			}
		}, () -> {
			// Ragged edge: lanes past nr masked, rows past mr skipped.
			LLVMValueRef[] masks = new LLVMValueRef[nv];
			LLVMValueRef iota = iota(lanes);
			for (int j = 0; j < nv; j++) {
				LLVMValueRef limit = ir.splat(ir.trunc(ir.sub(nr, ir.i64((long) j * lanes)), ir.i32()), lanes);
				masks[j] = ir.icmp(LLVMIntSLT, iota, limit);
			}
			for (int i = 0; i < rows; i++) {
				int row = i;
				ir.ifThen(ir.icmp(LLVMIntSLT, ir.i64(i), mr), () -> {
					LLVMValueRef rowPtr = ir.gep(f32, c, ir.mul(ir.i64(row), ldc));
					for (int j = 0; j < nv; j++) {
						LLVMValueRef ptr = ir.gep(f32, rowPtr, j * lanes);
						LLVMValueRef old = ir.maskedLoad(vec, ptr, 4, masks[j], ir.zero(vec));
						ir.maskedStore(ir.fadd(old, acc.get(row * nv + j)), ptr, 4, masks[j]);
					}
				});
			}
		});
		ir.retVoid();
		return f;
	}

	/** pack_a(A, lda, mc, kc, kcPad, Ap). */
	public LLVMValueRef emitPackA() {
		LLVMTypeRef i64 = ir.i64(), p = ir.ptr();
		LLVMValueRef f = ir.declare(prefix + "_pack_a", ir.fnType(ir.voidType(), p, i64, i64, i64, i64, p), true);
		ir.addParamAttr(f, 0, "noalias", 0);
		ir.addParamAttr(f, 5, "noalias", 0);
		ir.begin(f);
		LLVMValueRef a = ir.param(f, 0), lda = ir.param(f, 1), mc = ir.param(f, 2), kc = ir.param(f, 3);
		LLVMValueRef kcPad = ir.param(f, 4), out = ir.param(f, 5);
		int mr = cfg.mr();
		ir.forLoop(ir.i64(0), mc, mr, i0 -> {
			LLVMValueRef dst = ir.gep(f32, out, ir.mul(i0, kcPad)); // panel (i0/mr) starts at i0*kcPad
			LLVMValueRef rows = ir.smin(ir.i64(mr), ir.sub(mc, i0));
			LLVMValueRef src = ir.gep(f32, a, ir.mul(i0, lda));
			ir.ifThenElse(ir.icmp(LLVMIntEQ, rows, ir.i64(mr)), () -> {
				ir.forLoop(ir.i64(0), kc, 1, k -> {
					for (int i = 0; i < mr; i++) {
						LLVMValueRef v = ir.load(f32, ir.gep(f32, src, ir.add(ir.mul(ir.i64(i), lda), k)), 4);
						ir.store(v, ir.gep(f32, dst, ir.add(ir.mul(k, ir.i64(mr)), ir.i64(i))), 4);
					}
				});
			}, () -> {
				ir.forLoop(ir.i64(0), kc, 1, k -> {
					for (int i = 0; i < mr; i++) {
						// Clamp the row so the load stays in bounds, then zero the padding rows.
						LLVMValueRef inside = ir.icmp(LLVMIntSLT, ir.i64(i), rows);
						LLVMValueRef row = ir.select(inside, ir.i64(i), ir.i64(0));
						LLVMValueRef v = ir.load(f32, ir.gep(f32, src, ir.add(ir.mul(row, lda), k)), 4);
						ir.store(ir.select(inside, v, ir.zero(f32)), ir.gep(f32, dst, ir.add(ir.mul(k, ir.i64(mr)), ir.i64(i))), 4);
					}
				});
			});
			ir.forLoop(kc, kcPad, 1, k -> {
				for (int i = 0; i < mr; i++) {
					ir.store(ir.zero(f32), ir.gep(f32, dst, ir.add(ir.mul(k, ir.i64(mr)), ir.i64(i))), 4);
				}
			});
		});
		ir.retVoid();
		return f;
	}

	/** pack_b(B, ldb, kc, kcPad, nc, Bp). */
	public LLVMValueRef emitPackB() {
		LLVMTypeRef i64 = ir.i64(), p = ir.ptr();
		LLVMValueRef f = ir.declare(prefix + "_pack_b", ir.fnType(ir.voidType(), p, i64, i64, i64, i64, p), true);
		ir.addParamAttr(f, 0, "noalias", 0);
		ir.addParamAttr(f, 5, "noalias", 0);
		ir.begin(f);
		LLVMValueRef b = ir.param(f, 0), ldb = ir.param(f, 1), kc = ir.param(f, 2), kcPad = ir.param(f, 3);
		LLVMValueRef nc = ir.param(f, 4), out = ir.param(f, 5);
		int nr = cfg.nr(), nv = cfg.vectorsPerRow(), lanes = cfg.lanes();
		LLVMValueRef iota = iota(lanes);
		ir.forLoop(ir.i64(0), nc, nr, j0 -> {
			LLVMValueRef dst = ir.gep(f32, out, ir.mul(j0, kcPad)); // panel (j0/nr) starts at j0*kcPad
			LLVMValueRef cols = ir.smin(ir.i64(nr), ir.sub(nc, j0));
			LLVMValueRef src = ir.gep(f32, b, j0);
			ir.ifThenElse(ir.icmp(LLVMIntEQ, cols, ir.i64(nr)), () -> {
				ir.forLoop(ir.i64(0), kc, 1, k -> {
					LLVMValueRef s = ir.gep(f32, src, ir.mul(k, ldb));
					LLVMValueRef d = ir.gep(f32, dst, ir.mul(k, ir.i64(nr)));
					for (int j = 0; j < nv; j++) {
						ir.store(ir.load(vec, ir.gep(f32, s, j * lanes), 4), ir.gep(f32, d, j * lanes), 64);
					}
				});
			}, () -> {
				LLVMValueRef[] masks = new LLVMValueRef[nv];
				for (int j = 0; j < nv; j++) {
					LLVMValueRef limit = ir.splat(ir.trunc(ir.sub(cols, ir.i64((long) j * lanes)), ir.i32()), lanes);
					masks[j] = ir.icmp(LLVMIntSLT, iota, limit);
				}
				ir.forLoop(ir.i64(0), kc, 1, k -> {
					LLVMValueRef s = ir.gep(f32, src, ir.mul(k, ldb));
					LLVMValueRef d = ir.gep(f32, dst, ir.mul(k, ir.i64(nr)));
					for (int j = 0; j < nv; j++) {
						LLVMValueRef v = ir.maskedLoad(vec, ir.gep(f32, s, j * lanes), 4, masks[j], ir.zero(vec));
						ir.store(v, ir.gep(f32, d, j * lanes), 64);
					}
				});
			});
			ir.forLoop(kc, kcPad, 1, k -> {
				LLVMValueRef d = ir.gep(f32, dst, ir.mul(k, ir.i64(nr)));
				for (int j = 0; j < nv; j++) {
					ir.store(ir.zero(vec), ir.gep(f32, d, j * lanes), 64);
				}
			});
		});
		ir.retVoid();
		return f;
	}

	/**
	 * The driver: loops ic (mc) > pc (kc) > jc (nc) > ir (mr) > jr (nr). B is the vector operand, so
	 * (as in BLIS with the roles of A and B swapped for row-major C) the A micro-panel stays in L1
	 * while the B micro-panels of the packed {@code kc x nc} block stream from L2.
	 */
	public LLVMValueRef emitDriver(LLVMValueRef packA, LLVMValueRef packB, LLVMValueRef micro) {
		LLVMValueRef f = ir.declare(prefix, driverType(), false);
		ir.begin(f);
		LLVMValueRef m = ir.param(f, 0), n = ir.param(f, 1), k = ir.param(f, 2);
		LLVMValueRef a = ir.param(f, 3), lda = ir.param(f, 4), b = ir.param(f, 5), ldb = ir.param(f, 6);
		LLVMValueRef c = ir.param(f, 7), ldc = ir.param(f, 8), work = ir.param(f, 9);
		LLVMValueRef ap = work;
		LLVMValueRef bp = ir.gep(f32, work, cfg.aBlockFloats());
		long u = cfg.unroll();
		ir.forLoop(ir.i64(0), m, cfg.mc(), ic -> {
			LLVMValueRef mc = ir.smin(ir.i64(cfg.mc()), ir.sub(m, ic));
			ir.forLoop(ir.i64(0), k, cfg.kc(), pc -> {
				LLVMValueRef kc = ir.smin(ir.i64(cfg.kc()), ir.sub(k, pc));
				LLVMValueRef kcPad = ir.mul(ir.sdiv(ir.add(kc, ir.i64(u - 1)), ir.i64(u)), ir.i64(u));
				ir.call(packA, ir.gep(f32, a, ir.add(ir.mul(ic, lda), pc)), lda, mc, kc, kcPad, ap);
				ir.forLoop(ir.i64(0), n, cfg.nc(), jc -> {
					LLVMValueRef nc = ir.smin(ir.i64(cfg.nc()), ir.sub(n, jc));
					ir.call(packB, ir.gep(f32, b, ir.add(ir.mul(pc, ldb), jc)), ldb, kc, kcPad, nc, bp);
					ir.forLoop(ir.i64(0), mc, cfg.mr(), i -> {
						LLVMValueRef mr = ir.smin(ir.i64(cfg.mr()), ir.sub(mc, i));
						LLVMValueRef aPanel = ir.gep(f32, ap, ir.mul(i, kcPad));
						LLVMValueRef cRow = ir.gep(f32, c, ir.add(ir.mul(ir.add(ic, i), ldc), jc));
						ir.forLoop(ir.i64(0), nc, cfg.nr(), jr -> {
							LLVMValueRef nr = ir.smin(ir.i64(cfg.nr()), ir.sub(nc, jr));
							LLVMValueRef bPanel = ir.gep(f32, bp, ir.mul(jr, kcPad));
							ir.call(micro, aPanel, bPanel, ir.gep(f32, cRow, jr), ldc, kcPad, mr, nr);
						});
					});
				});
			});
		});
		ir.retVoid();
		return f;
	}

	private LLVMValueRef iota(int lanes) {
		int[] v = new int[lanes];
		for (int i = 0; i < lanes; i++) {
			v[i] = i;
		}
		return ir.constI32Vector(v);
	}
}
