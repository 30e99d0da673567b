"""Matrix multiplies on tensor cores: Forge's samples/matmul.forge (from the matmul bundle, timed by
`forge run`: CUDA events, L2 flushed before each run, median) against torch (cuBLAS) on the same GPU in
the same run, timed here the same way. Forge's output is also checked against torch on the same inputs
(an oracle independent of Forge's interpreter).

    python3 bench/gpu/bench_gemm.py gpurun/matmul
"""
import json, os, subprocess, sys
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_memory_bound import bench, save, load  # noqa: E402

M = N = K = 4096


def run_forge(bundle, fn, dims, inputs, work):
    args = []
    for name, t in inputs.items():
        save(t, os.path.join(work, name + ".npy"))
        args += ["--input", f"{name}={work}/{name}.npy"]
    r = subprocess.run([os.path.join(bundle, "forge"), "run", os.path.join(bundle, "src/matmul.forge"), "--fn", fn, "--target", "gpu",
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


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "gpurun/matmul")
