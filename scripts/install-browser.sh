#!/usr/bin/env bash
# Debian's chromium, for the dashboard's browser test (test/e2e/dashboard.test.ts drives /usr/bin/chromium
# with playwright-core; no browser is downloaded by npm). Idempotent: an installed chromium is left alone.
set -euo pipefail

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "install-browser: please install the Debian package chromium (apt-get install -y chromium)" >&2
    exit 1
  fi
fi

echo "browser ready: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
