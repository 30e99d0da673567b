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
# Rows of whole 16-byte units, ragged against the tiles: the dims where bulk copies (TMA) run (37 takes the per-thread path).
aligned = {"matmul": "B=3,S=40,K=72,N=264,M=200", "gemm_schedules": "M=200,N=264,K=72"}
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
        if name in aligned:
            for kind in ["small"] + (["memcheck", "racecheck", "synccheck"] if checked else []):
                print(os.path.join(bundles, name), man["source"], f["name"], aligned[name], kind)
PY

one() { # bundle src fn dims kind: runs one job and prints its line at once (so a cut-off run still reports)
  local d="$1" src="$2" fn="$3" dims="$4" kind="$5"
  local tag="$results/$(basename "$d").$fn.$kind.$(printf %s "$dims" | md5sum | cut -c1-6)"
  case "$kind" in
    small|bench) timeout 300 "$d/forge" run "$d/$src" --fn "$fn" --target gpu --dims "$dims" --format json > "$tag.json" 2> "$tag.err"
                 echo $? > "$tag.rc" ;;
    *) timeout 300 compute-sanitizer --tool "$kind" --target-processes all --error-exitcode 99 \
         "$d/forge" run "$d/$src" --fn "$fn" --target gpu --dims "$dims" > "$tag.log" 2>&1
       echo $? > "$tag.rc" ;;
  esac
  python3 "$here/prove_line.py" "$tag" "$(basename "$d").$fn" "$kind" "$dims"
}
export -f one
export results here
# Correctness (and sanitizers) in parallel; timings alone, after the memory-bound benchmark when BENCH=1.
# SMALL_FNS=a,b limits the small-dims runs (and sanitizers) to those functions.
grep -v ' bench$' "$jobs" | awk -v only="${SMALL_FNS:-}" 'only == "" || index("," only ",", "," $3 ",")' | xargs -P "${PARALLEL:-6}" -L 1 bash -c 'one "$@"' _
if [ "${BENCH:-0}" = 1 ]; then
  timeout 200 python3 "$here/bench_memory_bound.py" "$main"
  [ -d "$bundles/matmul" ] && timeout 400 python3 "$here/bench_gemm.py" "$bundles/matmul" "$bundles/gemm_schedules"
  [ -d "$bundles/dropout" ] && timeout 120 python3 "$here/compare_triton_rand.py" "$bundles/dropout"
fi
# BENCH_FNS=a,b limits the runs at benchmark dims to those functions.
grep ' bench$' "$jobs" | awk -v only="${BENCH_FNS:-}" 'only == "" || index("," only ",", "," $3 ",")' | xargs -P 1 -L 1 bash -c 'one "$@"' _
cat "$results"/*.line 2>/dev/null | awk '{ if ($0 ~ / (verified|clean)/) ok++; else bad++ } END { printf "\n%d passed, %d failed\n", ok, bad }'
