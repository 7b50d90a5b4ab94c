#!/usr/bin/env bash
# Benchmark: `seaweedctl status` on a running cluster against `node -e 0`, interleaved, N runs each, and the floor
# under it: a bare node asking the daemon for the same status (bench/status-floor.cjs).
# Prints the medians and their ratio (target ≤ 1.5).
#   usage: bench/status.sh [RUNS] [VOLUMES] [--json]   (default 30 runs, 4 volume servers; starts the cluster
#          on port offset 5000, stops it after). --json: the human lines go to stderr and the last line of stdout
#          is {"processes":N,"nodeMs":[...],"statusMs":[...],"floorMs":[...]}, run by run.
set -euo pipefail
cd "$(dirname "$0")/.."
json=false; pos=()
for a in "$@"; do if [ "$a" = --json ]; then json=true; else pos+=("$a"); fi; done
runs="${pos[0]:-30}"; volumes="${pos[1]:-4}"
$json && exec 3>&1 1>&2
bin="$PWD/bin/run.js"
work="$(mktemp -d)"
trap '(cd "$work" && node "$bin" down >/dev/null 2>&1); rm -rf "$work"' EXIT
(cd "$work" && node "$bin" up --volumes "$volumes" --port-offset 5000 >/dev/null)
processes=$(cd "$work" && node "$bin" status --json | grep -c '"kind"' || true)
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
node_times=(); status_times=(); floor_times=()
for _ in $(seq 1 "$runs"); do
  node_times+=("$(ms node -e 0)")
  status_times+=("$(cd "$work" && ms node "$bin" status)")
  floor_times+=("$(ms node bench/status-floor.cjs "$work/.seaweed/run")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mn=$(median "${node_times[@]}"); ms_=$(median "${status_times[@]}")
printf 'median of %d, %d processes: node -e 0 %sms, seaweedctl status %sms, ratio %.2f (target ≤ 1.50)\n' "$runs" "$processes" "$mn" "$ms_" "$(echo "$ms_ / $mn" | bc -l)"
list() { local IFS=,; echo "$*"; }
$json && printf '{"processes":%d,"nodeMs":[%s],"statusMs":[%s],"floorMs":[%s]}\n' "$processes" "$(list "${node_times[@]}")" "$(list "${status_times[@]}")" "$(list "${floor_times[@]}")" >&3
exit 0
