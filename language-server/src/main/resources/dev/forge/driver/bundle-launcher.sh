#!/usr/bin/env bash
# Runs the kernels of this Forge bundle (made by `forge bundle`) on the attached NVIDIA GPU:
#   ./forge run|profile src/FILE.forge --fn NAME [--dims B=4,S=128] [--target gpu] [--format json] ...
# Needs the NVIDIA driver and a Java runtime: the bundle's own (runtime/, or runtime.tar.xz, unpacked
# here on first use), else a JDK 25 or newer on JAVA_HOME or PATH. No compiler, Maven or LLVM.
set -euo pipefail
dir="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"

java_major() { # the feature version of the java binary $1, or nothing
  local release
  release="$(dirname "$(dirname "$(readlink -f "$1")")")/release"
  if [ -f "$release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" | head -n 1
  else
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
  fi
}

if [ -f "$dir/runtime.tar.xz" ] && [ ! -x "$dir/runtime/bin/java" ]; then
  echo "forge: unpacking the bundled Java runtime (first use)..." >&2
  # Unpacked beside and renamed into place, so that two first runs at once cannot see half a runtime.
  staging="$(mktemp -d "$dir/.runtime.XXXXXX")"
  tar -xJf "$dir/runtime.tar.xz" -C "$staging"
  mv -T "$staging/runtime" "$dir/runtime" 2>/dev/null || true
  rm -rf "$staging"
fi

java=""
for candidate in "$dir/runtime/bin/java" "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    major="$(java_major "$candidate")"
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      java="$candidate"
      break
    fi
  fi
done
if [ -z "$java" ]; then
  echo "forge: error: no Java runtime 25 or newer: this bundle has none (make it with forge bundle --with-runtime)" \
       "and neither JAVA_HOME nor PATH has one" >&2
  exit 2
fi

exec "$java" --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 \
  "-Dforge.bundle=$dir" -cp "$dir/lib/*" dev.forge.cli.Main "$@"
