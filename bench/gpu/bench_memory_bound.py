"""Softmax and RMSNorm over 16384x4096 in f32 and bf16: Forge (from the memory_bound bundle, timed by
`forge profile`: CUDA events, L2 flushed before each run, median) against torch eager, torch.compile
and the device-to-device copy (the physical limit), timed here the same way in the same run.

    python3 bench/gpu/bench_memory_bound.py gpurun/memory_bound
"""
import json, os, subprocess, sys
import torch

R, C = 16384, 4096
FLUSH = torch.empty(256 * 1024 * 1024 // 4, dtype=torch.int, device="cuda")


def bench(fn, reps=100):
    """Median of CUDA-event times, the L2 flushed (256 MiB overwritten) before each run, as triton.testing.do_bench."""
    for _ in range(10):
        fn()
    torch.cuda.synchronize()
    events = []
    for _ in range(reps):
        FLUSH.zero_()
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record()
        events.append((s, e))
    torch.cuda.synchronize()
    t = sorted(s.elapsed_time(e) for s, e in events)
    return t[len(t) // 2]


def softmax(x):
    return torch.softmax(x.float(), dim=-1).to(x.dtype)


def rms_norm(x, w, eps=1e-6):
    xf = x.float()
    return (xf * torch.rsqrt((xf * xf).mean(-1, keepdim=True) + eps) * w.float()).to(x.dtype)


def main(bundle):
    print("device:", torch.cuda.get_device_name(), "| torch", torch.__version__)
    rows = []
    for fn, dt in [("softmax_f32", torch.float32), ("softmax_bf16", torch.bfloat16),
                   ("rms_norm_f32", torch.float32), ("rms_norm_bf16", torch.bfloat16)]:
        r = subprocess.run([os.path.join(bundle, "forge"), "profile", os.path.join(bundle, "src/memory_bound.forge"), "--fn", fn,
                            "--target", "gpu", "--dims", f"R={R},C={C}", "--format", "json"], capture_output=True, text=True)
        try:
            report = json.loads(r.stdout)
        except json.JSONDecodeError:
            print(fn, "forge failed:", r.stdout[-500:], r.stderr[-1500:])
            continue
        x = torch.randn(R, C, device="cuda").to(dt)
        w = (torch.rand(C, device="cuda") + 0.5).to(dt)
        y = torch.empty_like(x)
        is_softmax = fn.startswith("softmax")
        eager = (lambda: softmax(x)) if is_softmax else (lambda: rms_norm(x, w))
        compiled_fn = torch.compile(softmax if is_softmax else rms_norm)
        compiled = (lambda: compiled_fn(x)) if is_softmax else (lambda: compiled_fn(x, w))
        times = {"forge": report["median_ms"], "eager": bench(eager), "torch.compile": bench(compiled), "copy": bench(lambda: y.copy_(x))}
        moved = 2 * R * C * x.element_size()
        gbs = {k: moved / (v * 1e-3) / 1e9 for k, v in times.items()}
        rows.append((fn, report.get("verified"), times, gbs))
        print(f"{fn}: forge {'verified' if report.get('verified') else 'NOT VERIFIED'} ({report.get('reference')}); "
              + ", ".join(f"{k} {v * 1000:.1f} us = {gbs[k]:.0f} GB/s" for k, v in times.items()), flush=True)
    print()
    print("| kernel (16384x4096) | Forge | torch eager | torch.compile | copy | Forge % of copy | Forge vs torch.compile | Forge vs eager |")
    print("|---|---|---|---|---|---|---|---|")
    for fn, ok, t, g in rows:
        print(f"| {fn} | {t['forge'] * 1000:.1f} us ({g['forge']:.0f} GB/s) | {t['eager'] * 1000:.1f} us | {t['torch.compile'] * 1000:.1f} us "
              f"| {t['copy'] * 1000:.1f} us ({g['copy']:.0f} GB/s) | {100 * g['forge'] / g['copy']:.0f}% | {t['torch.compile'] / t['forge']:.2f}x "
              f"| {t['eager'] / t['forge']:.2f}x |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "gpurun/memory_bound")
