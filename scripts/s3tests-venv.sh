#!/usr/bin/env bash
# Installs the Python side of the S3 conformance suite (ceph's s3-tests, pinned in ../shared/fixtures/s3-tests)
# into a virtualenv kept outside the checkout, and prints its path. Idempotent: an existing venv whose
# requirements stamp matches is reused.
#   bash scripts/s3tests-venv.sh [SUITE_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
suite="${1:-${S3TESTS_DIR:-$here/../shared/fixtures/s3-tests}}"
venv="${S3TESTS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/seaweedctl-ci/s3tests-venv}"
[ -f "$suite/requirements.txt" ] || { echo "s3-tests not found at $suite (set S3TESTS_DIR)" >&2; exit 2; }
stamp="$(cat "$suite/requirements.txt"; echo 'pytest-xdist pytest-timeout')"
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$stamp" ]; then echo "$venv"; exit 0; fi
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$suite/requirements.txt" pytest-xdist pytest-timeout >&2
printf '%s' "$stamp" > "$venv/.stamp"
echo "$venv"
