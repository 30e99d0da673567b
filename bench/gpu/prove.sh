#!/usr/bin/env bash
# The GPU proof, run on the GPU machine (NVIDIA driver, CUDA tools, Python with torch; no Java or
# compiler needed) from the bundles bench/gpu/make_bundles.sh built: every bundled function runs
# verified at small odd dims (ragged edges) and at the benchmark dims the bundle was fitted to,
# compute-sanitizer's memcheck and racecheck run on the small dims when SANITIZE=1, then the
# memory-bound benchmark against torch. Prints one table.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bundles="$(cd "${1:-$here/../../gpurun}" && pwd)"
results="${RESULTS:-$bundles/results}"
mkdir -p "$results"
main="$bundles/memory_bound"
# The other bundles share the first one's jars and runtime.
"$main/forge" run "$main/src/memory_bound.forge" --fn softmax_f32 --target gpu --dims R=3,C=5 > /dev/null 2>&1 || true
export JAVA_HOME="$main/runtime"
for d in "$bundles"/*/; do
  [ -f "$d/manifest.json" ] || continue
  [ -e "$d/lib" ] || ln -s "$main/lib" "$d/lib"
done
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
# small odd dims per symbol: 37 for sizes, divisible pairs where a reshape splits a dim (D = heads * 12)
small() {
  case "$1" in
    transformer_block) echo "B=3,S=37,D=48,F=37,heads=4" ;;
    *) python3 - "$2" <<'PY'
import json, sys
dims = json.load(open(sys.argv[1]))["dims"]
print(",".join(f"{k}={3 if k in ('B',) else 37}" for k in dims))
PY
    ;;
  esac
}
for d in "$bundles"/*/; do
  [ -f "$d/manifest.json" ] || continue
  name="$(basename "$d")"
  src="$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['source'])" "$d/manifest.json")"
  bench_dims="$(python3 -c "import json,sys; print(','.join(f'{k}={v}' for k,v in json.load(open(sys.argv[1]))['dims'].items()))" "$d/manifest.json")"
  small_dims="$(small "$name" "$d/manifest.json")"
  for fn in $(python3 -c "import json,sys; print(' '.join(f['name'] for f in json.load(open(sys.argv[1]))['functions']))" "$d/manifest.json"); do
    for which in small bench; do
      dims="$small_dims"; [ "$which" = bench ] && dims="$bench_dims"
      out="$results/$name.$fn.$which.json"
      timeout 300 "$d/forge" run "$d/$src" --fn "$fn" --target gpu --dims "$dims" --format json > "$out" 2> "$out.err"
      echo "$name.$fn $which rc=$? $(python3 -c "import json,sys
try:
  r=json.load(open(sys.argv[1])); print('verified' if r.get('verified') else 'NOT VERIFIED', r.get('dims'), 'median %.4f ms' % r.get('median_ms', 0), '%.0f GB/s' % r.get('gbps', 0), '%.1f GFLOP/s' % r.get('gflops', 0), r.get('reference'))
except Exception as e: print('no report:', open(sys.argv[2]).read()[-300:])" "$out" "$out.err")"
      if [ "$which" = small ] && [ "${SANITIZE:-0}" = 1 ]; then
        for tool in memcheck racecheck; do
          timeout 300 compute-sanitizer --tool "$tool" --target-processes all --error-exitcode 99 \
            "$d/forge" run "$d/$src" --fn "$fn" --target gpu --dims "$dims" > "$results/$name.$fn.$tool.log" 2>&1
          echo "$name.$fn $tool rc=$? $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$results/$name.$fn.$tool.log" | tr '\n' ' ')"
        done
      fi
    done
  done
done
