#!/usr/bin/env bash
# Boots the guest image from build-guest-image.sh under libvirt and checks it over SSH, then removes
# everything it created. A smoke test of the image, independent of the cdktf constructs.
#
# Usage:
#   bash scripts/images/verify-guest-image.sh [IMAGE.qcow2]     # default: the cached image's path
# Env:
#   LIBVIRT_DEFAULT_URI   default qemu:///system (libvirtd must be running: scripts/libvirt.sh start)
#   KVMS_VERIFY_SUBNET    third octet of the private test network 192.168.<n>.0/24 (default 213)
#   KVMS_VERIFY_TIMEOUT   seconds to wait for SSH (default 600; emulation is much slower than KVM)
#   KVMS_VERIFY_VIRT_TYPE kvm or qemu (default: kvm when /dev/kvm is read/writable and not kvm_pvm, else qemu)
# What it does: creates a NAT network `kvms-imgcheck-<pid>` (192.168.<n>.0/24, its own bridge), a
# copy-on-write overlay of the image (8 GiB, so cloud-init's growpart is exercised), a NoCloud seed ISO
# (label cidata: a fresh SSH key for user `admin`, a sysctl file, static network-config matched by MAC as
# renderers/guest-network.ts renders it), boots a domain (kvm if /dev/kvm is usable, else qemu), waits for
# SSH, prints somaxconn, ip_local_port_range, `systemctl is-active docker`, `cloud-init status` and the
# boot-to-SSH time, then destroys the domain, the network and the files.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
export LIBVIRT_DEFAULT_URI="${LIBVIRT_DEFAULT_URI:-qemu:///system}"
image="${1:-$(bash "$here/build-guest-image.sh" --path)}"
[ -s "$image" ] || { echo "verify-guest-image: no image at $image (run build-guest-image.sh)" >&2; exit 1; }
n="${KVMS_VERIFY_SUBNET:-213}"
timeout_s="${KVMS_VERIFY_TIMEOUT:-600}"
name="kvms-imgcheck-$$"
bridge="virbr-kic$((n % 1000))"
net_prefix="192.168.$n"
guest_ip="$net_prefix.10"
mac="52:54:00:6b:76:$(printf '%02x' $((n % 256)))"
virt_type="${KVMS_VERIFY_VIRT_TYPE:-}"
if [ -z "$virt_type" ]; then
  virt_type=kvm; [ -r /dev/kvm ] && [ -w /dev/kvm ] || { virt_type=qemu; echo "verify-guest-image: /dev/kvm not usable; emulation (slow)" >&2; }
  # /dev/kvm backed by kvm_pvm (nested "pagetable-based VM", no kvm_intel/kvm_amd) runs only PVM-enabled
  # guest kernels; Debian's stock kernel stops with "KVM internal error ... emulation failure".
  if [ "$virt_type" = kvm ] && [ -d /sys/module/kvm_pvm ] && [ ! -d /sys/module/kvm_intel ] && [ ! -d /sys/module/kvm_amd ]; then
    virt_type=qemu; echo "verify-guest-image: /dev/kvm is kvm_pvm (runs PVM guest kernels only); using emulation (slow)" >&2
  fi
fi

# Files qemu (user libvirt-qemu) must read live in a directory it can traverse.
work=$(mktemp -d /var/lib/libvirt/images/kvms-imgcheck.XXXXXX)
chmod 755 "$work"
cleanup() {
  set +e
  virsh destroy "$name" >/dev/null 2>&1; virsh undefine "$name" --nvram >/dev/null 2>&1 || virsh undefine "$name" >/dev/null 2>&1
  virsh net-destroy "$name" >/dev/null 2>&1; virsh net-undefine "$name" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -C kvms-imgcheck -f "$work/id"
cat > "$work/user-data" <<CFG
#cloud-config
users:
  - name: admin
    groups: [sudo, docker]
    shell: /bin/bash
    sudo: "ALL=(ALL) NOPASSWD:ALL"
    ssh_authorized_keys: ["$(cat "$work/id.pub")"]
write_files:
  - path: /etc/sysctl.d/90-kvms-check.conf
    content: |
      net.core.somaxconn = 4096
      net.ipv4.ip_local_port_range = 1024 65000
runcmd:
  - [sysctl, --system]
CFG
printf 'instance-id: %s\nlocal-hostname: kvms-imgcheck\n' "$name" > "$work/meta-data"
cat > "$work/network-config" <<CFG
version: 2
ethernets:
  primary:
    match: {macaddress: "$mac"}
    set-name: eth0
    dhcp4: false
    addresses: [$guest_ip/24]
    routes: [{to: 0.0.0.0/0, via: $net_prefix.1}]
    nameservers: {addresses: [$net_prefix.1]}
CFG
genisoimage -quiet -output "$work/seed.iso" -volid cidata -joliet -rock \
  "$work/user-data" "$work/meta-data" "$work/network-config"
cp "$image" "$work/base.qcow2"
qemu-img create -q -f qcow2 -F qcow2 -b "$work/base.qcow2" "$work/disk.qcow2" 8G

cat > "$work/net.xml" <<XML
<network><name>$name</name><forward mode='nat'/><bridge name='$bridge' stp='on' delay='0'/>
  <ip address='$net_prefix.1' netmask='255.255.255.0'><dhcp><range start='$net_prefix.100' end='$net_prefix.200'/></dhcp></ip>
</network>
XML
virsh net-define "$work/net.xml" >/dev/null; virsh net-start "$name" >/dev/null
cat > "$work/domain.xml" <<XML
<domain type='$virt_type'><name>$name</name><memory unit='MiB'>1024</memory><vcpu>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$work/disk.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='$work/seed.iso'/><target dev='hdc' bus='ide'/><readonly/></disk>
    <interface type='network'><source network='$name'/><mac address='$mac'/><model type='virtio'/></interface>
    <serial type='file'><source path='$work/console.log'/><target port='0'/></serial>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
  </devices>
</domain>
XML
virsh define "$work/domain.xml" >/dev/null
t0=$(date +%s.%N)
virsh start "$name" >/dev/null
echo "verify-guest-image: started $name ($virt_type) at $guest_ip; waiting for SSH" >&2

ssh_opts=(-i "$work/id" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10 -o BatchMode=yes)
deadline=$(( $(date +%s) + timeout_s ))
until ssh "${ssh_opts[@]}" "admin@$guest_ip" true 2>/dev/null; do
  if [ "$(virsh domstate "$name" 2>/dev/null)" != running ]; then
    echo "verify-guest-image: domain is $(virsh domstate "$name" --reason 2>&1); qemu log tail:" >&2
    grep -v '^[A-Z0-9 ]*=' "/var/log/libvirt/qemu/$name.log" | tail -8 >&2; exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "verify-guest-image: no SSH after ${timeout_s}s; console tail:" >&2; tail -40 "$work/console.log" >&2; exit 1
  fi
  sleep 1
done
boot_to_ssh=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "boot-to-ssh-seconds: $boot_to_ssh"
# Emulated guests answer slowly while cloud-init and Docker start: a long timeout for the checks.
ssh "${ssh_opts[@]}" -o ConnectTimeout=120 "admin@$guest_ip" 'sudo cloud-init status --wait >/dev/null 2>&1;
  for i in $(seq 1 180); do [ "$(systemctl is-active docker)" = active ] && break; sleep 1; done;
  echo "somaxconn: $(cat /proc/sys/net/core/somaxconn)";
  echo "ip_local_port_range: $(cat /proc/sys/net/ipv4/ip_local_port_range | tr "\t" " ")";
  echo "docker: $(systemctl is-active docker)";
  echo "docker-version: $(sudo docker version --format "{{.Server.Version}}" 2>&1)";
  echo "cloud-init: $(cloud-init status 2>&1 | tr "\n" " ")";
  echo "kernel: $(uname -r)"; echo "root: $(df -h / | tail -1)";
  echo "systemd-analyze: $(systemd-analyze 2>&1 | head -1)"; systemd-analyze blame 2>/dev/null | head -8;
  echo "eth0: $(ip -4 -o addr show eth0 | awk "{print \$4}")";
  echo "failed-units: $(systemctl --failed --no-legend | wc -l)"; systemctl --failed --no-legend;
  if ! cloud-init status >/dev/null 2>&1; then sudo cloud-init status --long; sudo grep -E "WARNING|ERROR|Traceback" /var/log/cloud-init.log | tail -20; fi'
