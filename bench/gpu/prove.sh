#!/usr/bin/env bash
# The GPU proof, run on the GPU machine (NVIDIA driver, CUDA tools, Python with torch; no Java or
# compiler needed) from the bundles bench/gpu/make_bundles.sh built: every bundled function runs
# verified at small odd dims (ragged edges; in parallel, with compute-sanitizer's memcheck and
# racecheck when SANITIZE=1, for the functions SANITIZE_FNS lists if set) and then, one at a time for clean timings, at the benchmark dims the
# bundle was fitted to. Prints one line per run.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bundles="$(cd "${1:-$here/../../gpurun}" && pwd)"
results="${RESULTS:-$bundles/results}"
mkdir -p "$results"
main="$bundles/memory_bound"
# The other bundles share the first one's jars and runtime (unpacked by its first run).
"$main/forge" run "$main/src/memory_bound.forge" --fn softmax_f32 --target gpu --dims R=3,C=5 > /dev/null 2>&1 || true
export JAVA_HOME="$main/runtime"
for d in "$bundles"/*/; do
  [ -f "$d/manifest.json" ] && [ ! -e "$d/lib" ] && ln -s "$main/lib" "$d/lib"
done
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

# One job per line: bundle-dir src function dims kind(small|bench|memcheck|racecheck)
jobs="$results/jobs.txt"
python3 - "$bundles" "${SANITIZE:-0}" "${SANITIZE_FNS:-}" > "$jobs" <<'PY'
import json, os, sys
bundles, sanitize, only = sys.argv[1], sys.argv[2] == "1", [s for s in sys.argv[3].split(",") if s]
small_override = {"transformer_block": "B=3,S=37,D=48,F=37,heads=4"}
for name in sorted(os.listdir(bundles)):
    m = os.path.join(bundles, name, "manifest.json")
    if not os.path.isfile(m):
        continue
    man = json.load(open(m))
    bench = ",".join(f"{k}={v}" for k, v in man["dims"].items())
    small = small_override.get(name, ",".join(f"{k}={3 if k == 'B' else 37}" for k in man["dims"]))
    for f in man["functions"]:
        checked = sanitize and (not only or f["name"] in only)
        for kind in ["small"] + (["memcheck", "racecheck"] if checked else []) + ["bench"]:
            print(os.path.join(bundles, name), man["source"], f["name"], bench if kind == "bench" else small, kind)
PY

one() { # bundle src fn dims kind
  local d="$1" src="$2" fn="$3" dims="$4" kind="$5"
  local tag="$results/$(basename "$d").$fn.$kind"
  case "$kind" in
    small|bench) timeout 300 "$d/forge" run "$d/$src" --fn "$fn" --target gpu --dims "$dims" --format json > "$tag.json" 2> "$tag.err"
                 echo $? > "$tag.rc" ;;
    *) timeout 300 compute-sanitizer --tool "$kind" --target-processes all --error-exitcode 99 \
         "$d/forge" run "$d/$src" --fn "$fn" --target gpu --dims "$dims" > "$tag.log" 2>&1
       echo $? > "$tag.rc" ;;
  esac
}
export -f one
export results
# Correctness (and sanitizers) in parallel; timings alone.
grep -v ' bench$' "$jobs" | xargs -P "${PARALLEL:-6}" -L 1 bash -c 'one "$@"' _
grep ' bench$' "$jobs" | xargs -P 1 -L 1 bash -c 'one "$@"' _

python3 - "$results" "$jobs" <<'PY'
import json, os, sys
results, jobs = sys.argv[1], sys.argv[2]
ok = bad = 0
for line in open(jobs):
    d, src, fn, dims, kind = line.split()
    tag = os.path.join(results, os.path.basename(d) + "." + fn + "." + kind)
    rc = open(tag + ".rc").read().strip() if os.path.exists(tag + ".rc") else "?"
    name = f"{os.path.basename(d)}.{fn}"
    if kind in ("small", "bench"):
        try:
            r = json.load(open(tag + ".json"))
            good = r.get("verified") is True
            print(f"{name:40s} {kind:6s} {'verified' if good else 'NOT VERIFIED':12s} {r.get('median_ms', 0):10.4f} ms "
                  f"{r.get('gbps', 0):8.0f} GB/s {r.get('gflops', 0) / 1000:8.2f} TFLOP/s  {dims}  [{r.get('device')}; {r.get('reference')}]")
        except Exception:
            good = False
            err = open(tag + ".err").read().strip().splitlines() if os.path.exists(tag + ".err") else []
            print(f"{name:40s} {kind:6s} FAILED rc={rc}: {' | '.join(err[-3:])}")
    else:
        log = open(tag + ".log").read() if os.path.exists(tag + ".log") else ""
        summary = [l.strip() for l in log.splitlines() if "SUMMARY" in l]
        good = rc == "0" and all(" 0 " in s or ": 0 " in s for s in summary) and summary
        print(f"{name:40s} {kind:9s} {'clean' if good else 'PROBLEM rc=' + rc}: {' / '.join(summary)}")
    ok, bad = ok + bool(good), bad + (not good)
print(f"\n{ok} passed, {bad} failed")
PY
