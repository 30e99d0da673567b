"""Softmax and RMSNorm over 16384x4096 in f32 and bf16: Forge (from the memory_bound bundle, timed by
`forge run`: CUDA events, L2 flushed before each run, median; its output is also checked against
torch on the same inputs, an oracle independent of Forge's interpreter) against torch eager, torch.compile
and the device-to-device copy (the physical limit), timed here the same way in the same run.

    python3 bench/gpu/bench_memory_bound.py gpurun/memory_bound
"""
import json, os, subprocess, sys
import numpy
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


def save(t, path):
    """A tensor as .npy: f32 as float32, bf16 as its raw 16 bits (<u2), as Forge reads them."""
    a = t.cpu()
    numpy.save(path, a.view(torch.int16).numpy().view(numpy.uint16) if t.dtype == torch.bfloat16 else a.numpy())


def load(path, dt):
    a = numpy.load(path)
    t = torch.from_numpy(a.view(numpy.int16)).view(torch.bfloat16) if dt == torch.bfloat16 else torch.from_numpy(a)
    return t.cuda()


def main(bundle):
    print("device:", torch.cuda.get_device_name(), "| torch", torch.__version__)
    rows = []
    for fn, dt in [("softmax_f32", torch.float32), ("softmax_bf16", torch.bfloat16),
                   ("rms_norm_f32", torch.float32), ("rms_norm_bf16", torch.bfloat16)]:
        torch.manual_seed(0)
        x = torch.randn(R, C, device="cuda").to(dt)
        w = (torch.rand(C, device="cuda") + 0.5).to(dt)
        work = os.path.join("/tmp", "forge-bench-" + fn)
        os.makedirs(work, exist_ok=True)
        save(x, os.path.join(work, "x.npy"))
        save(w, os.path.join(work, "weight.npy"))
        args = ["--input", f"x={work}/x.npy"] + ([] if fn.startswith("softmax") else ["--input", f"weight={work}/weight.npy"])
        r = subprocess.run([os.path.join(bundle, "forge"), "run", os.path.join(bundle, "src/memory_bound.forge"), "--fn", fn,
                            "--target", "gpu", "--dims", f"R={R},C={C}", "--format", "json", "--save-outputs", work] + args,
                           capture_output=True, text=True)
        try:
            report = json.loads(r.stdout)
        except json.JSONDecodeError:
            print(fn, "forge failed:", r.stdout[-500:], r.stderr[-1500:])
            continue
        y = torch.empty_like(x)
        is_softmax = fn.startswith("softmax")
        eager = (lambda: softmax(x)) if is_softmax else (lambda: rms_norm(x, w))
        compiled_fn = torch.compile(softmax if is_softmax else rms_norm)
        compiled = (lambda: compiled_fn(x)) if is_softmax else (lambda: compiled_fn(x, w))
        expected = eager().float()
        got = load(os.path.join(work, "result.npy"), dt).float()
        tol = dict(rtol=2e-2, atol=1e-2) if dt == torch.bfloat16 else dict(rtol=2e-4, atol=1e-5)
        agrees = torch.allclose(got, expected, **tol)
        print(f"{fn}: Forge's output {'matches' if agrees else 'DIFFERS FROM'} torch (max abs diff {(got - expected).abs().max().item():.2e})")
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
