#!/usr/bin/env bash
# Benchmark: `seaweedctl up --volumes 4` to its return, against bench/baseline-cluster.sh (the same weed
# processes started in order by a plain script, polled until a write through the filer works), alternated
# in one run so both see the same machine. Prints each round and the ratio of the medians (target ≤ 1.2).
#   usage: bench/up.sh [ROUNDS]      (default 5; uses port offset 3000; needs npm run build and weed installed)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
weed="$(bash scripts/install-weed.sh 2>/dev/null | tail -n 1)"
off=3000
bin="$PWD/bin/run.js"
now() { date +%s.%N; }
work="$(mktemp -d)"
cleanup() {
  [ -f "$work/base/pids" ] && xargs -r kill -9 < "$work/base/pids" 2>/dev/null || true
  [ -d "$work/ctl" ] && (cd "$work/ctl" && node "$bin" down >/dev/null 2>&1) || true
  rm -rf "$work"
}
trap cleanup EXIT

base_times=(); ctl_times=()
for r in $(seq 1 "$rounds"); do
  rm -rf "$work/base"; mkdir -p "$work/base"
  t0=$(now); bash bench/baseline-cluster.sh "$weed" "$work/base" "$off"; t1=$(now)
  base=$(echo "$t1 - $t0" | bc)
  # The baseline's data does not matter: kill it, and wait until every pid is gone.
  for pid in $(cat "$work/base/pids"); do kill -9 "$pid" 2>/dev/null || true; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done; done

  rm -rf "$work/ctl"; mkdir -p "$work/ctl"
  t0=$(now); (cd "$work/ctl" && node "$bin" up --volumes 4 --port-offset "$off" --weed "$weed" >/dev/null); t1=$(now)
  ctl=$(echo "$t1 - $t0" | bc)
  (cd "$work/ctl" && node "$bin" down >/dev/null)
  printf 'round %d: baseline script %.2fs  seaweedctl up %.2fs\n' "$r" "$base" "$ctl"
  base_times+=("$base"); ctl_times+=("$ctl")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mb=$(median "${base_times[@]}"); mc=$(median "${ctl_times[@]}")
printf 'median: baseline %.2fs, seaweedctl up %.2fs, ratio %.2f (target ≤ 1.20)\n' "$mb" "$mc" "$(echo "$mc / $mb" | bc -l)"
