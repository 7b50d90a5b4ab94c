#!/usr/bin/env bash
# Benchmark: `seaweedctl up --volumes N` to its return, against bench/baseline-cluster.sh (the same weed
# processes started in order by a plain script, polled until a write through the filer works), alternated
# in one run so both see the same machine. Prints each round and the ratio of the medians (target ≤ 1.2).
#   usage: bench/up.sh [ROUNDS] [VOLUMES] [--json]   (default 5 rounds, 4 volume servers; port offset 3000;
#          needs npm run build and weed installed). --json: the human lines go to stderr and the last line of
#          stdout is {"volumes":N,"scriptS":[...],"upS":[...],"spawnS":[...],"nodeS":[...]}, round by round (spawnS:
#          from up's start until its daemon spawned master-1; nodeS: a bare `node -e 0` in the same round).
set -euo pipefail
cd "$(dirname "$0")/.."
json=false; pos=()
for a in "$@"; do if [ "$a" = --json ]; then json=true; else pos+=("$a"); fi; done
rounds="${pos[0]:-5}"; volumes="${pos[1]:-4}"
$json && exec 3>&1 1>&2
weed="$(bash scripts/install-weed.sh 2>/dev/null | tail -n 1)"
off=3000
bin="$PWD/bin/run.js"
now() { date +%s.%N; }
# A zombie whose other threads still exit holds its sockets: alive until the last thread is gone (bench/lib.mjs).
alive() { [ -e "/proc/$1" ] && { ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null || (( $(ls "/proc/$1/task" 2>/dev/null | wc -l) > 1 )); }; }
work="$(mktemp -d)"
cleanup() {
  [ -f "$work/base/pids" ] && xargs -r kill -9 < "$work/base/pids" 2>/dev/null || true
  [ -d "$work/ctl" ] && (cd "$work/ctl" && node "$bin" down >/dev/null 2>&1) || true
  rm -rf "$work"
}
trap cleanup EXIT

base_times=(); ctl_times=(); spawn_times=(); node_times=()
for r in $(seq 1 "$rounds"); do
  rm -rf "$work/base"; mkdir -p "$work/base"
  t0=$(now); bash bench/baseline-cluster.sh "$weed" "$work/base" "$off" "$volumes"; t1=$(now)
  base=$(echo "$t1 - $t0" | bc)
  # The baseline's data does not matter: kill it, and wait until every pid is gone (a zombie with no thread left counts as gone:
  # the orphans are reaped by init, which may take its time).
  for pid in $(cat "$work/base/pids"); do kill -9 "$pid" 2>/dev/null || true; while alive "$pid"; do sleep 0.05; done; done
  rm -f "$work/base/pids"

  rm -rf "$work/ctl"; mkdir -p "$work/ctl"
  t0=$(now); (cd "$work/ctl" && node "$bin" up --volumes "$volumes" --port-offset "$off" --weed "$weed" >/dev/null); t1=$(now)
  ctl=$(echo "$t1 - $t0" | bc)
  # When the daemon spawned the master (its log's own timestamp): everything before it is seaweedctl's alone.
  spawned=$(grep -m1 -o '^[0-9T:.-]*Z master-1: starting' "$work/ctl/.seaweed/run/daemon.log" | cut -d' ' -f1)
  spawn=$(echo "$(date -d "$spawned" +%s.%N) - $t0" | bc)
  n0=$(now); node -e 0; n1=$(now)
  nodes=$(echo "$n1 - $n0" | bc)
  (cd "$work/ctl" && node "$bin" down >/dev/null)
  printf 'round %d: %d volume servers: baseline script %.2fs  seaweedctl up %.2fs (master spawned after %.2fs; node -e 0 %.2fs)\n' "$r" "$volumes" "$base" "$ctl" "$spawn" "$nodes"
  base_times+=("$base"); ctl_times+=("$ctl"); spawn_times+=("$spawn"); node_times+=("$nodes")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mb=$(median "${base_times[@]}"); mc=$(median "${ctl_times[@]}")
printf 'median: baseline %.2fs, seaweedctl up %.2fs, ratio %.2f (target ≤ 1.20)\n' "$mb" "$mc" "$(echo "$mc / $mb" | bc -l)"
# bc writes .68 for 0.68; JSON needs the 0.
list() { local IFS=,; printf "%s\n" "$*" | sed -E "s/(^|,)\./\10./g"; }
$json && printf '{"volumes":%d,"scriptS":[%s],"upS":[%s],"spawnS":[%s],"nodeS":[%s]}\n' "$volumes" "$(list "${base_times[@]}")" "$(list "${ctl_times[@]}")" "$(list "${spawn_times[@]}")" "$(list "${node_times[@]}")" >&3
exit 0
