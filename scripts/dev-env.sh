#!/usr/bin/env bash
# dev-env.sh up|down|status — a local Docker engine, registry and base images for devloop's tests.
#
#   eval "$(scripts/dev-env.sh up)"     # stdout carries only `export ...` lines; progress goes to stderr
#   scripts/dev-env.sh status
#   scripts/dev-env.sh down             # stops only what `up` started (pids recorded in the state dir)
#
# `up` installs docker.io, docker-registry, busybox-static and chromium (for the web UI's browser tests) with apt-get when missing, starts dockerd
# (no bridge, no iptables: containers and builds run with network none) unless an engine already answers
# at $DOCKER_HOST or /var/run/docker.sock, starts a registry on 127.0.0.1:5005 (DEVLOOP_REGISTRY_ADDR) unless
# its own answers there (marked with an X-Devloop-Env header; a registry of anyone else there is refused, naming
# its process, unless DEVLOOP_ENV_ADOPT_REGISTRY=1), and imports local base images (devloop-test/node:local = node:16-alpine, devloop-test/busybox:local =
# busybox:latest) assembled from busybox-static and this machine's own node and npm. No image is pulled.
set -euo pipefail

STATE_DIR="${DEVLOOP_ENV_DIR:-/var/lib/devloop-env}"
REGISTRY_ADDR="${DEVLOOP_REGISTRY_ADDR:-127.0.0.1:5005}"
# Sent by the registry dev-env starts with every answer, so `up` can tell its own from another project's.
REGISTRY_MARK="devloop-env $STATE_DIR"
DEFAULT_SOCK="/var/run/docker.sock"
OWN_SOCK="$STATE_DIR/docker.sock"
NODE_IMAGE="devloop-test/node:local"
BUSYBOX_IMAGE="devloop-test/busybox:local"
# Bump when the image recipe changes, so `up` rebuilds images made by an older recipe (the node version is
# added to it, so a new node on the machine gives new images too).
IMAGE_RECIPE=2

log() { printf 'dev-env: %s\n' "$*" >&2; }
die() { printf 'dev-env: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- helpers

docker_answers() { # $1 = DOCKER_HOST value
  DOCKER_HOST="$1" timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

registry_answers() {
  if command -v curl >/dev/null; then
    curl -fsS -m 2 -o /dev/null "http://$REGISTRY_ADDR/v2/" 2>/dev/null
  else
    node -e "require('http').get('http://$REGISTRY_ADDR/v2/', r => process.exit(r.statusCode === 200 ? 0 : 1))
      .on('error', () => process.exit(1)).setTimeout(2000, () => process.exit(1));" 2>/dev/null
  fi
}

# The pid listening on the registry's port, if this user may see it.
port_owner_pid() {
  ss -Hltnp "sport = :${REGISTRY_ADDR##*:}" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2
}

# dev-env's own registry: it sends our mark, or (started before the mark existed) our recorded pid serves the port.
registry_is_ours() {
  curl -sS -m 2 -D - -o /dev/null "http://$REGISTRY_ADDR/v2/" 2>/dev/null | tr -d '\r' | grep -qiF "X-Devloop-Env: $REGISTRY_MARK" && return 0
  local pid owner
  pid="$(read_pid registry)"; owner="$(port_owner_pid)"
  pid_alive "$pid" && [ -n "$owner" ] && [ "$owner" = "$pid" ]
}

# Who serves the registry address: "pid N (user: command)".
registry_whose() {
  local owner; owner="$(port_owner_pid)"
  if [ -n "$owner" ]; then
    echo "pid $owner ($(ps -o user= -p "$owner" | tr -d ' '): $(ps -o args= -p "$owner"))"
  else
    echo "a process $(id -un) cannot see"
  fi
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
# Pids of what this script started are recorded as <name>.started-pid (dockerd writes its own dockerd.pid).
read_pid() { [ -f "$STATE_DIR/$1.started-pid" ] && cat "$STATE_DIR/$1.started-pid" || true; }
record_pid() { echo "$2" >"$STATE_DIR/$1.started-pid"; }

# Succeeds when the command succeeds; exits the wait early (status 2) when the process died.
alive_and_answers() { # $1 = pid, rest = command
  local pid="$1"; shift
  "$@" && return 0
  pid_alive "$pid" || { WAIT_DEAD=1; return 1; }
  return 1
}

wait_for() { # $1 = description, $2 = seconds, rest = command
  local what="$1" secs="$2"; shift 2
  local deadline=$((SECONDS + secs))
  WAIT_DEAD=0
  until "$@"; do
    [ "$WAIT_DEAD" -eq 0 ] || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
  log "$what is ready"
}

# Which DOCKER_HOST to use: the caller's if it answers, else the default socket, else our own.
engine_host() {
  if [ -n "${DOCKER_HOST:-}" ] && docker_answers "$DOCKER_HOST"; then echo "$DOCKER_HOST"; return; fi
  if [ -S "$DEFAULT_SOCK" ] && docker_answers "unix://$DEFAULT_SOCK"; then echo "unix://$DEFAULT_SOCK"; return; fi
  if [ -S "$OWN_SOCK" ] && docker_answers "unix://$OWN_SOCK"; then echo "unix://$OWN_SOCK"; return; fi
  return 1
}

# ---------------------------------------------------------------- install

# ensure_packages CHECK:PACKAGE... — install (once, together) the packages whose check fails.
# A check is a command name, or dpkg:<package> for a package without a command of its own.
ensure_packages() {
  local missing=() item check pkg
  for item in "$@"; do
    check="${item%%:*}" pkg="${item#*:}"
    if [ "$check" = dpkg ]; then
      dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
    else
      command -v "$check" >/dev/null || missing+=("$pkg")
    fi
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}; run as root to install them with apt-get"
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the packages' init scripts from starting daemons: this script decides what runs.
  local policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >&2; then
    log "apt-get install failed; running apt-get update once"
    apt-get update -q </dev/null >&2
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >&2
  fi
  if trap -p EXIT | grep -q policy-rc.d; then rm -f "$policy"; trap - EXIT; fi
  return 0
}

# ---------------------------------------------------------------- dockerd

start_dockerd() {
  mkdir -p "$STATE_DIR/data" "$STATE_DIR/exec" "$STATE_DIR/log"
  [ "${#OWN_SOCK}" -lt 100 ] || die "socket path $OWN_SOCK is too long for a unix socket; set DEVLOOP_ENV_DIR to a shorter path"
  rm -f "$OWN_SOCK"
  log "starting dockerd (data root $STATE_DIR/data, socket $OWN_SOCK, no bridge, no iptables)"
  # dockerd starts and supervises its own containerd under the exec root when none is configured.
  setsid dockerd \
    --host "unix://$OWN_SOCK" \
    --data-root "$STATE_DIR/data" \
    --exec-root "$STATE_DIR/exec" \
    --pidfile "$STATE_DIR/dockerd.pid" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false \
    --userland-proxy=false \
    --storage-driver=overlay2 \
    --log-level=warn \
    </dev/null >"$STATE_DIR/log/dockerd.log" 2>&1 &
  local pid=$!
  record_pid dockerd "$pid"
  if ! wait_for "dockerd" 60 alive_and_answers "$pid" docker_answers "unix://$OWN_SOCK"; then
    tail -n 20 "$STATE_DIR/log/dockerd.log" >&2 || true
    die "dockerd did not answer on $OWN_SOCK within 60s (log: $STATE_DIR/log/dockerd.log)"
  fi
}

# ---------------------------------------------------------------- registry

start_registry() {
  mkdir -p "$STATE_DIR/registry" "$STATE_DIR/log"
  cat >"$STATE_DIR/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
  headers:
    X-Devloop-Env: ["$REGISTRY_MARK"]
EOF
  log "starting registry on $REGISTRY_ADDR (storage $STATE_DIR/registry)"
  setsid docker-registry serve "$STATE_DIR/registry.yml" \
    </dev/null >"$STATE_DIR/log/registry.log" 2>&1 &
  local pid=$!
  record_pid registry "$pid"
  if ! wait_for "registry" 20 alive_and_answers "$pid" registry_answers; then
    tail -n 20 "$STATE_DIR/log/registry.log" >&2 || true
    die "registry did not answer at http://$REGISTRY_ADDR/v2/ within 20s"
  fi
}

# ---------------------------------------------------------------- base images

image_recipe() { docker image inspect --format '{{index .Config.Labels "devloop.env.recipe"}}' "$1" 2>/dev/null || true; }

# Copy a file and, for an ELF binary, the shared libraries it links, to the same paths under $root.
copy_with_libs() { # $1 = root, $2 = binary
  local root="$1" bin="$2" lib
  mkdir -p "$root$(dirname "$bin")"
  cp -L "$bin" "$root$bin"
  for lib in $(ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+' || true); do
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

busybox_root() { # $1 = root
  local root="$1" applet
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home/app,var/tmp}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list-full); do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n' >"$root/etc/group"
  chown 1000:1000 "$root/home/app"
}

import_image() { # $1 = root, $2 = ref, rest = --change arguments
  local root="$1" ref="$2"; shift 2
  tar --numeric-owner -C "$root" -cf - . | docker import "$@" \
    --change "LABEL devloop.env.recipe=$IMAGE_RECIPE" - "$ref" >/dev/null
}

make_busybox_image() {
  local root; root="$(mktemp -d)"
  busybox_root "$root"
  log "importing $BUSYBOX_IMAGE (busybox $(/bin/busybox | head -n1 | awk '{print $2}'))"
  import_image "$root" "$BUSYBOX_IMAGE" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["sh"]'
  rm -rf "$root"
}

make_node_image() {
  local root node npm_dir; root="$(mktemp -d)"
  node="$(readlink -f "$(command -v node)")"
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" # …/node_modules/npm
  [ -f "$npm_dir/bin/npm-cli.js" ] || die "cannot find npm next to $(command -v npm)"
  busybox_root "$root"
  copy_with_libs "$root" "$node"
  [ "$node" = /usr/local/bin/node ] || ln -sf "$node" "$root/usr/local/bin/node" 2>/dev/null ||
    { mkdir -p "$root/usr/local/bin"; ln -sf "$node" "$root/usr/local/bin/node"; }
  [ "$node" = /usr/bin/node ] || ln -sf "$node" "$root/usr/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  printf '#!/bin/sh\nexec node /usr/local/lib/node_modules/npm/bin/npm-cli.js "$@"\n' >"$root/usr/local/bin/npm"
  printf '#!/bin/sh\nexec node /usr/local/lib/node_modules/npm/bin/npx-cli.js "$@"\n' >"$root/usr/local/bin/npx"
  chmod 755 "$root/usr/local/bin/npm" "$root/usr/local/bin/npx"
  log "importing $NODE_IMAGE (node $(node --version), npm $(npm --version 2>/dev/null))"
  import_image "$root" "$NODE_IMAGE" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false npm_config_offline=true' \
    --change 'CMD ["node"]'
  rm -rf "$root"
}

ensure_images() {
  IMAGE_RECIPE="$IMAGE_RECIPE-node$(node --version 2>/dev/null || echo none)"
  local need_busybox=0 need_node=0
  [ "$(image_recipe "$BUSYBOX_IMAGE")" = "$IMAGE_RECIPE" ] || need_busybox=1
  [ "$(image_recipe "$NODE_IMAGE")" = "$IMAGE_RECIPE" ] || need_node=1
  if [ $need_busybox -eq 1 ] || [ $need_node -eq 1 ]; then
    ensure_packages dpkg:busybox-static
    command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed to make $NODE_IMAGE"
  fi
  if [ $need_busybox -eq 1 ]; then make_busybox_image; fi
  if [ $need_node -eq 1 ]; then
    make_node_image
    # A fresh image is checked once: node runs, npm installs offline, node --watch exists.
    docker run --rm --network none "$NODE_IMAGE" sh -c '
        cd /tmp && echo "{\"name\":\"x\",\"version\":\"1.0.0\"}" >package.json && npm install --silent &&
        echo "console.log(\"watch-ok\")" >w.js && { timeout 2 node --watch w.js || true; } | grep watch-ok >/dev/null' >&2 ||
      die "the new $NODE_IMAGE does not run node/npm; see the output above"
    log "$NODE_IMAGE runs node and npm"
  fi
  # Aliases, so Dockerfiles that say FROM node:16-alpine / busybox build unchanged and offline.
  local alias
  for alias in node:16-alpine; do
    [ "$(docker image inspect -f '{{.Id}}' "$alias" 2>/dev/null)" = "$(docker image inspect -f '{{.Id}}' "$NODE_IMAGE")" ] ||
      docker tag "$NODE_IMAGE" "$alias"
  done
  for alias in busybox:latest; do
    [ "$(docker image inspect -f '{{.Id}}' "$alias" 2>/dev/null)" = "$(docker image inspect -f '{{.Id}}' "$BUSYBOX_IMAGE")" ] ||
      docker tag "$BUSYBOX_IMAGE" "$alias"
  done
}

# ---------------------------------------------------------------- commands

cmd_up() {
  mkdir -p "$STATE_DIR"
  ensure_packages docker:docker.io curl:curl chromium:chromium dpkg:fonts-dejavu-core
  # The registry first: a foreign one there stops `up` before anything is started.
  if registry_answers; then
    if registry_is_ours; then
      log "registry answers at http://$REGISTRY_ADDR/v2/ (dev-env's own)"
    elif [ "${DEVLOOP_ENV_ADOPT_REGISTRY:-}" = 1 ]; then
      log "using the registry at http://$REGISTRY_ADDR/v2/ of $(registry_whose) (DEVLOOP_ENV_ADOPT_REGISTRY=1)"
    else
      die "a registry dev-env did not start answers at http://$REGISTRY_ADDR/v2/: $(registry_whose); the tests would push into it and trust what it holds. Stop it, or run dev-env's own on another port (DEVLOOP_REGISTRY_ADDR=127.0.0.1:5006 scripts/dev-env.sh up), or use it knowingly (DEVLOOP_ENV_ADOPT_REGISTRY=1)"
    fi
  else
    ensure_packages docker-registry:docker-registry
    start_registry
  fi
  local host
  if host="$(engine_host)"; then
    log "engine answers at $host"
  else
    ensure_packages dockerd:docker.io
    start_dockerd
    host="unix://$OWN_SOCK"
  fi
  export DOCKER_HOST="$host"
  ensure_images
  printf 'export DOCKER_HOST=%s\nexport DEVLOOP_REGISTRY=%s\n' "$host" "$REGISTRY_ADDR"
}

stop_pid() { # $1 = name
  local pid; pid="$(read_pid "$1")"
  if pid_alive "$pid"; then
    log "stopping $1 (pid $pid)"
    kill -TERM "$pid"
    local deadline=$((SECONDS + 20))
    while pid_alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    pid_alive "$pid" && { log "$1 (pid $pid) did not stop; sending KILL"; kill -KILL "$pid" 2>/dev/null || true; }
  else
    log "$1: nothing started by dev-env is running"
  fi
  rm -f "$STATE_DIR/$1.started-pid"
}

cmd_down() {
  stop_pid registry
  stop_pid dockerd
}

cmd_status() {
  local host pid rc=0
  if host="$(engine_host)"; then
    echo "engine:   up at $host (server $(DOCKER_HOST="$host" docker version --format '{{.Server.Version}}'))"
  else echo "engine:   down"; rc=1; fi
  pid="$(read_pid dockerd)"
  if pid_alive "$pid"; then echo "dockerd:  started by dev-env, pid $pid"; else echo "dockerd:  not started by dev-env"; fi
  if registry_answers; then
    if registry_is_ours; then echo "registry: up at http://$REGISTRY_ADDR/v2/ (dev-env's own)"
    else echo "registry: up at http://$REGISTRY_ADDR/v2/, NOT dev-env's: $(registry_whose)"; rc=1; fi
  else echo "registry: down"; rc=1; fi
  pid="$(read_pid registry)"
  if pid_alive "$pid"; then echo "          started by dev-env, pid $pid"; fi
  if [ -n "${host:-}" ]; then
    local ref
    for ref in "$NODE_IMAGE" node:16-alpine "$BUSYBOX_IMAGE" busybox:latest; do
      if DOCKER_HOST="$host" docker image inspect "$ref" >/dev/null 2>&1; then echo "image:    $ref present"
      else echo "image:    $ref missing"; rc=1; fi
    done
  fi
  return "$rc"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
