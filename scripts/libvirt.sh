#!/usr/bin/env bash
# Starts (or stops) Debian's virtlogd and libvirtd for the integration suite; uses /dev/kvm when usable.
#   scripts/libvirt.sh start|stop [virtlogd|libvirtd ...]|status|virt-type
# Only daemons this script started are ever stopped: it starts them with pid files of its own. A virtlogd
# or libvirtd that already answers (the system's, another user's) is used as it is and never stopped.
# `start` prints the daemons it started (e.g. `virtlogd libvirtd`, or nothing) so a caller can stop just
# those: `stop` with names stops those of them this script started; without names, every one it started.
# `status` exits 0 when both answer. `virt-type` prints `kvm` when /dev/kvm can boot a stock guest and
# `qemu` (emulation) otherwise, with a log line.
set -euo pipefail
uri=qemu:///system
run="${KVMS_LIBVIRT_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdktf-kvm-microservices}/libvirt-run"

log() { echo "libvirt: $*" >&2; }
answers() {
  case $1 in
    libvirtd) virsh -c "$uri" version >/dev/null 2>&1 ;;
    virtlogd) virt-admin -c virtlogd:///system version >/dev/null 2>&1 ;;
  esac
}
# The pid of the daemon this script started, while it runs: its pid file names a live process of that name
# (the daemons remove their pid files when they exit; the name check covers a pid reused after a crash).
ours() {
  local pid
  pid=$(cat "$run/$1.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] && echo "$pid"
}

start_daemon() {
  local name=$1 where=$2
  if answers "$name"; then
    if ours "$name" >/dev/null; then log "$name: already up (started by this script)"
    else log "$name: one this script did not start already answers: using it; stop leaves it running"; fi
    return
  fi
  "$name" -d -p "$run/$name.pid"
  for _ in $(seq 1 60); do
    answers "$name" && { log "$name: started (pid $(cat "$run/$name.pid")), up at $where"; started+=("$name"); return; }
    sleep 0.5
  done
  log "$name: did not answer at $where"; exit 1
}

stop_daemon() {
  local name=$1 pid
  if ! pid=$(ours "$name"); then log "$name: not started by this script; left alone"; return; fi
  kill "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || { log "$name: stopped (pid $pid)"; return; }; sleep 0.5; done
  log "$name: pid $pid did not stop within 20 s"; return 1
}

case "${1:-}" in
  virt-type)
    # kvm_pvm (a paravirtualized KVM some clouds expose to nested guests) only runs kernels built for
    # it: a stock Debian guest stops in its bootloader with "KVM internal error. Suberror: 1".
    if [ -d /sys/module/kvm_pvm ] && [ ! -d /sys/module/kvm_intel ] && [ ! -d /sys/module/kvm_amd ]; then
      echo "libvirt: /dev/kvm is kvm_pvm, which cannot boot stock guest kernels; guests run under qemu emulation (slow)" >&2; echo qemu
    elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo kvm
    else echo "libvirt: /dev/kvm is not usable; guests run under qemu emulation (slow)" >&2; echo qemu; fi ;;
  start)
    command -v libvirtd >/dev/null || { log "libvirtd missing (apt-get install libvirt-daemon-system qemu-system-x86)"; exit 1; }
    # As udev does on a normal Debian host: qemu runs as libvirt-qemu (group kvm) and must open /dev/kvm.
    if [ -c /dev/kvm ] && getent group kvm >/dev/null; then chgrp kvm /dev/kvm && chmod 0660 /dev/kvm; fi
    mkdir -p "$run"
    started=()
    # libvirtd hands the guests' consoles to virtlogd; a second virtlogd would take the first one's socket.
    start_daemon virtlogd virtlogd:///system
    start_daemon libvirtd "$uri"
    echo "${started[*]}" ;;
  stop)
    shift
    names=("$@")
    [ ${#names[@]} -gt 0 ] || names=(libvirtd virtlogd)
    for n in "${names[@]}"; do case $n in libvirtd|virtlogd) ;; *) log "stop: unknown daemon '$n' (virtlogd or libvirtd)"; exit 2 ;; esac; done
    rc=0
    for name in libvirtd virtlogd; do   # libvirtd first: it logs through virtlogd
      for n in "${names[@]}"; do [ "$n" = "$name" ] && { stop_daemon "$name" || rc=1; }; done
    done
    exit "$rc" ;;
  status)
    rc=0
    for name in virtlogd libvirtd; do
      if ! answers "$name"; then echo "$name: not running"; rc=1
      elif ours "$name" >/dev/null; then echo "$name: running (started by this script)"
      else echo "$name: running (not started by this script)"; fi
    done
    exit "$rc" ;;
  *) echo "usage: scripts/libvirt.sh start|stop [virtlogd|libvirtd ...]|status|virt-type" >&2; exit 2 ;;
esac
