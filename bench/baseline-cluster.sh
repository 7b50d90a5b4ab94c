#!/usr/bin/env bash
# The baseline for bench/up.sh: a careful plain script that starts the same weed processes as
# `seaweedctl up --volumes N` (master; once it has a leader, N volume servers and the filer) and polls every
# 50 ms until a write through the filer works. Volume server i advertises and binds 127.0.0.(i+1), as seaweedctl
# gives it. Leaves the processes running; their pids go to $DIR/pids (master first, the filer last).
#   usage: baseline-cluster.sh WEED DIR PORT_OFFSET [VOLUMES]     (default 4 volume servers)
set -euo pipefail
weed="$1"; dir="$2"; off="$3"; volumes="${4:-4}"
m=$((9333 + off)); f=$((8888 + off))
mkdir -p "$dir"/{master,filer,logs,conf}
: > "$dir/pids"
start() { # name, args...
  local name="$1"; shift
  (cd "$dir/$name" && exec env -i PATH=/usr/bin:/bin HOME="$dir/$name" setsid "$weed" -logtostderr=true -config_dir="$dir/conf" "$@" >"$dir/logs/$name.log" 2>&1) &
  echo $! >> "$dir/pids"
}
start master master -ip=127.0.0.1 -port=$m -mdir="$dir/master" -peers=none -volumeSizeLimitMB=1024 -telemetry=false
until curl -sf "http://127.0.0.1:$m/cluster/status" | grep -q '"Leader"'; do sleep 0.05; done
for i in $(seq 1 "$volumes"); do
  p=$((8079 + i + off)); ip="127.0.0.$((i + 1))"
  mkdir -p "$dir/v$i"
  start "v$i" volume -ip="$ip" -ip.bind="$ip" -port=$p -dir="$dir/v$i" -max=0 -master=127.0.0.1:$m -preStopSeconds=1
done
start filer filer -ip=127.0.0.1 -port=$f -master=127.0.0.1:$m -defaultStoreDir="$dir/filer" -localSocket="$dir/filer.sock"
echo canary > "$dir/canary.txt"
until curl -sf -F file=@"$dir/canary.txt" "http://127.0.0.1:$f/bench/" >/dev/null 2>&1 &&
      [ "$(curl -sf "http://127.0.0.1:$f/bench/canary.txt")" = canary ]; do sleep 0.05; done
