#!/usr/bin/env bash
# Builds the bootable guest disk for `KvmHost` from Debian packages, without any image download:
# debootstrap of Debian bookworm (minbase) + a kernel, cloud-init (NoCloud only), OpenSSH, Docker,
# ifupdown, qemu-guest-agent; one ext4 partition booted by extlinux; serial console on ttyS0;
# interfaces named eth0.. (net.ifnames=0). Converted to a compressed qcow2.
#
# Usage:
#   bash scripts/images/build-guest-image.sh            # build if missing; prints the qcow2 path last
#   bash scripts/images/build-guest-image.sh --path     # print the path the image has (or will have)
#   bash scripts/images/build-guest-image.sh --force    # rebuild even if cached
# Env:
#   KVMS_CACHE           cache root (default ~/.cache/cdktf-kvm-microservices); the image goes to
#                        $KVMS_CACHE/images/debian-bookworm-kvms-<hash>.qcow2, with a stable symlink
#                        $KVMS_CACHE/images/debian-bookworm-kvms.qcow2 pointing at the newest build.
#   KVMS_DEBIAN_MIRROR   Debian mirror (default: the first Debian URI in the apt sources, else
#                        http://deb.debian.org/debian); checked for reachability before building.
#   KVMS_GUEST_DISK_GIB  virtual disk size (default 4); cloud-init grows the partition to the volume size.
# Cached by content: <hash> covers this script minus comment lines (it holds the package list) and the suite, so a
# rerun with the same script only prints the path. Needs root (debootstrap, loop mounts), debootstrap,
# qemu-img, sfdisk, mkfs.ext4; extlinux itself is taken from Debian's .debs via `apt-get download`.
# Default login: the NoCloud user-data's users/ssh keys (cloud-init's default user is `debian`).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
export KVMS_CACHE="${KVMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdktf-kvm-microservices}"
suite=bookworm
disk_gib="${KVMS_GUEST_DISK_GIB:-4}"
# Packages installed on top of debootstrap's minbase (the image's content: part of the cache key).
packages=(
  linux-image-amd64 systemd-sysv udev dbus initramfs-tools
  cloud-init cloud-guest-utils e2fsprogs openssh-server sudo
  ifupdown isc-dhcp-client resolvconf iproute2 netbase procps kmod
  docker.io apparmor qemu-guest-agent ca-certificates less
)

log() { echo "build-guest-image: $*" >&2; }

key=$( { grep -v "^[[:space:]]*#" "$0"; echo "$suite $disk_gib ${packages[*]}"; } | sha256sum | cut -c1-16)
outdir="$KVMS_CACHE/images"
out="$outdir/debian-$suite-kvms-$key.qcow2"
link="$outdir/debian-$suite-kvms.qcow2"

force=0
case "${1:-}" in
  --path) echo "$out"; exit 0 ;;
  --force) force=1 ;;
  "") ;;
  *) echo "usage: $0 [--path|--force]" >&2; exit 2 ;;
esac

if [ "$force" = 0 ] && [ -s "$out" ]; then
  ln -sfn "$(basename "$out")" "$link"
  log "cached: $out"
  echo "$out"; exit 0
fi

[ "$(id -u)" = 0 ] || { log "must run as root (debootstrap, loop devices)"; exit 1; }
for tool in debootstrap qemu-img sfdisk mkfs.ext4 losetup dpkg-deb apt-get curl; do
  command -v "$tool" >/dev/null || { log "missing tool: $tool"; exit 1; }
done

mirror="${KVMS_DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror=$(grep -h -o -E '(https?)://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | tr -d ' ' || true)
  mirror="${mirror%/}"
  mirror="${mirror:-http://deb.debian.org/debian}"
fi
if ! curl -fsS -m 20 -o /dev/null "$mirror/dists/$suite/Release"; then
  log "Debian mirror $mirror is not reachable ($mirror/dists/$suite/Release); set KVMS_DEBIAN_MIRROR"
  exit 1
fi
log "mirror $mirror, suite $suite, key $key"

mkdir -p "$outdir" "$outdir/debs"
work=$(mktemp -d "$outdir/build.XXXXXX")
root="$work/rootfs"
mnt="$work/mnt"
loopdev=""
cleanup() {
  set +e
  for m in "$root/var/cache/apt/archives" "$root/dev/pts" "$root/dev" "$root/sys" "$root/proc" "$mnt"; do
    mountpoint -q "$m" 2>/dev/null && umount -l "$m"
  done
  [ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

t0=$(date +%s)
# 1. Base system (the .debs are cached across builds).
log "debootstrap (minbase)"
debootstrap --variant=minbase --components=main --cache-dir="$outdir/debs" "$suite" "$root" "$mirror" \
  > "$work/debootstrap.log" 2>&1 || { tail -30 "$work/debootstrap.log" >&2; exit 1; }

# 2. The rest with apt inside the chroot; services must not start in the chroot.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
echo "deb $mirror $suite main" > "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$root/proc"; mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"; mount --bind /dev/pts "$root/dev/pts"
mount --bind "$outdir/debs" "$root/var/cache/apt/archives"
# Keep initramfs generic but small: the modules a virtio/SATA guest needs are in "most" anyway.
mkdir -p "$root/etc/initramfs-tools/conf.d"; echo 'MODULES=most' > "$root/etc/initramfs-tools/conf.d/kvms"
log "apt-get install ${#packages[@]} packages"
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C bash -c \
  "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${packages[*]}" \
  > "$work/apt.log" 2>&1 || { tail -40 "$work/apt.log" >&2; exit 1; }
umount "$root/var/cache/apt/archives"; umount "$root/dev/pts"; umount "$root/dev"; umount "$root/sys"; umount "$root/proc"
rm -f "$root/usr/sbin/policy-rc.d"

# 3. Configuration.
uuid=$(echo "$key" | sha256sum | sed -E 's/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*/\1-\2-4\3-8\4-\5/')
echo "UUID=$uuid / ext4 errors=remount-ro 0 1" > "$root/etc/fstab"
echo debian > "$root/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
printf 'auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n' > "$root/etc/network/interfaces"
mkdir -p "$root/etc/network/interfaces.d"
cat > "$root/etc/cloud/cloud.cfg.d/01_kvms.cfg" <<'CFG'
# NoCloud only (a cdrom or disk labelled cidata): no probing of cloud metadata services.
datasource_list: [ NoCloud, None ]
# The image has no `locales` package: C.UTF-8 needs no generation (and /etc/default/locale has it).
locale: C.UTF-8
# /etc/hosts gets the hostname from meta-data (sudo warns without it).
manage_etc_hosts: true
# extlinux, not grub, boots this image.
grub_dpkg:
  enabled: false
CFG
echo 'LANG=C.UTF-8' > "$root/etc/default/locale"
# No background `apt-get update` from test guests.
for unit in apt-daily.timer apt-daily-upgrade.timer; do ln -sf /dev/null "$root/etc/systemd/system/$unit"; done
: > "$root/etc/machine-id"; rm -f "$root/var/lib/dbus/machine-id"
rm -f "$root"/etc/ssh/ssh_host_*          # cloud-init generates fresh host keys on first boot
rm -f "$root/etc/resolv.conf"; ln -s /run/resolvconf/resolv.conf "$root/etc/resolv.conf"
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/var/log/*.log \
  "$root"/var/cache/debconf/*-old "$root"/tmp/*
kernel=$(cd "$root/boot" && ls vmlinuz-* | sort -V | tail -1)
initrd="initrd.img-${kernel#vmlinuz-}"
[ -f "$root/boot/$initrd" ] || { log "no initrd for $kernel in the chroot"; exit 1; }

# 4. extlinux from Debian's packages (not installed on the host, just unpacked).
sl="$work/syslinux"; mkdir -p "$sl"
( cd "$outdir/debs" && apt-get download -qq extlinux syslinux-common >/dev/null 2>&1 ) || true
for d in "$outdir"/debs/extlinux_*.deb "$outdir"/debs/syslinux-common_*.deb; do dpkg-deb -x "$d" "$sl"; done
[ -x "$sl/usr/bin/extlinux" ] || { log "could not get extlinux (apt-get download extlinux syslinux-common)"; exit 1; }
mkdir -p "$root/boot/extlinux"
cat > "$root/boot/extlinux/extlinux.conf" <<CFG
SERIAL 0 115200
DEFAULT debian
PROMPT 0
TIMEOUT 1
LABEL debian
  LINUX /boot/$kernel
  INITRD /boot/$initrd
  APPEND root=UUID=$uuid ro console=tty0 console=ttyS0,115200n8 net.ifnames=0 biosdevname=0
CFG

# 5. Raw disk: DOS label, one bootable ext4 partition from 1 MiB.
raw="$work/disk.raw"
truncate -s "${disk_gib}G" "$raw"
echo 'label: dos
start=2048, type=83, bootable' | sfdisk -q "$raw"
part_bytes=$(( disk_gib * 1024 * 1024 * 1024 - 1048576 ))
loopdev=$(losetup --find --show --offset 1048576 --sizelimit "$part_bytes" "$raw")
mkfs.ext4 -q -F -L kvms-root -U "$uuid" -O ^64bit,^metadata_csum_seed "$loopdev"
mkdir -p "$mnt"; mount "$loopdev" "$mnt"
tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -cf - . | tar -C "$mnt" --numeric-owner --xattrs --xattrs-include='*' -xpf -
"$sl/usr/bin/extlinux" --install "$mnt/boot/extlinux" >/dev/null 2>&1 || { log "extlinux --install failed"; "$sl/usr/bin/extlinux" --install "$mnt/boot/extlinux"; exit 1; }
cp "$sl"/usr/lib/syslinux/modules/bios/{ldlinux.c32,libcom32.c32,libutil.c32} "$mnt/boot/extlinux/" 2>/dev/null || true
umount "$mnt"; losetup -d "$loopdev"; loopdev=""
dd if="$sl/usr/lib/syslinux/mbr/mbr.bin" of="$raw" bs=440 count=1 conv=notrunc status=none

# 6. qcow2 (compressed), then publish atomically.
qemu-img convert -c -O qcow2 "$raw" "$work/out.qcow2"
mv "$work/out.qcow2" "$out"
ln -sfn "$(basename "$out")" "$link"
for old in "$outdir"/debian-"$suite"-kvms-*.qcow2; do   # superseded builds (the symlink is skipped)
  [ "$old" = "$out" ] || [ -L "$old" ] || { rm -f "$old"; log "removed superseded $(basename "$old")"; }
done
log "built $out ($(du -h "$out" | cut -f1) on disk, ${disk_gib} GiB virtual) in $(( $(date +%s) - t0 )) s"
echo "$out"
