"""Matrix multiplies on tensor cores: Forge's samples/matmul.forge (from the matmul bundle, timed by
`forge run`: CUDA events, L2 flushed before each run, median) against torch (cuBLAS) and a plain Triton
kernel (cp.async + wgmma, 128x256x64 tiles, 8 warps, 3 stages: what Triton 3.x compiles the textbook
tl.dot loop to on Hopper) on the same GPU in the same run, timed here the same way. When the
gemm_schedules bundle is there, its GEMM under several schedules runs at 4096^3, 8192^3 and a ragged
4095x4097x4093 too. Forge's output is also checked against torch on the same inputs (an oracle
independent of Forge's interpreter).

    python3 bench/gpu/bench_gemm.py gpurun/matmul [gpurun/gemm_schedules]
"""
import json, os, subprocess, sys
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_memory_bound import bench, save, load  # noqa: E402

M = N = K = 4096


def triton_matmul():
    """A plain Triton GEMM (no TMA, no persistence): the peer a straightforward tile kernel should match."""
    try:
        import triton
        import triton.language as tl
    except ImportError:
        return None

    @triton.jit
    def kernel(a, b, c, M, N, K, BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr, GROUP: tl.constexpr):
        pid = tl.program_id(0)
        tiles_m, tiles_n = tl.cdiv(M, BM), tl.cdiv(N, BN)
        group = pid // (GROUP * tiles_n)
        first = group * GROUP
        rows = min(tiles_m - first, GROUP)
        pm = first + (pid % (GROUP * tiles_n)) % rows
        pn = (pid % (GROUP * tiles_n)) // rows
        rm = pm * BM + tl.arange(0, BM)
        rn = pn * BN + tl.arange(0, BN)
        rk = tl.arange(0, BK)
        acc = tl.zeros((BM, BN), dtype=tl.float32)
        for k0 in range(0, K, BK):
            x = tl.load(a + rm[:, None] * K + (k0 + rk)[None, :], mask=(rm[:, None] < M) & ((k0 + rk)[None, :] < K), other=0.0)
            y = tl.load(b + (k0 + rk)[:, None] * N + rn[None, :], mask=((k0 + rk)[:, None] < K) & (rn[None, :] < N), other=0.0)
            acc = tl.dot(x, y, acc)
        tl.store(c + rm[:, None] * N + rn[None, :], acc.to(c.dtype.element_ty), mask=(rm[:, None] < M) & (rn[None, :] < N))

    def run(a, b):
        m, k = a.shape
        n = b.shape[1]
        c = torch.empty(m, n, device=a.device, dtype=a.dtype)
        grid = (triton.cdiv(m, 128) * triton.cdiv(n, 256),)
        kernel[grid](a, b, c, m, n, k, BM=128, BN=256, BK=64, GROUP=8, num_warps=8, num_stages=3)
        return c

    return run


def run_forge(bundle, fn, dims, inputs, work, source="src/matmul.forge"):
    args = []
    for name, t in inputs.items():
        save(t, os.path.join(work, name + ".npy"))
        args += ["--input", f"{name}={work}/{name}.npy"]
    r = subprocess.run([os.path.join(bundle, "forge"), "run", os.path.join(bundle, source), "--fn", fn, "--target", "gpu",
                        "--dims", dims, "--format", "json", "--save-outputs", work] + args, capture_output=True, text=True)
    try:
        return json.loads(r.stdout)
    except json.JSONDecodeError:
        print(fn, "forge failed:", r.stdout[-500:], r.stderr[-1500:])
        return None


def main(bundle):
    print("device:", torch.cuda.get_device_name(), "| torch", torch.__version__)
    rows = []
    torch.manual_seed(0)
    cases = []
    # The kernel layer's gemm (f16, f32 accumulator) and the modeling layer's linear_act (bf16, + bias).
    a = torch.randn(M, K, device="cuda").half()
    b = torch.randn(K, N, device="cuda").half()
    cases.append(("gemm f16", "gemm", f"M={M},N={N},K={K}", {"A": a, "B": b}, "C", lambda: a @ b, torch.float16))
    x = torch.randn(8, M // 8, K, device="cuda").bfloat16()
    w = torch.randn(K, N, device="cuda").bfloat16()
    bias = torch.randn(N, device="cuda").bfloat16()
    cases.append(("linear_act bf16", "linear_act", f"B=8,S={M // 8},K={K},N={N}", {"x": x, "w": w, "b": bias}, "result",
                  lambda: torch.addmm(bias, x.view(M, K), w).view(8, M // 8, N), torch.bfloat16))
    for label, fn, dims, inputs, out, peer, dt in cases:
        work = os.path.join("/tmp", "forge-gemm-" + fn)
        os.makedirs(work, exist_ok=True)
        report = run_forge(bundle, fn, dims, inputs, work)
        if report is None:
            continue
        expected = peer().float()
        got = load(os.path.join(work, out + ".npy"), dt).float().view(expected.shape)
        # Sums of 4096 products: compare relative to the output's scale (both sides accumulate in f32, in different orders).
        err = ((got - expected).abs().max() / expected.abs().max()).item()
        print(f"{label}: Forge's output {'matches' if err < 1e-2 else 'DIFFERS FROM'} torch (max error {err:.2e} of the largest value)")
        t_forge, t_torch = report["median_ms"], bench(peer)
        tflops = lambda ms: 2 * M * N * K / (ms * 1e-3) / 1e12
        rows.append((label, report.get("verified"), t_forge, t_torch, tflops(t_forge), tflops(t_torch)))
        print(f"{label}: forge {'verified' if report.get('verified') else 'NOT VERIFIED'} ({report.get('reference')}) "
              f"{t_forge * 1000:.0f} us = {tflops(t_forge):.0f} TFLOP/s; torch {t_torch * 1000:.0f} us = {tflops(t_torch):.0f} TFLOP/s",
              flush=True)
    print()
    print(f"| {M}x{N}x{K} | Forge | torch (cuBLAS) | Forge vs torch |")
    print("|---|---|---|---|")
    for label, ok, tf, tt, ff, ft in rows:
        print(f"| {label} | {tf * 1000:.0f} us ({ff:.0f} TFLOP/s) | {tt * 1000:.0f} us ({ft:.0f} TFLOP/s) | {tt / tf:.2f}x |")


def schedules(bundle):
    """The gemm_schedules bundle: every schedule at each size against torch and the plain Triton kernel."""
    manifest = json.load(open(os.path.join(bundle, "manifest.json")))
    fns = [f["name"] for f in manifest["functions"]]
    triton = triton_matmul()
    table = []
    for m, n, k in [(4096, 4096, 4096), (8192, 8192, 8192), (4095, 4097, 4093)]:
        torch.manual_seed(1)
        a = torch.randn(m, k, device="cuda").half()
        b = torch.randn(k, n, device="cuda").half()
        flops = 2 * m * n * k
        t_torch = bench(lambda: a @ b)
        expected = (a @ b).float()
        t_triton = None
        if triton is not None:
            err = ((triton(a, b).float() - expected).abs().max() / expected.abs().max()).item()
            t_triton = bench(lambda: triton(a, b))
            print(f"{m}x{n}x{k}: triton {t_triton * 1000:.0f} us = {flops / t_triton / 1e9:.0f} TFLOP/s (max error {err:.1e}); "
                  f"torch {t_torch * 1000:.0f} us = {flops / t_torch / 1e9:.0f} TFLOP/s", flush=True)
        for fn in fns:
            work = os.path.join("/tmp", "forge-sched-" + fn)
            os.makedirs(work, exist_ok=True)
            report = run_forge(bundle, fn, f"M={m},N={n},K={k}", {"A": a, "B": b}, work, source="src/gemm_schedules.forge")
            if report is None:
                continue
            got = load(os.path.join(work, "C.npy"), torch.float16).float().view(expected.shape)
            err = ((got - expected).abs().max() / expected.abs().max()).item()
            t = report["median_ms"]
            print(f"{m}x{n}x{k} {fn}: {'verified' if report.get('verified') else 'NOT VERIFIED'}, vs torch max error {err:.1e}, "
                  f"{t * 1000:.0f} us = {flops / t / 1e9:.0f} TFLOP/s", flush=True)
            table.append((f"{m}x{n}x{k}", fn, t, t_torch, t_triton, flops, err < 1e-2 and report.get("verified")))
    print()
    print("| size | Forge schedule | Forge | vs torch (cuBLAS) | vs Triton | correct |")
    print("|---|---|---|---|---|---|")
    for size, fn, t, tt, tr, flops, ok in table:
        print(f"| {size} | {fn} | {flops / t / 1e9:.0f} TFLOP/s | {tt / t:.2f}x | {tr / t if tr else float('nan'):.2f}x | {'yes' if ok else 'NO'} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "gpurun/matmul")
    if len(sys.argv) > 2 and os.path.isdir(sys.argv[2]):
        schedules(sys.argv[2])
