#!/usr/bin/env bash
# Real S3 clients for the S3 end-to-end tests, installed from PyPI into a private virtualenv under .cache/
# (gitignored). Idempotent: a venv that already has the pinned versions is left alone.
#   awscli  the AWS CLI (`aws s3 cp`, as CI jobs use it)
#   boto3   the Python SDK
# Also makes sure curl (with --aws-sigv4, curl >= 7.75) exists, for the benchmark and the refusal checks.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SEAWEEDCTL_S3_CLIENTS_VENV:-$ROOT/.cache/s3-clients}"
AWSCLI_VERSION=1.45.11
BOTO3_VERSION=1.43.11
STAMP="$VENV/.installed-$AWSCLI_VERSION-$BOTO3_VERSION"

if [[ ! -f "$STAMP" ]]; then
  # The stamp is written last, so an interrupted install is redone from scratch next time.
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "awscli==$AWSCLI_VERSION" "boto3==$BOTO3_VERSION"
  touch "$STAMP"
fi

if ! command -v curl >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl
  else
    echo "install-s3-clients: please install curl" >&2
    exit 1
  fi
fi

echo "S3 clients ready: $VENV/bin/aws, $VENV/bin/python (boto3)"
