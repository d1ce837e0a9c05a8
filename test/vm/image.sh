#!/usr/bin/env bash
# image.sh builds the Debian 12 guest image the VM tests boot, once per key,
# and prints the directory that holds it (disk.img, vmlinuz, initrd.img).
#
# The key is a hash of this script's keyed parts (the package list and the
# guest's set-up): the image is rebuilt only when they change. The build happens in a temporary directory next to
# the cache entry and is renamed into place at the end, so a build that is
# killed leaves nothing a later run would boot.
set -euo pipefail

CACHE=${POD_VM_CACHE:-/var/cache/pod-vm}
SUITE=${POD_VM_SUITE:-bookworm}
MIRROR=${POD_VM_MIRROR:-$(awk '/^deb / && /debian/ {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)}
if [ -z "$MIRROR" ]; then
	MIRROR=$(sed -n 's/^URIs: *\(.*debian\/*\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}
DISK_SIZE=${POD_VM_DISK_SIZE:-6G}

# --- keyed part ---
# (the key hashes the lines between these markers)
IMAGE_VERSION=1 # bump to force a rebuild
# What the guest needs to boot with systemd, run pod and run its tests
# (the Makefile's DEB_RUNTIME and DEB_TEST, plus the session tools).
PACKAGES=(
	systemd-sysv dbus dbus-user-session libpam-systemd systemd-container
	runc crun criu uidmap fuse-overlayfs slirp4netns containernetworking-plugins iptables catatonit
	iproute2 ca-certificates
	docker-registry busybox-static util-linux procps curl kmod
)

# The kernel comes after the initramfs settings, so that its one initramfs
# build holds only the modules a virtio guest needs (the default "most" takes
# minutes to compress).
KERNEL=linux-image-amd64

# --- end of keyed part ---

log() { echo "vm-image: $*" >&2; }

key=$( { sed -n '/^# --- keyed part ---$/,/^# --- end of keyed part ---$/p' "$0"; printf '%s\n' "$SUITE" "${PACKAGES[@]}" "$KERNEL"; } | sha256sum | cut -c1-16)
dir=$CACHE/$key
if [ -f "$dir/disk.img" ] && [ -f "$dir/vmlinuz" ] && [ -f "$dir/initrd.img" ]; then
	echo "$dir"
	exit 0
fi

for tool in debootstrap mkfs.ext4; do
	command -v "$tool" >/dev/null || { log "$tool is missing (apt-get install debootstrap e2fsprogs)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { log "building the image needs root (debootstrap)"; exit 1; }

mkdir -p "$CACHE"
tmp=$(mktemp -d "$CACHE/.build-$key.XXXXXX")
# On any exit, first unmount what debootstrap or this script mounted inside.
cleanup() {
	awk -v t="$tmp/" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
root=$tmp/root
start=$(date +%s)
# --- keyed part ---
log "building $key from $MIRROR into $tmp"
include=$(IFS=,; echo "${PACKAGES[*]}")
debootstrap --variant=minbase --include="$include" "$SUITE" "$root" "$MIRROR" >"$tmp/debootstrap.log" 2>&1 || {
	tail -30 "$tmp/debootstrap.log" >&2
	log "debootstrap failed"
	exit 1
}

# Guest configuration: a root file system on /dev/vda, the host's share on
# /mnt/host, no passwords, no network beyond loopback and QEMU's user net.
echo pod-vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 pod-vm\n::1 localhost\n' >"$root/etc/hosts"
cat >"$root/etc/fstab" <<'FSTAB'
/dev/vda / ext4 rw,relatime 0 1
FSTAB
passwd -R "$root" -d root >/dev/null
# The plain user: a home, a login shell, subordinate ids from useradd itself
# (Debian's useradd gives each new user the next free 65536 ids).
chroot "$root" useradd --create-home --shell /bin/bash podtest
grep -q '^podtest:' "$root/etc/subuid" || echo "podtest:100000:65536" >>"$root/etc/subuid"
grep -q '^podtest:' "$root/etc/subgid" || echo "podtest:100000:65536" >>"$root/etc/subgid"
# Linger: podtest's systemd --user starts at boot and stays, as it does for
# a user who logged in once; its cgroup subtree is delegated to it.
mkdir -p "$root/var/lib/systemd/linger"
touch "$root/var/lib/systemd/linger/podtest"
# Everything the tests do starts from the host's share: the image holds only
# the unit that mounts it and runs its script, so changing the tests or the
# script never rebuilds the image.
cat >"$root/etc/systemd/system/pod-vm-test.service" <<'UNIT'
[Unit]
Description=pod VM tests (script from the host's share)
After=systemd-logind.service systemd-user-sessions.service

[Service]
Type=oneshot
ExecStartPre=/bin/mkdir -p /mnt/host
ExecStartPre=/bin/mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 host /mnt/host
ExecStart=/bin/bash /mnt/host/guest.sh
StandardOutput=journal+console
StandardError=journal+console
ExecStopPost=/bin/systemctl --no-block poweroff

[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/pod-vm-test.service "$root/etc/systemd/system/multi-user.target.wants/pod-vm-test.service"
# The KVM probe's init: says it reached user space, then powers off.
cat >"$root/usr/local/sbin/pod-vm-probe" <<'PROBE'
#!/bin/sh
echo POD-VM-PROBE-OK >/dev/console
echo o >/proc/sysrq-trigger
PROBE
chmod 0755 "$root/usr/local/sbin/pod-vm-probe"
# No getty on the serial console: the console shows the tests, not a login.
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
ln -sf /dev/null "$root/etc/systemd/system/getty@tty1.service"
# 9p for the share; in the initramfs only what mounts the virtio disk.
printf '9p\n9pnet_virtio\n' >"$root/etc/modules-load.d/pod-vm.conf"
mkdir -p "$root/etc/initramfs-tools/conf.d" "$root/usr/share/initramfs-tools/modules.d"
printf 'virtio_pci\nvirtio_blk\next4\n' >"$root/usr/share/initramfs-tools/modules.d/pod-vm"
echo MODULES=list >"$root/etc/initramfs-tools/conf.d/pod-vm"
mount -t proc proc "$root/proc"
{ chroot "$root" apt-get update -q && DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold "$KERNEL"; } >"$tmp/kernel.log" 2>&1 || {
	tail -30 "$tmp/kernel.log" >&2
	log "installing $KERNEL failed"
	exit 1
}
umount "$root/proc"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
# --- end of keyed part ---

cp "$root"/boot/vmlinuz-* "$tmp/vmlinuz"
cp "$root"/boot/initrd.img-* "$tmp/initrd.img"
mkfs.ext4 -q -F -L podvm -d "$root" "$tmp/disk.img" "$DISK_SIZE" >&2
rm -rf "$root"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
log "built $dir in $(($(date +%s) - start))s"
echo "$dir"
