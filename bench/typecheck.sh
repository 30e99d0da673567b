#!/usr/bin/env bash
# Times type checking of a generated 2,000-line file (see TypeCheckBenchmark). Needs a built tree (./test.sh or mvn install).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$root/scripts/jdk.sh"
forge_find_jdk || exit 2
cd "$root"
JAVA_HOME="$FORGE_JAVA_HOME" mvn -B -q -o -pl tests test-compile exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.forge.bench.TypeCheckBenchmark -Dexec.args="$root" -Dexec.cleanupDaemonThreads=false 2>&1 | grep -v "^WARNING"
