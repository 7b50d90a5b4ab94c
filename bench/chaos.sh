#!/usr/bin/env bash
# The long form of the chaos test: 10 minutes of faults (kill -9 and SIGSTOP of volume servers and of the leading
# and a following master, filer restarts) against a 3-master, 001-replicated cluster with 4 volume servers while a writer uploads through the filer; then every
# acknowledged file must read back identical and every process be RUNNING. CI runs the short form (npm test).
#   usage: bench/chaos.sh [SECONDS]        (default 600; SEAWEEDCTL_CHAOS_SEED=N replays a run's faults)
# Uses port offset 1600, like the short form: do not run both at once.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/commands/up.js ] || npm run build
export SEAWEEDCTL_CHAOS_SECONDS="${1:-600}"
exec node --import tsx --test --test-reporter=spec test/e2e/chaos.test.ts
