#!/usr/bin/env bash
# Benchmark: `seaweedctl scale volume 4 → 16` against the time the same 12 weed volume servers take to become
# ready on their own (started at once by a plain script against the same master, polled every 50 ms until
# the master lists all 12), round by round on a fresh 4-volume cluster. Prints both and the ratio (target ≤ 1.2).
#   usage: bench/scale.sh [ROUNDS] [--json]   (default 1; port offset 4000, the raw servers' ports from offset
#          4100; needs npm run build and weed installed). --json: the human lines go to stderr and the last line
#          of stdout is {"rawS":[...],"scaleS":[...]}, round by round.
set -euo pipefail
cd "$(dirname "$0")/.."
json=false; pos=()
for a in "$@"; do if [ "$a" = --json ]; then json=true; else pos+=("$a"); fi; done
rounds="${pos[0]:-1}"
$json && exec 3>&1 1>&2
weed="$(bash scripts/install-weed.sh 2>/dev/null | tail -n 1)"
bin="$PWD/bin/run.js"
off=4000; raw_off=4100
master="127.0.0.1:$((9333 + off))"
work="$(mktemp -d)"
raw_pids=()
cleanup() {
  for pid in "${raw_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for d in "$work"/r*/; do [ -d "$d" ] && (cd "$d" && node "$bin" down >/dev/null 2>&1) || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# A zombie whose other threads still exit holds its sockets: alive until the last thread is gone (bench/lib.mjs).
alive() { [ -e "/proc/$1" ] && { ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null || (( $(ls "/proc/$1/task" 2>/dev/null | wc -l) > 1 )); }; }
listed() { curl -sf "http://$master/dir/status" | grep -o '"Url":"[^"]*"' | grep -c "$1" || true; }
now() { date +%s.%N; }
raw_ports="$(seq -s '\|' -f ":%g" $((8081 + raw_off)) $((8092 + raw_off)))"

raw_times=(); ctl_times=()
for r in $(seq 1 "$rounds"); do
  cluster="$work/r$r"; mkdir -p "$cluster"
  (cd "$cluster" && node "$bin" up --volumes 4 --port-offset "$off" --weed "$weed" >/dev/null)
  # Baseline: 12 extra volume servers (own ports and dirs) started at once, polled until all are listed. Each has
  # its own loopback address, as seaweedctl gives volume-5..16 (127.0.0.6..17).
  t0=$(now)
  for i in $(seq 1 12); do
    p=$((8080 + raw_off + i))
    ip="127.0.0.$((i + 5))"
    mkdir -p "$work/raw$i"
    (cd "$work/raw$i" && exec env -i PATH=/usr/bin:/bin HOME="$work/raw$i" setsid "$weed" -logtostderr=true volume -ip="$ip" -ip.bind="$ip" \
       -port=$p -port.grpc=$((p + 10000)) -dir="$work/raw$i" -max=0 -master="$master" -preStopSeconds=1 -volume.allowUntrustedRemoteEndpoints=true >"$work/raw$i.log" 2>&1) &
    raw_pids+=($!); disown $!
  done
  until [ "$(listed "$raw_ports")" -ge 12 ]; do sleep 0.05; done
  t1=$(now)
  raw=$(echo "$t1 - $t0" | bc)
  # A zombie counts as gone: the orphans are reaped by init, which may take its time.
  for pid in "${raw_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; while alive "$pid"; do sleep 0.05; done; done
  raw_pids=()
  rm -rf "$work"/raw*
  # The master forgets the killed servers as their streams break; wait until only the 4 remain.
  until [ "$(listed '127\.0\.0\.')" -eq 4 ]; do sleep 0.05; done

  t0=$(now); (cd "$cluster" && node "$bin" scale volume 16 >/dev/null); t1=$(now)
  ctl=$(echo "$t1 - $t0" | bc)
  (cd "$cluster" && node "$bin" down --purge --yes >/dev/null)
  printf 'round %d: 12 volume servers ready on their own: %.2fs; seaweedctl scale volume 4 → 16: %.2fs; ratio %.2f\n' "$r" "$raw" "$ctl" "$(echo "$ctl / $raw" | bc -l)"
  raw_times+=("$raw"); ctl_times+=("$ctl")
done
# bc writes .68 for 0.68; JSON needs the 0.
list() { local IFS=,; printf "%s\n" "$*" | sed -E "s/(^|,)\./\10./g"; }
$json && printf '{"rawS":[%s],"scaleS":[%s]}\n' "$(list "${raw_times[@]}")" "$(list "${ctl_times[@]}")" >&3
exit 0
