#!/usr/bin/env bash
# Offline validators for the export tests, installed from PyPI into a private virtualenv under .cache/
# (gitignored). Idempotent: a venv that already has the pinned versions is left alone.
#   kubernetes-validate  bundles the Kubernetes OpenAPI schemas (validates `export k8s`)
#   check-jsonschema     bundles the compose specification schema (validates `export compose`)
# Also makes sure supervisord and systemd-analyze exist (Debian packages supervisor and systemd), and helm
# (built from the Go module proxy into ~/go/bin, or $SEAWEEDCTL_HELM_BIN; renders `export helm`'s values).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SEAWEEDCTL_VALIDATORS_VENV:-$ROOT/.cache/validators}"
K8S_VALIDATE_VERSION=1.37.0
CHECK_JSONSCHEMA_VERSION=0.39.0
STAMP="$VENV/.installed-$K8S_VALIDATE_VERSION-$CHECK_JSONSCHEMA_VERSION"

if [[ ! -f "$STAMP" ]]; then
  # The stamp is written last, so an interrupted install is redone from scratch next time.
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "kubernetes-validate==$K8S_VALIDATE_VERSION" "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
  touch "$STAMP"
fi

need_apt=()
command -v supervisord >/dev/null 2>&1 || need_apt+=(supervisor)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
if (( ${#need_apt[@]} > 0 )); then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
    # Debian's package starts a system supervisord; the tests run their own.
    if command -v supervisorctl >/dev/null 2>&1 && [[ -f /etc/supervisor/supervisord.conf ]]; then
      service supervisor stop >/dev/null 2>&1 || true
    fi
  else
    echo "install-validators: please install the Debian packages: ${need_apt[*]}" >&2
    exit 1
  fi
fi

HELM_VERSION=v3.22.0
HELM_BIN_DIR="${SEAWEEDCTL_HELM_BIN:-$HOME/go/bin}"
# A helm built by `go install` reports v3.22 for v3.22.0.
HELM_FOUND="$("$HELM_BIN_DIR/helm" version --template "{{.Version}}" 2>/dev/null || true)"
if [[ "$HELM_FOUND" != "$HELM_VERSION" && "$HELM_FOUND.0" != "$HELM_VERSION" ]]; then
  if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then PATH="/usr/local/go/bin:$PATH"; fi
  if ! command -v go >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go
    else
      echo "install-validators: helm $HELM_VERSION is built with Go; please install Go (Debian package golang-go)" >&2
      exit 1
    fi
  fi
  mkdir -p "$HELM_BIN_DIR"
  # A few minutes on 2 cores, once: the binary stays in $HELM_BIN_DIR (and Go's module cache).
  GOBIN="$HELM_BIN_DIR" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi

echo "validators ready: $VENV/bin/kubernetes-validate, $VENV/bin/check-jsonschema, $HELM_BIN_DIR/helm"
