#!/usr/bin/env bash
# Benchmark: `seaweedctl scale volume 4 → 16` against the time the same 12 weed volume servers take to become
# ready on their own (started at once by a plain script against the same master, polled every 50 ms until
# the master lists all 12). Prints both and the ratio.
#   usage: bench/scale.sh      (port offset 3200; needs npm run build and weed installed)
set -euo pipefail
cd "$(dirname "$0")/.."
weed="$(bash scripts/install-weed.sh 2>/dev/null | tail -n 1)"
bin="$PWD/bin/run.js"
off=3200; raw_off=3300
master="127.0.0.1:$((9333 + off))"
work="$(mktemp -d)"
raw_pids=()
cleanup() {
  for pid in "${raw_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  (cd "$work" && node "$bin" down >/dev/null 2>&1) || true
  rm -rf "$work"
}
trap cleanup EXIT
(cd "$work" && node "$bin" up --volumes 4 --port-offset "$off" --weed "$weed" >/dev/null)

listed() { curl -sf "http://$master/dir/status" | grep -o '"Url":"[^"]*"' | grep -c "$1" || true; }
now() { date +%s.%N; }

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
until [ "$(listed ":$((8080 + raw_off + 1))\|:$((8080 + raw_off + 2))\|:$((8080 + raw_off + 3))\|:$((8080 + raw_off + 4))\|:$((8080 + raw_off + 5))\|:$((8080 + raw_off + 6))\|:$((8080 + raw_off + 7))\|:$((8080 + raw_off + 8))\|:$((8080 + raw_off + 9))\|:$((8080 + raw_off + 10))\|:$((8080 + raw_off + 11))\|:$((8080 + raw_off + 12))")" -ge 12 ]; do sleep 0.05; done
t1=$(now)
base=$(echo "$t1 - $t0" | bc)
for pid in "${raw_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done; done
raw_pids=()
# The master forgets the killed servers as their streams break; wait until only the 4 remain.
until [ "$(listed '127\.0\.0\.')" -eq 4 ]; do sleep 0.05; done

t0=$(now); (cd "$work" && node "$bin" scale volume 16 >/dev/null); t1=$(now)
ctl=$(echo "$t1 - $t0" | bc)
printf '12 volume servers ready on their own: %.2fs; seaweedctl scale volume 4 → 16: %.2fs; ratio %.2f\n' "$base" "$ctl" "$(echo "$ctl / $base" | bc -l)"
