#!/usr/bin/env bash
# Stop clusters and delete their data; first copy their logs to $LOGS_DIR (uploaded when the job failed).
# SEAWEEDCTL_DIR names one cluster's directory; empty, every cluster the start action started in this job
# (listed in $RUNNER_TEMP/seaweedctl-clusters). A directory with no cluster is reported, and is not an error: the
# stop action runs with `if: always()`, also after a start that failed.
set -euo pipefail
temp="${RUNNER_TEMP:-/tmp}"
if [[ -n "${SEAWEEDCTL_DIR:-}" ]]; then
  dirs=("$SEAWEEDCTL_DIR")
elif [[ -f "$temp/seaweedctl-clusters" ]]; then
  mapfile -t dirs < <(awk '!seen[$0]++' "$temp/seaweedctl-clusters")
else
  dirs=()
fi
if (( ${#dirs[@]} == 0 )); then
  echo "No seaweedctl cluster was started in this job: nothing to stop."
  exit 0
fi

status=0
for dir in "${dirs[@]}"; do
  # One cluster's logs go straight into $LOGS_DIR; several each get a subdirectory named after their directory.
  logs="${LOGS_DIR:-}"
  if [[ -n "$logs" && ${#dirs[@]} -gt 1 ]]; then logs="$logs/$(basename "$dir")"; fi
  if [[ -n "$logs" && -d "$dir/.seaweed/logs" ]]; then
    mkdir -p "$logs"
    cp -r "$dir/.seaweed/logs/." "$logs/"
    cp "$dir/.seaweed/run/daemon.log" "$logs/" 2>/dev/null || true
  fi
  if [[ -f "$dir/seaweed.yaml" ]]; then
    seaweedctl down --purge --yes --file "$dir/seaweed.yaml" || status=$?
  else
    echo "No cluster in $dir (the start step did not get as far as writing seaweed.yaml): nothing to stop there."
  fi
done
if [[ -f "$temp/seaweedctl-clusters" && -z "${SEAWEEDCTL_DIR:-}" ]]; then rm -f "$temp/seaweedctl-clusters"; fi
exit "$status"
