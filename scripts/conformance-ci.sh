#!/usr/bin/env bash
# CI: the fixed subset of ceph's s3-tests (scripts/conformance-subset.txt) against seaweedctl and weed mini, with
# weed 4.48 and 4.30; fails if a test of the subset passes on weed mini and fails on seaweedctl. Each version's
# report goes to .cache/conformance-<version>.md. The suite's Python packages are installed first (that needs the
# network); the runs then go into a network namespace of their own when this machine allows one, so weed mini's
# ports (and its unix sockets in /tmp, named by port) meet nothing else. About 4 minutes per version on 2 idle cores (9 under heavy load).
#   usage: scripts/conformance-ci.sh [VERSION…]     (default: 4.48 4.30)
set -euo pipefail
cd "$(dirname "$0")/.."
# The pinned suite lives beside the checkout (../shared, or ../../shared from a worktree).
if [[ -z "${S3TESTS_DIR:-}" ]]; then
  for d in ../shared/fixtures/s3-tests ../../shared/fixtures/s3-tests; do
    if [[ -d "$d" ]]; then S3TESTS_DIR="$(cd "$d" && pwd)"; break; fi
  done
fi
export S3TESTS_DIR="${S3TESTS_DIR:?s3-tests not found beside the checkout: set S3TESTS_DIR}"
bash scripts/s3tests-venv.sh "$S3TESTS_DIR" >/dev/null
mkdir -p .cache
versions=("$@")
(( ${#versions[@]} )) || versions=(4.48 4.30)
status=0
for v in "${versions[@]}"; do
  run=(node scripts/conformance.mjs --weed-version "$v" --subset scripts/conformance-subset.txt --check --out ".cache/conformance-$v.md")
  if unshare -n true 2>/dev/null; then
    unshare -n bash -c 'ip link set lo up && exec "$@"' conformance "${run[@]}" >/dev/null || status=1
  else
    echo "conformance-ci: cannot create a network namespace here; running in the machine's own" >&2
    "${run[@]}" >/dev/null || status=1
  fi
  echo "=== S3 conformance subset, weed $v ==="
  cat ".cache/conformance-$v.md" 2>/dev/null || echo "(no report)"
done
exit "$status"
