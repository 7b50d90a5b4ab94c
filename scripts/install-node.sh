#!/usr/bin/env bash
# Node.js majors beside the system's, for the CI matrix (scripts/ci-node-matrix.sh): each from the npm registry's
# node-<os>-<arch> package (the official binary) into a cache outside the checkout, $SEAWEEDCTL_NODE_CACHE or
# ~/.cache/seaweedctl-ci/node/<major>/bin/node. Idempotent: a major already there is left as it is.
#   usage: scripts/install-node.sh 22 24
set -euo pipefail
cache="${SEAWEEDCTL_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/seaweedctl-ci/node}"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "install-node: no node-linux package for $(uname -m)" >&2; exit 4 ;;
esac
if (( $# == 0 )); then echo "usage: scripts/install-node.sh MAJOR..." >&2; exit 2; fi

for major in "$@"; do
  [[ "$major" =~ ^[0-9]+$ ]] || { echo "install-node: \"$major\" is not a Node major (e.g. 22)" >&2; exit 2; }
  dir="$cache/$major"
  if [[ -x "$dir/bin/node" ]] && [[ "$("$dir/bin/node" --version 2>/dev/null)" == "v$major."* ]]; then
    echo "node $major: $dir/bin/node ($("$dir/bin/node" --version)), already installed"
    continue
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-$arch@$major" >/dev/null)
  tar -xzf "$work"/node-linux-"$arch"-*.tgz -C "$work"
  chmod +x "$work/package/bin/node"
  version="$("$work/package/bin/node" --version)"
  [[ "$version" == "v$major."* ]] || { echo "install-node: node-linux-$arch@$major runs as $version" >&2; exit 1; }
  # Into place in one rename, so an interrupted install never looks installed.
  mkdir -p "$cache"
  rm -rf "$dir.part"
  mv "$work/package" "$dir.part"
  rm -rf "$dir"
  mv "$dir.part" "$dir"
  rm -rf "$work"
  echo "node $major: $dir/bin/node ($version)"
done
