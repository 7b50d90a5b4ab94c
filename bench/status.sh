#!/usr/bin/env bash
# Benchmark: `seaweedctl status` on a running cluster against `node -e 0`, interleaved, N runs each.
# Prints the medians and their ratio (target ≤ 1.6).
#   usage: bench/status.sh [RUNS]    (default 30; starts a 4-volume cluster on port offset 3100, stops it after)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"
bin="$PWD/bin/run.js"
work="$(mktemp -d)"
trap '(cd "$work" && node "$bin" down >/dev/null 2>&1); rm -rf "$work"' EXIT
(cd "$work" && node "$bin" up --volumes 4 --port-offset 3100 >/dev/null)
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
node_times=(); status_times=()
for _ in $(seq 1 "$runs"); do
  node_times+=("$(ms node -e 0)")
  status_times+=("$(cd "$work" && ms node "$bin" status)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mn=$(median "${node_times[@]}"); ms_=$(median "${status_times[@]}")
printf 'median of %d: node -e 0 %sms, seaweedctl status %sms, ratio %.2f (target ≤ 1.60)\n' "$runs" "$mn" "$ms_" "$(echo "$ms_ / $mn" | bc -l)"
