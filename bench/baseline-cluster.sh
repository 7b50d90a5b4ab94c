#!/usr/bin/env bash
# The baseline for bench/up.sh: a careful plain script that starts the same weed processes as
# `seaweedctl up --volumes N` (master; once it has a leader, N volume servers and the filer) and polls every
# 50 ms until a write through the filer works. Volume server i advertises and binds 127.0.0.(i+1), as seaweedctl
# gives it. Leaves the processes running; their pids go to $DIR/pids (master first, the filer last).
# With S3_CONFIG (weed's identities file) and S3_BUCKET set, it also starts an S3 gateway beside the filer and, in
# place of the filer write, polls until it can create the bucket and a signed PutObject into it succeeds (keys from
# AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; curl --aws-sigv4): the plain floor of five processes for bench/s3-up.mjs.
#   usage: baseline-cluster.sh WEED DIR PORT_OFFSET [VOLUMES]     (default 4 volume servers)
set -euo pipefail
weed="$1"; dir="$2"; off="$3"; volumes="${4:-4}"
m=$((9333 + off)); f=$((8888 + off)); s=$((8333 + off))
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
if [[ -n "${S3_CONFIG:-}" ]]; then
  mkdir -p "$dir/s3"
  start s3 s3 -ip.bind=127.0.0.1 -port=$s -filer=127.0.0.1:$f -config="$S3_CONFIG" -localSocket="$dir/s3.sock" -port.iceberg=0 -port.lance=0
  signed() { curl -s -o /dev/null -w '%{http_code}' --max-time 1 --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@"; }
  echo x > "$dir/probe.txt"
  until [[ "$(signed -X PUT "http://127.0.0.1:$s/$S3_BUCKET")" == 200 ]]; do sleep 0.01; done
  until [[ "$(signed -T "$dir/probe.txt" "http://127.0.0.1:$s/$S3_BUCKET/probe.txt")" == 200 ]]; do sleep 0.01; done
  exit 0
fi
echo canary > "$dir/canary.txt"
until curl -sf -F file=@"$dir/canary.txt" "http://127.0.0.1:$f/bench/" >/dev/null 2>&1 &&
      [ "$(curl -sf "http://127.0.0.1:$f/bench/canary.txt")" = canary ]; do sleep 0.05; done
