#!/usr/bin/env bash
# Starts (or stops) Debian's virtlogd and libvirtd for the integration suite; uses /dev/kvm when usable.
#   scripts/libvirt.sh start|stop|virt-type
# `virt-type` prints `kvm` when /dev/kvm can boot a stock guest and `qemu` (emulation) otherwise, with a log line.
set -euo pipefail
uri=qemu:///system

case "${1:-}" in
  virt-type)
    # kvm_pvm (a paravirtualized KVM some clouds expose to nested guests) only runs kernels built for
    # it: a stock Debian guest stops in its bootloader with "KVM internal error. Suberror: 1".
    if [ -d /sys/module/kvm_pvm ] && [ ! -d /sys/module/kvm_intel ] && [ ! -d /sys/module/kvm_amd ]; then
      echo "libvirt: /dev/kvm is kvm_pvm, which cannot boot stock guest kernels; guests run under qemu emulation (slow)" >&2; echo qemu
    elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo kvm
    else echo "libvirt: /dev/kvm is not usable; guests run under qemu emulation (slow)" >&2; echo qemu; fi ;;
  start)
    command -v libvirtd >/dev/null || { echo "libvirt: libvirtd missing (apt-get install libvirt-daemon-system qemu-system-x86)" >&2; exit 1; }
    # As udev does on a normal Debian host: qemu runs as libvirt-qemu (group kvm) and must open /dev/kvm.
    if [ -c /dev/kvm ] && getent group kvm >/dev/null; then chgrp kvm /dev/kvm && chmod 0660 /dev/kvm; fi
    pgrep -x virtlogd >/dev/null || virtlogd -d
    pgrep -x libvirtd >/dev/null || libvirtd -d
    for _ in $(seq 1 60); do
      virsh -c "$uri" version >/dev/null 2>&1 && { echo "libvirt: up at $uri" >&2; exit 0; }
      sleep 0.5
    done
    echo "libvirt: libvirtd did not answer at $uri" >&2; exit 1 ;;
  stop)
    pkill -x libvirtd 2>/dev/null || true
    pkill -x virtlogd 2>/dev/null || true ;;
  *) echo "usage: scripts/libvirt.sh start|stop|virt-type" >&2; exit 2 ;;
esac
