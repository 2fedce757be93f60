#!/usr/bin/env bash
# Starts (or stops) a Docker engine of our own for the integration suite: Debian's dockerd on its own
# socket and data root, no iptables, vfs storage (works inside containers and VMs alike).
#   scripts/docker-engine.sh start|stop|status|env
# `env` prints the DOCKER_HOST line to eval; `status` exits 0 when this engine runs. `stop` stops only the
# dockerd whose pid file this script wrote. The data root lives in the cache so imported images survive.
set -euo pipefail
# Its own place, apart from the toolchain cache (KVMS_CACHE), so every script and test finds one engine.
state="${KVMS_DOCKER_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdktf-kvm-microservices}"
run="$state/docker-run"
sock="$run/docker.sock"
pidfile="$run/dockerd.pid"
# Ours: the pid file names a live dockerd (a stale file whose pid now belongs to another process is not).
ours() { [ -f "$pidfile" ] && [ "$(cat "/proc/$(cat "$pidfile")/comm" 2>/dev/null)" = dockerd ]; }

case "${1:-}" in
  env) echo "export DOCKER_HOST=unix://$sock" ;;
  start)
    command -v dockerd >/dev/null || { echo "docker-engine: dockerd missing (apt-get install docker.io)" >&2; exit 1; }
    mkdir -p "$run" "$state/docker-data"
    if ours; then echo "docker-engine: already running" >&2; exit 0; fi
    dockerd --iptables=false --ip-masq=false --storage-driver=vfs \
      --data-root "$state/docker-data" --exec-root "$run/exec" --pidfile "$pidfile" \
      -H "unix://$sock" > "$run/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do
      DOCKER_HOST="unix://$sock" docker version >/dev/null 2>&1 && { echo "docker-engine: up at unix://$sock" >&2; exit 0; }
      sleep 0.5
    done
    echo "docker-engine: dockerd did not come up; last log lines:" >&2; tail -20 "$run/dockerd.log" >&2; exit 1 ;;
  stop)
    if ours; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
    for _ in $(seq 1 40); do ours || exit 0; sleep 0.5; done ;;
  status)
    if ours && DOCKER_HOST="unix://$sock" docker version >/dev/null 2>&1; then
      echo "docker-engine: running at unix://$sock (pid $(cat "$pidfile"))"
    else echo "docker-engine: not running"; exit 1; fi ;;
  *) echo "usage: scripts/docker-engine.sh start|stop|status|env" >&2; exit 2 ;;
esac
