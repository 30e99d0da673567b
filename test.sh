#!/usr/bin/env bash
# Runs Forge's whole test suite: the Maven build with its tests (unit, data-driven, CLI, language server
# over stdio, fuzz), then the VS Code extension in a real code-server (grammar and end-to-end tests, the platform
# package on a machine without Java) and in Eclipse Theia.
#   ./test.sh                    everything
#   ./test.sh --no-editor        only the Maven suite
#   ./test.sh -- ARGS...         extra Maven arguments, e.g. ./test.sh -- -Dforge.updateGolden=true
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
. "$root/scripts/jdk.sh"
forge_find_jdk || exit 2
editor=1
maven_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-editor) editor=0 ;;
    --) shift; maven_args+=("$@"); break ;;
    *) maven_args+=("$1") ;;
  esac
  shift
done
cd "$root"
JAVA_HOME="$FORGE_JAVA_HOME" mvn -B verify "${maven_args[@]}"
if [ "$editor" = 1 ]; then
  echo "== VS Code extension: setup, package, grammar tests, end-to-end in code-server =="
  vscode-extension/test/setup.sh
  # A browser test can time out on a loaded machine: each e2e run gets one retry, announced, and must pass.
  e2e() { node test/e2e.mjs "$@" || { echo "== e2e $* failed; retrying once =="; node test/e2e.mjs "$@"; }; }
  (cd vscode-extension && npm run package && npm test && node test/bundled.mjs && e2e && e2e --stub-server)
  echo "== the platform package (forge-linux-x64-*.vsix: Java runtime bundled) on a machine without Java =="
  (cd vscode-extension && npm run package:linux-x64 && node test/bundled.mjs forge-linux-x64-*.vsix && e2e --no-jdk)
  echo "== the same .vsix in Eclipse Theia (browser app, headless Chromium) =="
  vscode-extension/test/theia/setup.sh
  theia_e2e() { node test/theia/e2e.mjs "$@" || { echo "== Theia e2e failed; retrying once =="; node test/theia/e2e.mjs "$@"; }; }
  (cd vscode-extension && theia_e2e) # the forge-VERSION.vsix packaged above
fi
