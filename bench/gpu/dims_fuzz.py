"""The dims fuzz on the GPU (issue 14's GPU variant), run on the GPU machine from the bundles of
bench/gpu/make_bundles.sh: every bundled function at dims drawn from tests/src/test/resources/fuzz/dims.txt
(all dims 0, 1 and 2, then seeded random draws of the 'small' pool, and one draw of the 'large' pool)
must either run verified or be refused with a one-line error (exit 2 or 1 with one line); a trace,
an internal error or a fault fails.

    python3 bench/gpu/dims_fuzz.py gpurun [--cases 4] [--seed 1]
"""
import argparse, json, os, random, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
DIMS = os.path.join(HERE, "..", "..", "tests", "src", "test", "resources", "fuzz", "dims.txt")


def pools(path):
    out = {"small": [], "large": []}
    for line in open(path):
        line = line.split("#", 1)[0].split()
        if len(line) >= 2:
            out[line[1]].append(int(line[0]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundles")
    ap.add_argument("--cases", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    values = pools(DIMS)
    rng = random.Random(args.seed)
    failures = 0
    outcomes = {}
    for name in sorted(os.listdir(args.bundles)):
        manifest = os.path.join(args.bundles, name, "manifest.json")
        if not os.path.isfile(manifest):
            continue
        man = json.load(open(manifest))
        symbols = list(man["dims"])
        draws = [{s: v for s in symbols} for v in (0, 1, 2)]
        draws += [{s: rng.choice(values["small"][:12]) for s in symbols} for _ in range(args.cases)]
        draws += [{s: rng.choice(values["large"]) for s in symbols}]
        for f in man["functions"]:
            for dims in draws:
                text = ",".join(f"{k}={v}" for k, v in dims.items())
                r = subprocess.run([os.path.join(args.bundles, name, "forge"), "run", os.path.join(args.bundles, name, man["source"]),
                                    "--fn", f["name"], "--target", "gpu", "--dims", text, "--format", "json"],
                                   capture_output=True, text=True, timeout=300)
                err = [l for l in r.stderr.strip().splitlines() if not l.startswith("WARNING") and not l.startswith("forge: unpacking")]
                if r.returncode == 0:
                    outcome = "verified" if json.loads(r.stdout).get("verified") else "NOT VERIFIED"
                elif r.returncode in (1, 2) and len(err) == 1 and "internal error" not in err[0] and "Exception" not in err[0]:
                    outcome = "refused"
                else:
                    outcome = "FAILED"
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if outcome in ("FAILED", "NOT VERIFIED"):
                    failures += 1
                    print(f"{name}.{f['name']} {text}: {outcome} rc={r.returncode}: {' | '.join(err[-3:])}", flush=True)
    print(outcomes)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
