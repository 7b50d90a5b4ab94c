#!/usr/bin/env bash
# The end-to-end suite in a private network namespace (its own loopback), so it can run beside another run of the
# suite (CI runs weed 4.30's pass next to 4.48's) without the two colliding on ports. Without the privilege to make
# one (unshare needs root or CAP_SYS_ADMIN), it runs in the machine's namespace: then do not run two at once.
# There is no network inside: tests that download (auto-install) are left to the other pass, and so is the Compose
# export on a real Docker engine (its first run installs Docker and builds Compose; see the test's header).
# The node that runs is the first on PATH (scripts/ci-node-matrix.sh puts another major there).
#   usage: scripts/e2e-in-netns.sh            (the weed version from $SEAWEEDCTL_TEST_WEED_VERSION, as npm run test:e2e)
#          scripts/e2e-in-netns.sh FILE...    (those test files only)
set -euo pipefail
cd "$(dirname "$0")/.."
files=("$@")
if (( ${#files[@]} == 0 )); then
  for f in test/e2e/*.test.ts; do
    # docs: the examples of README.md and docs/ pin weed 4.48 as written, so they would run the same thing twice.
    [[ "$f" == *auto-install* || "$f" == *export-compose-docker* || "$f" == */docs.test.ts ]] || files+=("$f")
  done
fi
# As npm test: a test that runs past 30 minutes fails, and a file whose tests have all ended exits even if something
# it started still holds it open (the leak is then its own test's failure, not a suite that waits for ever).
run=(node --import tsx --import ./test/helpers/exit-guard.mjs --test --test-concurrency=1 --test-timeout=1800000 "${files[@]}")
if unshare -n true 2>/dev/null; then
  exec unshare -n bash -c 'ip link set lo up && exec "$@"' e2e "${run[@]}"
fi
echo "e2e-in-netns: cannot create a network namespace here; running in the machine's own" >&2
exec "${run[@]}"
