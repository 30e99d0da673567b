#!/usr/bin/env bash
# Runs Forge's whole test suite (unit, data-driven, CLI, fuzz) with a JDK >= 25.
# Extra arguments go to Maven, e.g. ./test.sh -Dforge.updateGolden=true
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
. "$root/scripts/jdk.sh"
forge_find_jdk || exit 2
cd "$root"
JAVA_HOME="$FORGE_JAVA_HOME" mvn -B verify "$@"
