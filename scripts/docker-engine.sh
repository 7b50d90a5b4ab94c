#!/usr/bin/env bash
# A real Docker engine and Compose v2 for the Compose export's end-to-end test, from Debian's packages and the Go
# module proxy only (Docker Hub is not needed). Needs root: it installs packages and makes a network namespace.
#
#   bash scripts/docker-engine.sh packages        Debian's docker.io and debootstrap (apt; quick)
#   bash scripts/docker-engine.sh install         packages, then Compose v2 and a base image, both built once and
#                                                 cached in ~/.cache/seaweedctl-ci (about 7 min the first time)
#   bash scripts/docker-engine.sh start DIR       dockerd in a network namespace of its own, its socket, pidfile,
#                                                 data and log in DIR (pid in DIR/engine.pid); prints `export DOCKER_HOST=...` lines to eval
#   bash scripts/docker-engine.sh image VERSION [TAG]
#                                                 the image a Compose export runs (default chrislusf/seaweedfs:VERSION):
#                                                 the cached base plus weed VERSION from seaweedctl's cache, built in
#                                                 the engine DOCKER_HOST names
#   bash scripts/docker-engine.sh exec DIR CMD... CMD in the engine's network namespace, where the ports the
#                                                 project publishes on 127.0.0.1 are
#   bash scripts/docker-engine.sh stop DIR        stops that engine by pid, then whatever of it is left (container
#                                                 processes, its cgroups, its namespace)
#
# Every step is idempotent, and `install` holds a lock, so a second caller waits for a build under way instead of
# starting its own. The engine never touches the machine's network: its bridge, iptables rules and published ports
# live in its namespace. Nothing is written inside the checkout.
set -euo pipefail

COMPOSE_VERSION=v2.40.3
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${SEAWEEDCTL_CI_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${XDG_CACHE_HOME:-}" in
  /*) CACHE_BASE="$XDG_CACHE_HOME" ;;
  *) CACHE_BASE="$HOME/.cache" ;;
esac
CI_CACHE="$CACHE_BASE/seaweedctl-ci"
COMPOSE_BIN="$CI_CACHE/compose/$COMPOSE_VERSION/docker-compose"
BASE_TAR="$CI_CACHE/base/$DEBIAN_SUITE-minbase-wget.tar"
BASE_IMAGE="seaweedctl-ci/base:$DEBIAN_SUITE"
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
# The cgroup v1 controllers dockerd needs, mounted again inside the namespace (`ip netns exec` gives it a fresh /sys).
CONTROLLERS=(cpu cpuacct cpuset memory devices freezer blkio pids)

log() { echo "docker-engine: $*" >&2; }
die() { log "$*"; exit 1; }
need_root() { [[ "$(id -u)" == 0 ]] || die "$1 needs root (apt-get, network namespaces and dockerd do)"; }

# ---------------------------------------------------------------------------------------------------- install

packages() {
  if command -v dockerd >/dev/null && command -v debootstrap >/dev/null && command -v docker >/dev/null; then
    return 0
  fi
  need_root "installing docker.io and debootstrap"
  command -v apt-get >/dev/null || die "please install Debian's docker.io and debootstrap packages (no apt-get here)"
  log "installing Debian's docker.io and debootstrap"
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  # Debian's policy keeps the service from starting: this engine is started by `start`, in its own namespace.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
    docker.io debootstrap ca-certificates >/dev/null
}

# Compose v2 from its Go module: it cannot be `go install`ed (its go.mod has exclude directives), so build the
# downloaded module directory. The binary is moved into place with a rename, so it is there whole or not at all.
compose() {
  if [[ -x "$COMPOSE_BIN" ]] && "$COMPOSE_BIN" version >/dev/null 2>&1; then return 0; fi
  command -v go >/dev/null || die "building Compose $COMPOSE_VERSION needs Go >= 1.21 (it fetches the toolchain it needs from the Go module proxy)"
  log "building Compose $COMPOSE_VERSION from the Go module proxy (about 7 min the first time)"
  local started=$SECONDS tmp dir
  mkdir -p "$(dirname "$COMPOSE_BIN")"
  tmp="$(mktemp -d "$(dirname "$COMPOSE_BIN")/.build-XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  dir="$(GOFLAGS=-modcacherw go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$dir" ]] || die "go mod download github.com/docker/compose/v2@$COMPOSE_VERSION gave no module directory"
  cp -r "$dir" "$tmp/src"
  chmod -R u+w "$tmp/src"
  (cd "$tmp/src" && GOFLAGS=-modcacherw CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" -o "$tmp/docker-compose" ./cmd)
  mv "$tmp/docker-compose" "$COMPOSE_BIN"
  log "Compose $COMPOSE_VERSION built in $((SECONDS - started)) s: $COMPOSE_BIN"
}

# The base image's root filesystem: Debian minbase plus wget, for the images' healthchecks (sh and wget -T).
base_rootfs() {
  [[ -s "$BASE_TAR" ]] && return 0
  need_root "debootstrap"
  log "building the base root filesystem: debootstrap --variant=minbase --include=wget $DEBIAN_SUITE"
  local started=$SECONDS tmp
  mkdir -p "$(dirname "$BASE_TAR")"
  tmp="$(mktemp -d "$(dirname "$BASE_TAR")/.build-XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  debootstrap --variant=minbase --include=wget "$DEBIAN_SUITE" "$tmp/rootfs" "$DEBIAN_MIRROR" > "$tmp/debootstrap.log" 2>&1 \
    || { tail -20 "$tmp/debootstrap.log" >&2; die "debootstrap failed (mirror $DEBIAN_MIRROR; set SEAWEEDCTL_CI_DEBIAN_MIRROR for another)"; }
  rm -rf "$tmp/rootfs/var/cache/apt/archives/"*.deb "$tmp/rootfs/var/lib/apt/lists/"* "$tmp/rootfs/usr/share/doc" "$tmp/rootfs/usr/share/man"
  tar --numeric-owner -C "$tmp/rootfs" -cf "$tmp/base.tar" .
  mv "$tmp/base.tar" "$BASE_TAR"
  log "base root filesystem in $((SECONDS - started)) s: $BASE_TAR"
}

# `docker compose` finds the plugin here; the binary stays in the cache.
plugin() {
  mkdir -p "$PLUGIN_DIR"
  ln -sfn "$COMPOSE_BIN" "$PLUGIN_DIR/docker-compose"
  docker compose version >/dev/null 2>&1 || die "docker compose does not answer after linking $PLUGIN_DIR/docker-compose"
}

install() {
  mkdir -p "$CI_CACHE"
  exec 9>"$CI_CACHE/.install.lock"
  if ! flock -n 9; then
    log "another install is under way; waiting for it"
    flock 9
  fi
  packages
  base_rootfs
  compose
  plugin
  log "ready: $(docker --version), $(docker compose version)"
}

# ---------------------------------------------------------------------------------------------------- engine

engine_dir() {
  [[ -n "${1:-}" ]] || die "usage: $0 ${FUNCNAME[1]} DIR"
  mkdir -p "$1"
  (cd "$1" && pwd)
}

# A name per engine directory, so two engines never share a namespace or a cgroup.
netns_of() { echo "seaweedctl-ci-$(printf '%s' "$1" | sha256sum | cut -c1-12)"; }

alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

start() {
  need_root "starting dockerd"
  local dir ns pid
  dir="$(engine_dir "${1:-}")"
  ns="$(netns_of "$dir")"
  chmod 0700 "$dir"
  command -v dockerd >/dev/null || die "dockerd is not installed: run bash $ROOT/scripts/docker-engine.sh install"
  pid="$(cat "$dir/engine.pid" 2>/dev/null || true)"
  if ! alive "$pid"; then
    rm -f "$dir/dockerd.pid" "$dir/docker.sock"
    [[ -e "/run/netns/$ns" ]] || ip netns add "$ns"
    ip netns exec "$ns" ip link set lo up
    # `ip netns exec` execs, so $! is dockerd itself once bash has mounted the cgroup hierarchies and exec'd it.
    setsid ip netns exec "$ns" bash -c '
      set -e
      mount -t tmpfs -o mode=0755 cgroup /sys/fs/cgroup
      for c in "${@:2}"; do mkdir -p "/sys/fs/cgroup/$c"; mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"; done
      mkdir -p /sys/fs/cgroup/systemd && mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
      d=$1
      exec dockerd --data-root "$d/root" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" -H "unix://$d/docker.sock" \
        --group root --storage-driver=overlay2 --cgroup-parent "/'"$ns"'" --log-level warn
    ' engine "$dir" "${CONTROLLERS[@]}" > "$dir/dockerd.log" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$dir/engine.pid"
    local deadline=$((SECONDS + 120))
    until DOCKER_HOST="unix://$dir/docker.sock" docker version >/dev/null 2>&1; do
      if ! alive "$pid" || (( SECONDS >= deadline )); then
        tail -20 "$dir/dockerd.log" >&2
        stop "$dir" 2>/dev/null
        die "dockerd did not answer on $dir/docker.sock within 120 s, or exited (log: $dir/dockerd.log)"
      fi
      sleep 0.2
    done
    chmod 0600 "$dir/docker.sock"
    log "dockerd (pid $pid) ready in namespace $ns"
  fi
  echo "export DOCKER_HOST=unix://$dir/docker.sock"
  echo "export SEAWEEDCTL_DOCKER_NETNS=$ns"
}

exec_in() {
  local dir ns
  dir="$(engine_dir "${1:-}")"
  shift
  ns="$(netns_of "$dir")"
  [[ -e "/run/netns/$ns" ]] || die "no engine started in $dir (namespace $ns does not exist)"
  exec nsenter --net="/run/netns/$ns" -- "$@"
}

# Stop the engine by its pid; then kill by pid what dockerd left behind (a container's processes survive a
# dockerd that was killed), remove its cgroups and its namespace. Mounts die with the engine's mount namespace.
stop() {
  need_root "stopping dockerd"
  local dir ns pid
  dir="$(engine_dir "${1:-}")"
  ns="$(netns_of "$dir")"
  pid="$(cat "$dir/engine.pid" 2>/dev/null || true)"
  if alive "$pid"; then
    kill -TERM "$pid"
    local deadline=$((SECONDS + 60))
    while alive "$pid" && (( SECONDS < deadline )); do sleep 0.2; done
    if alive "$pid"; then log "dockerd (pid $pid) still running after 60 s: killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  local c procs left
  for c in "${CONTROLLERS[@]}" systemd; do
    procs="/sys/fs/cgroup/$c/$ns"
    [[ -d "$procs" ]] || continue
    for left in $(cat "$procs"/*/cgroup.procs "$procs/cgroup.procs" 2>/dev/null); do kill -KILL "$left" 2>/dev/null || true; done
  done
  if [[ -e "/run/netns/$ns" ]]; then
    for left in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$left" 2>/dev/null || true; done
  fi
  local deadline=$((SECONDS + 30))
  for c in "${CONTROLLERS[@]}" systemd; do
    procs="/sys/fs/cgroup/$c/$ns"
    while [[ -d "$procs" ]]; do
      find "$procs" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
      rmdir "$procs" 2>/dev/null || true
      [[ -d "$procs" ]] || break
      (( SECONDS < deadline )) || { log "could not remove cgroup $procs"; break; }
      sleep 0.2
    done
  done
  if [[ -e "/run/netns/$ns" ]]; then ip netns del "$ns"; fi
  rm -f "$dir/docker.sock" "$dir/dockerd.pid" "$dir/engine.pid"
  log "engine in $dir stopped"
}

image() {
  local version="${1:-}" tag="${2:-}" weed tmp
  [[ "$version" =~ ^[0-9]+\.[0-9]+$ ]] || die "usage: $0 image VERSION [TAG] (VERSION like 4.48)"
  tag="${tag:-chrislusf/seaweedfs:$version}"
  [[ -n "${DOCKER_HOST:-}" ]] || die "DOCKER_HOST is not set: eval the output of $0 start DIR first"
  [[ -s "$BASE_TAR" ]] || die "no base root filesystem at $BASE_TAR: run bash $ROOT/scripts/docker-engine.sh install"
  weed="$CACHE_BASE/seaweedctl/weed/$version/weed"
  [[ -x "$weed" ]] || weed="$(bash "$ROOT/scripts/install-weed.sh" "$version" | tail -1)"
  if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    docker import "$BASE_TAR" "$BASE_IMAGE" >/dev/null
  fi
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  cp "$weed" "$tmp/weed"
  printf 'FROM %s\nCOPY weed /usr/bin/weed\nWORKDIR /data\nENTRYPOINT ["/usr/bin/weed"]\n' "$BASE_IMAGE" > "$tmp/Dockerfile"
  # The legacy builder: no buildx plugin is needed for two layers.
  DOCKER_BUILDKIT=0 docker build --quiet -t "$tag" "$tmp" > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; die "docker build of $tag failed"; }
  log "image $tag: $BASE_IMAGE + weed $version"
  echo "$tag"
}

case "${1:-}" in
  packages) packages ;;
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  image) image "${2:-}" "${3:-}" ;;
  exec) shift; exec_in "$@" ;;
  *) die "usage: $0 packages | install | start DIR | image VERSION [TAG] | exec DIR CMD... | stop DIR" ;;
esac
