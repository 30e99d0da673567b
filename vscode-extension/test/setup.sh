#!/usr/bin/env bash
# Installs what the editor end-to-end test (test/e2e.mjs) needs, idempotently:
#   - Debian packages: chromium (the browser playwright drives), ripgrep and libkrb5-dev (code-server's install)
#   - code-server (default 4.100.3, the newest that runs on Node 20) under $FORGE_E2E_PREFIX
#   - the extension's npm dependencies (npm ci), when node_modules is missing or older than package-lock.json
# A second run on a machine that has everything takes about a second.
#
# Usage: vscode-extension/test/setup.sh
# Environment: FORGE_E2E_PREFIX (default ~/.cache/forge-e2e; e2e.mjs reads the same variable),
#              CS_VERSION (default 4.100.3). Needs Node 20 + npm, python3, make and g++ (node-pty builds
#              from source), and root or sudo for apt when a Debian package is missing.
set -euo pipefail
ext="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${FORGE_E2E_PREFIX:-$HOME/.cache/forge-e2e}"
cs_version="${CS_VERSION:-4.100.3}"
log() { echo "setup: $*" >&2; }

# 1. Debian packages
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "error: need root or sudo to apt-get install ${missing[*]}"; exit 2; }
    sudo="sudo"
  fi
  log "apt-get install ${missing[*]} (about a minute)"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. code-server
cs="$prefix/node_modules/.bin/code-server"
cs_env() { XDG_CONFIG_HOME="$prefix/xdg/config" XDG_DATA_HOME="$prefix/xdg/data" XDG_CACHE_HOME="$prefix/xdg/cache" "$@"; }
have_version=""
# `--version` may print a log line first: take the first line that starts with a version number
cs_version_of() { cs_env "$cs" --version 2>/dev/null | grep -Eo '^[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true; }
[ -x "$cs" ] && have_version="$(cs_version_of)"
if [ "$have_version" != "$cs_version" ]; then
  log "installing code-server $cs_version into $prefix (about two minutes)"
  mkdir -p "$prefix/tmp"
  prefix="$(cd "$prefix" && pwd)"
  # Pitfall: @vscode/ripgrep's postinstall downloads rg from GitHub, which is unreachable here. It looks in
  # $TMPDIR/vscode-ripgrep-cache-<version> first, so seed that cache with Debian's rg.
  seed="$(mktemp -d "$prefix/tmp/rg.XXXX")"
  cp "$(command -v rg)" "$seed/rg"
  mkdir -p "$prefix/tmp/vscode-ripgrep-cache-1.15.11"
  tar czf "$prefix/tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$seed" rg
  rm -rf "$seed"
  [ -f "$prefix/package.json" ] || echo '{"name":"forge-e2e-code-server","private":true}' > "$prefix/package.json"
  # Pitfalls: as root the postinstall needs --unsafe-perm; node-pty's postinstall runs `npx node-gyp`, which
  # aborts under `yes=false` in an npmrc unless npm_config_yes=true; npm >= 11.19 skips dependencies' install
  # scripts unless allowed, and code-server's own postinstall, node-pty's, kerberos's and ripgrep's are needed
  # (older npm versions ignore the allow-all option).
  (cd "$prefix" && TMPDIR="$prefix/tmp" npm_config_yes=true npm_config_dangerously_allow_all_scripts=true \
      npm install "code-server@$cs_version" --foreground-scripts --unsafe-perm --no-audit --no-fund \
      >"$prefix/install.log" 2>&1) || {
    log "error: npm install code-server failed; the last lines of $prefix/install.log:"
    tail -n 30 "$prefix/install.log" >&2
    exit 2
  }
  have_version="$(cs_version_of)"
  [ "$have_version" = "$cs_version" ] || { log "error: code-server reports version '$have_version'"; exit 2; }
fi

# 3. the extension's npm dependencies (typescript, vsce, vscode-languageclient, playwright-core)
if [ ! -f "$ext/node_modules/.package-lock.json" ] || [ "$ext/package-lock.json" -nt "$ext/node_modules/.package-lock.json" ]; then
  log "npm ci in $ext"
  (cd "$ext" && npm ci --no-audit --no-fund --loglevel=error)
fi

log "ready: code-server $have_version ($cs), $(chromium --version 2>/dev/null | head -n1), node $(node --version)"
