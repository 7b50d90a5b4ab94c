#!/usr/bin/env bash
# The supported Node majors beside the system's (which runs the full suite): on each, the unit tests and an
# end-to-end subset that covers what a Node upgrade can break — up/status/down with a filer round trip, S3 through
# the AWS CLI, boto3 and @aws-sdk, startCluster from the packed tarball (CommonJS, ES modules, TypeScript; `await
# using` on 24) and a drain — with the weed of $SEAWEEDCTL_TEST_WEED_VERSION. The end-to-end files run in a
# network namespace of their own (scripts/e2e-in-netns.sh), so the matrix can run beside another pass; the unit
# tests run in one too (so they can run beside another pass), all but the installer's, which download.
# Node comes from scripts/install-node.sh.
# Needs a built tree (npm run build) and the test tools .ci/run installs.
#   usage: scripts/ci-node-matrix.sh [MAJOR[:unit]...]     (default: 22 24; MAJOR:unit runs the unit tests only, for a
#          major that runs the whole end-to-end suite elsewhere: CI's weed 4.30 pass runs on Node 24)
set -euo pipefail
cd "$(dirname "$0")/.."
majors=("$@")
(( ${#majors[@]} > 0 )) || majors=(22 24)
cache="${SEAWEEDCTL_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/seaweedctl-ci/node}"
e2e=(test/e2e/up-down.test.ts test/e2e/s3.test.ts test/e2e/package-modules.test.ts test/e2e/scale.test.ts)

bash scripts/install-node.sh "${majors[@]%%:*}"
units=()
for f in test/unit/*.test.ts; do [[ "$f" == */install.test.ts ]] || units+=("$f"); done
failed=()
for entry in "${majors[@]}"; do
  major="${entry%%:*}"
  bin="$cache/$major/bin"
  what="unit tests and the end-to-end subset"
  [[ "$entry" == *:unit ]] && what="unit tests"
  echo "=== Node $major ($("$bin/node" --version)): $what ==="
  start=$SECONDS
  ok=true
  # First on PATH, so the tests, the CLI and the daemon they start all run on this Node.
  PATH="$bin:$PATH" bash scripts/e2e-in-netns.sh "${units[@]}" || ok=false
  if [[ "$entry" != *:unit ]]; then PATH="$bin:$PATH" bash scripts/e2e-in-netns.sh "${e2e[@]}" || ok=false; fi
  if $ok; then
    echo "=== Node $major passed in $((SECONDS - start)) s ==="
  else
    echo "=== Node $major FAILED after $((SECONDS - start)) s ===" >&2
    failed+=("$major")
  fi
done
if (( ${#failed[@]} > 0 )); then
  echo "ci-node-matrix: failed on Node ${failed[*]}" >&2
  exit 1
fi
