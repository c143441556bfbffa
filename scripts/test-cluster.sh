#!/usr/bin/env bash
# The test cluster (test/cluster) in the background, for trying devloop and kubectl by hand:
#   eval "$(scripts/test-cluster.sh up)"   start it on the engine at DOCKER_HOST; prints export KUBECONFIG=...
#   scripts/test-cluster.sh status         is it up? (exit 0 when it is)
#   scripts/test-cluster.sh down           stop it; it removes every container it started
# State (pid, kubeconfig, log) is kept in .devloop/test-cluster/. Only stdout of `up` is meant for eval.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="$root/.devloop/test-cluster"
cli="$root/dist/test/cluster/cli.js"

say() { echo "test-cluster: $*" >&2; }

running_pid() {
  [ -f "$state/pid" ] || return 1
  local pid
  pid="$(cat "$state/pid")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

use_engine() {
  if [ -z "${DOCKER_HOST:-}" ] && [ -f "$root/.devenv-ready" ]; then
    eval "$(grep '^export ' "$root/.devenv-ready")"
  fi
  # The engine scripts/dev-env.sh started, when no other is named and the default socket is missing.
  if [ -z "${DOCKER_HOST:-}" ] && [ ! -S /var/run/docker.sock ] && [ -S /var/lib/devloop-env/docker.sock ]; then
    export DOCKER_HOST=unix:///var/lib/devloop-env/docker.sock
  fi
  [ -n "${DOCKER_HOST:-}" ] || say "DOCKER_HOST is not set: using the default engine socket"
}

build() {
  if [ ! -f "$cli" ] || [ -n "$(find "$root/test/cluster" -name '*.ts' -newer "$cli" | head -1)" ]; then
    say "compiling"
    (cd "$root" && node node_modules/typescript/bin/tsc -p tsconfig.json >/dev/null 2>&1) || true
    [ -f "$cli" ] || { say "build failed: run npx tsc -p . to see why"; exit 1; }
  fi
}

case "${1:-}" in
  up)
    if pid="$(running_pid)"; then
      say "already running (pid $pid) at $(cat "$state/ready" 2>/dev/null)"
      echo "export KUBECONFIG=$state/kubeconfig"
      exit 0
    fi
    use_engine
    build
    mkdir -p "$state"
    rm -f "$state/ready" "$state/pid"
    nohup node "$cli" --dir "$state" >"$state/log" 2>&1 </dev/null &
    echo $! >"$state/pid"
    for _ in $(seq 1 100); do
      [ -f "$state/ready" ] && break
      kill -0 "$(cat "$state/pid")" 2>/dev/null || { say "it exited: see $state/log"; tail -5 "$state/log" >&2; exit 1; }
      sleep 0.1
    done
    [ -f "$state/ready" ] || { say "not ready after 10 s: see $state/log"; exit 1; }
    say "serving $(cat "$state/ready") (pid $(cat "$state/pid")), log in $state/log"
    echo "export KUBECONFIG=$state/kubeconfig"
    ;;
  down)
    if pid="$(running_pid)"; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then say "pid $pid did not stop in 10 s"; exit 1; fi
      say "stopped (pid $pid)"
    else
      say "not running"
    fi
    rm -f "$state/pid" "$state/ready"
    use_engine
    build
    node "$cli" --sweep 2>&1 | sed 's/^/test-cluster: /' >&2
    ;;
  status)
    if pid="$(running_pid)" && url="$(cat "$state/ready" 2>/dev/null)" && node -e "fetch(process.argv[1]+'/version').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$url"; then
      echo "running at $url (pid $pid), KUBECONFIG=$state/kubeconfig"
    else
      echo "not running"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
