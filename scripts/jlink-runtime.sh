#!/usr/bin/env bash
# Builds a trimmed Java runtime for machines that have no JDK (the GPU machine, AOT bundles):
#   scripts/jlink-runtime.sh OUT_DIR
# OUT_DIR must not exist; OUT_DIR/bin/java is the runtime's java. Uses the JDK >= 25 that
# scripts/jdk.sh finds ($JAVA_HOME, `java` on PATH, /usr/lib/jvm/*). Modules: what a Forge run loads
# (java.desktop only for java.beans, which log4j under Xtext configures itself with; jdk.unsupported
# for Guice; the FFM API that reaches libcuda is in java.base; jdeps also lists java.sql, java.naming
# and java.compiler, for classes a run never loads), plus any in $FORGE_JLINK_EXTRA_MODULES
# (comma-separated). $FORGE_JLINK_COMPRESS overrides zip-9 (zip-0 when the image will be packed
# with xz, which then shrinks it far more). FORGE_JLINK_CDS=1 adds the JDK's class-data archive (faster
# start, and the base that -XX:+AutoCreateSharedArchive needs; about 13 MB more). Prints the runtime's size.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: scripts/jlink-runtime.sh OUT_DIR" >&2
  exit 2
fi
out="$1"
if [ -e "$out" ]; then
  echo "jlink-runtime: $out exists; give a new directory" >&2
  exit 2
fi
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/jdk.sh"
forge_find_jdk || exit 2
modules="java.base,java.logging,java.xml,java.management,jdk.unsupported,java.desktop"
if [ -n "${FORGE_JLINK_EXTRA_MODULES:-}" ]; then
  modules="$modules,$FORGE_JLINK_EXTRA_MODULES"
fi
cds=()
[ "${FORGE_JLINK_CDS:-}" = 1 ] && cds=(--generate-cds-archive)
"$FORGE_JAVA_HOME/bin/jlink" --add-modules "$modules" "${cds[@]}" --compress "${FORGE_JLINK_COMPRESS:-zip-9}" --strip-debug --no-header-files --no-man-pages --output "$out"
echo "jlink-runtime: $out ($(du -sh "$out" | cut -f1), modules $modules)"
