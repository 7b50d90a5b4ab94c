#!/usr/bin/env bash
# Start the cluster and export its environment. Inputs (environment): VOLUMES, S3 (true/false), BUCKETS
# (space or comma separated), WEED_VERSION, SEAWEEDCTL_DIR (the cluster's directory; empty: $RUNNER_TEMP/seaweed,
# or seaweed-2, seaweed-3… when an earlier use of the action in this job holds it).
# Writes the cluster's variables to $GITHUB_ENV (a later use overrides an earlier one's) and its directory, file
# and URLs to $GITHUB_OUTPUT; lists the directory in $RUNNER_TEMP/seaweedctl-clusters for the stop action.
set -euo pipefail
temp="${RUNNER_TEMP:-/tmp}"
dir="${SEAWEEDCTL_DIR:-}"
if [[ -z "$dir" ]]; then
  dir="$temp/seaweed"
  n=1
  while [[ -e "$dir/seaweed.yaml" ]]; do n=$((n + 1)); dir="$temp/seaweed-$n"; done
fi
mkdir -p "$dir"
echo "$dir" >> "$temp/seaweedctl-clusters"
file="$dir/seaweed.yaml"
# Ports: --port-offset auto picks a free set under a machine-wide lock, so two clusters of one job never collide.
args=(up --file "$file" --volumes "${VOLUMES:-4}" --weed-version "${WEED_VERSION:-4.48}" --port-offset auto)
[[ "${S3:-false}" == "true" ]] && args+=(--s3)
buckets="${BUCKETS:-}"
for bucket in ${buckets//,/ }; do args+=(--bucket "$bucket"); done
seaweedctl "${args[@]}"
seaweedctl status --file "$file"
seaweedctl env --github --file "$file"
echo "SEAWEEDCTL_FILE=$file" >> "${GITHUB_ENV:-/dev/null}"
{
  echo "dir=$dir"
  echo "file=$file"
  seaweedctl env --format dotenv --file "$file" | sed -n 's/^SEAWEED_MASTER_URL=/master-url=/p; s/^SEAWEED_FILER_URL=/filer-url=/p; s/^SEAWEED_S3_URL=/s3-url=/p'
} >> "${GITHUB_OUTPUT:-/dev/null}"
