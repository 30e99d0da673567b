#!/usr/bin/env python3
"""Host CPU kernels vs NumPy, measured in one run on this machine.

For each case, `forge run` compiles bench/kernels.forge for the host, verifies the result against
the reference interpreter and reports its median time; NumPy (OpenBLAS for the GEMM) runs the same
computation here, timed the same way (median after warm-up). Prints one table of ratios
(NumPy time / Forge time: above 1 means Forge is faster). Goals (issue 4): GEMM >= 0.9x,
fused softmax and RMSNorm >= 3x.

A VM's neighbours make single timings swing by 2x, so each case runs in rounds, Forge then NumPy back to
back in each; the ratio printed is the median of the rounds' ratios, with their range.

usage: python3 bench/host_kernels.py [--quick] [--rounds N]   (N: default 3)
"""
import json
import os
import subprocess
import sys
import time

# This machine's environment forces OpenBLAS onto its Haswell kernel; NumPy here gets the AVX-512 one it would pick
# itself. OpenBLAS reads these when it loads, so they go before numpy is imported (forge never uses OpenBLAS).
for _var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_var, None)

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORGE = os.path.join(ROOT, "forge")
SOURCE = os.path.join(ROOT, "bench", "kernels.forge")


def median_ms(fn, budget_s=1.5, min_runs=5):
    fn()  # warm-up
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < budget_s:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
        if len(times) >= 1000:
            break
    times.sort()
    return times[len(times) // 2]


def forge(fn, dims):
    proc = subprocess.run([FORGE, "run", SOURCE, "--fn", fn, "--dims", dims, "--format", "json"],
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"forge run {fn} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return json.loads(proc.stdout)


def openblas_core():
    """The core OpenBLAS says it runs on (e.g. SkylakeX, Haswell), or '?'."""
    try:
        from threadpoolctl import threadpool_info
        for lib in threadpool_info():
            if lib.get("internal_api") == "openblas":
                return lib.get("architecture") or "?"
    except ImportError:
        pass
    try:
        import ctypes
        import glob
        libs = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "libscipy_openblas*.so*")) + \
            glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "libopenblas*.so*"))
        for path in libs:
            lib = ctypes.CDLL(path)
            for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
                if hasattr(lib, name):
                    fn = getattr(lib, name)
                    fn.restype = ctypes.c_char_p
                    return fn().decode()
    except OSError:
        pass
    return "?"


def numpy_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=-1, keepdims=True)


def numpy_rmsnorm(x, w):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + 1e-6) * w


def main():
    quick = "--quick" in sys.argv
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    rng = np.random.default_rng(0)
    cases = []
    for n in ([512] if quick else [1024, 2048]):
        a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
        b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
        cases.append((f"gemm f32 n={n}", "gemm", f"M={n},N={n},K={n}", lambda a=a, b=b: a @ b, 2.0 * n ** 3, 0.9))
    r = 1024 if quick else 4096
    x = rng.uniform(-1, 1, (r, r)).astype(np.float32)
    w = rng.uniform(-1, 1, (r,)).astype(np.float32)
    cases.append((f"softmax f32 {r}x{r}", "softmax_rows", f"R={r},C={r}", lambda: numpy_softmax(x), 5.0 * r * r, 3.0))
    cases.append((f"rmsnorm f32 {r}x{r}", "rmsnorm_rows", f"R={r},C={r}", lambda: numpy_rmsnorm(x, w), 4.0 * r * r, 3.0))

    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    print(f"host kernels vs NumPy {np.__version__} ({blas['name']} {blas.get('version', '')}), {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d')}, OpenBLAS core {openblas_core()}")
    print("forge runs use the artifact cache: a schedule `forge tune` stored for these dims is what runs (column 'schedule')")
    print(f"{'case':24} {'forge ms':>10} {'numpy ms':>10} {'forge GFLOP/s':>14} {'numpy GFLOP/s':>14} {'ratio':>7} "
          f"{'range':>13} {'goal':>6}  verified   ({rounds} rounds)")
    for name, fn, dims, np_fn, flops, goal in cases:
        forge_ms, numpy_ms, ratios, verified = [], [], [], True
        for _ in range(rounds):
            report = forge(fn, dims)
            verified = verified and report["verified"]
            forge_ms.append(report["median_ms"])
            schedule = report.get("schedule", "default")
            numpy_ms.append(median_ms(np_fn))
            ratios.append(numpy_ms[-1] / forge_ms[-1])
        f_ms, np_ms, ratio = middle(forge_ms), middle(numpy_ms), middle(ratios)
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
        print(f"{name:24} {f_ms:10.3f} {np_ms:10.3f} {flops / f_ms / 1e6:14.1f} {flops / np_ms / 1e6:14.1f} "
              f"{ratio:6.2f}x {spread:>13} {goal:5.1f}x  {'yes' if verified else 'NO'}"
              f"{'' if ratio >= goal else '  (below goal)'}  {schedule}")


def middle(values):
    """The median (the lower middle of an even count)."""
    return sorted(values)[(len(values) - 1) // 2]


if __name__ == "__main__":
    main()
