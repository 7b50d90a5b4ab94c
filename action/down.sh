#!/usr/bin/env bash
# Stop the cluster and delete its data; first copy its logs to $LOGS_DIR (uploaded when the job failed).
set -euo pipefail
dir="${SEAWEEDCTL_DIR:-${RUNNER_TEMP:-/tmp}/seaweed}"
if [[ -n "${LOGS_DIR:-}" && -d "$dir/.seaweed/logs" ]]; then
  mkdir -p "$LOGS_DIR"
  cp -r "$dir/.seaweed/logs/." "$LOGS_DIR/"
  cp "$dir/.seaweed/run/daemon.log" "$LOGS_DIR/" 2>/dev/null || true
fi
if [[ -f "$dir/seaweed.yaml" ]]; then
  seaweedctl down --purge --yes --file "$dir/seaweed.yaml"
fi
