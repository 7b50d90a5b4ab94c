#!/usr/bin/env bash
# Start the cluster and export its environment. Inputs (environment): VOLUMES, S3 (true/false), BUCKETS
# (space or comma separated), WEED_VERSION, SEAWEEDCTL_DIR (the cluster's directory). Writes to $GITHUB_ENV.
set -euo pipefail
dir="${SEAWEEDCTL_DIR:-${RUNNER_TEMP:-/tmp}/seaweed}"
mkdir -p "$dir"
args=(up --file "$dir/seaweed.yaml" --volumes "${VOLUMES:-4}" --weed-version "${WEED_VERSION:-4.48}" --port-offset auto)
[[ "${S3:-false}" == "true" ]] && args+=(--s3)
buckets="${BUCKETS:-}"
for bucket in ${buckets//,/ }; do args+=(--bucket "$bucket"); done
seaweedctl "${args[@]}"
seaweedctl status --file "$dir/seaweed.yaml"
seaweedctl env --github --file "$dir/seaweed.yaml"
echo "SEAWEEDCTL_FILE=$dir/seaweed.yaml" >> "${GITHUB_ENV:-/dev/null}"
