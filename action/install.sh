#!/usr/bin/env bash
# Install seaweedctl from this checkout of the action (packed, then installed like any npm package) and weed.
# Inputs (environment): SEAWEEDCTL_PREFIX (where to install; default $RUNNER_TEMP/seaweedctl), WEED_VERSION.
# Appends the prefix's bin directory to $GITHUB_PATH. A second use of the action in a job installs seaweedctl once.
set -euo pipefail
src="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
prefix="${SEAWEEDCTL_PREFIX:-${RUNNER_TEMP:-/tmp}/seaweedctl}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ -x "$prefix/bin/seaweedctl" && "$(cat "$prefix/.installed-from" 2>/dev/null)" == "$src" ]]; then
  echo "seaweedctl is already installed in $prefix/bin from $src"
else
  if [[ ! -f "$src/dist/index.js" ]]; then
    (cd "$src" && npm ci --no-audit --no-fund && npm run build)
  fi
  (cd "$src" && npm pack --silent --pack-destination "$work" >/dev/null)
  # --prefer-offline: the runtime dependencies come from npm's cache when they are there, else the registry.
  npm install --global --prefix "$prefix" --prefer-offline --no-audit --no-fund "$work"/seaweedctl-*.tgz
  echo "$src" > "$prefix/.installed-from"
fi
# The weed binary, into ~/.cache/seaweedctl/weed/<version> (the cache step keeps it between runs).
bash "$src/scripts/install-weed.sh" "${WEED_VERSION:-4.48}"
echo "$prefix/bin" >> "${GITHUB_PATH:-/dev/null}"
echo "seaweedctl installed in $prefix/bin"
