#!/usr/bin/env bash
# Builds the bundles the GPU proof runs (bench/gpu/prove.sh): one per sample file and one for the
# memory-bound benchmark, compiled for h100 at the benchmark dims below (the schedules fit them).
# The first carries Forge's jars and a jlinked runtime; the others share them on the GPU machine
# (prove.sh links them), so that everything travels within the 64 MiB the GPU machine takes. gpurun/ is
# git-ignored: hand it to the GPU machine explicitly (the device tool's carry: ["gpurun"]).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/gpurun}"
forge="$root/forge"
rm -rf "$out" && mkdir -p "$out"
# file | dims the schedules are fitted to (the benchmark dims)
while IFS='|' read -r file dims; do
  [ -z "$file" ] && continue
  name="$(basename "$file" .forge)"
  fns=()
  # Every function the Graph IR or the kernel lowering accepts (the blueprint files also hold sketches that do not compile yet).
  for fn in $(grep -E '^def [A-Za-z_][A-Za-z0-9_]*' "$root/$file" | sed -E 's/^def ([A-Za-z0-9_]+).*/\1/'); do
    fns+=(--fn "$fn")
  done
  extra=()
  [ "$name" = memory_bound ] && extra=(--with-runtime)
  if ! FORGE_NO_BUILD=${FORGE_NO_BUILD:-} "$forge" bundle "$root/$file" "${fns[@]}" --target h100 --dims "$dims" --out "$out/$name" "${extra[@]}" > "$out/$name.log" 2>&1 < /dev/null; then
    # A function that does not compile yet for any target: bundle the others one by one.
    for ((i = 1; i < ${#fns[@]}; i += 2)); do
      fn="${fns[$i]}"
      "$forge" bundle "$root/$file" --fn "$fn" --target h100 --dims "$dims" --out "$out/$name.$fn" "${extra[@]}" >> "$out/$name.log" 2>&1 < /dev/null \
        || echo "skipped $file --fn $fn: $(tail -1 "$out/$name.log")"
    done
  fi
done <<'LIST'
bench/gpu/memory_bound.forge|R=16384,C=4096
bench/gpu/gemm_schedules.forge|M=4096,N=4096,K=4096
samples/softmax.forge|B=16,S=1024,V=4096,R=16384,C=4096
samples/rmsnorm.forge|B=16,S=1024,D=4096,R=16384
samples/layernorm.forge|B=16,S=1024,D=4096
samples/layernorm_kernel.forge|R=16384,D=4096
samples/dropout.forge|N=16777216
samples/matmul.forge|B=8,S=512,K=4096,N=4096,M=4096
samples/mlp.forge|B=8,S=512,D=1024,F=4096
samples/transformer_block.forge|B=4,S=512,D=1024,F=4096,heads=16
samples/flash_attention.forge|M=4096,N=4096,Dh=64
samples/blueprint_distributed.forge|B=16,S=1024,D=4096
LIST
# Only the first bundle keeps the jars and the runtime.
for d in "$out"/*/; do
  [ "$(basename "$d")" = memory_bound ] && continue
  rm -rf "$d/lib" "$d/runtime" "$d/runtime.tar.xz"
done
du -sh "$out"
