#!/usr/bin/env bash
# Debian's prometheus, for the metrics test (test/e2e/metrics.test.ts runs it on the scrape configuration that
# `seaweedctl export prometheus` writes). Only the binary is used: the package's own service is not needed and
# is stopped if the package started it. Idempotent: an installed prometheus is left alone.
set -euo pipefail

if ! command -v prometheus >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus
    # Without systemd nothing was started; with it, the packaged service would scrape and listen on :9090.
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
      systemctl disable --now prometheus || true
    fi
  else
    echo "install-prometheus: please install the Debian package prometheus (apt-get install -y prometheus)" >&2
    exit 1
  fi
fi

echo "prometheus ready: $(prometheus --version 2>&1 | head -1)"
