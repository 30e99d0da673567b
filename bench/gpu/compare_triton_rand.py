"""Forge's tile.randint against Triton's tl.randint on the same GPU: the same seed and offsets must give
the same 32-bit words (both are Philox4x32-10 keyed by the seed's two words, counter (offset, 0, 0, 0)).

    python3 bench/gpu/compare_triton_rand.py gpurun/dropout
"""
import json, os, subprocess, sys
import numpy
import torch
import triton
import triton.language as tl

N = 1 << 20
SEED = 0x1F31D0A4093822


@triton.jit
def words(out, seed, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(out + offs, tl.randint(seed, offs).to(tl.int64) & 0xFFFFFFFF, mask=offs < n)


def main(bundle):
    expected = torch.empty(N, dtype=torch.int64, device="cuda")
    words[(triton.cdiv(N, 1024),)](expected, SEED, N, BLOCK=1024)
    work = "/tmp/forge-rand"
    os.makedirs(work, exist_ok=True)
    numpy.save(os.path.join(work, "seed.npy"), numpy.array(SEED, dtype=numpy.int64))
    r = subprocess.run([os.path.join(bundle, "forge"), "run", os.path.join(bundle, "src/dropout.forge"), "--fn", "philox_words",
                        "--target", "gpu", "--dims", f"N={N}", "--input", f"seed={work}/seed.npy", "--format", "json",
                        "--save-outputs", work], capture_output=True, text=True)
    try:
        report = json.loads(r.stdout)
    except json.JSONDecodeError:
        print("forge failed:", r.stdout[-500:], r.stderr[-1500:])
        return
    got = numpy.load(os.path.join(work, "Y.npy")).astype(numpy.int64)
    want = expected.cpu().numpy()
    same = int((got == want).sum())
    print(f"tile.randint vs tl.randint, seed {SEED:#x}, {N} offsets: {same} of {N} words equal"
          f" ({'MATCH' if same == N else 'DIFFER'}); forge {'verified' if report.get('verified') else 'NOT VERIFIED'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "gpurun/dropout")
