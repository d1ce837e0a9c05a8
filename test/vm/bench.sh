#!/usr/bin/env bash
# bench.sh boots the cached Debian 12 guest (image.sh builds it) and runs
# the benchmark's VM scenario inside: guest-bench.sh, which times
# `pod run --rm` against `crun run` of a prepared bundle as root and as the
# plain user podtest in its systemd user session (bench/README.md). make
# bench runs it through bin/podbench; by hand:
#
#   test/vm/bench.sh OUTDIR [ROUNDS]
#
# It writes OUTDIR/root.json, OUTDIR/rootless.json (podbench -vm-guest),
# OUTDIR/guest-info, OUTDIR/accel and the guest's console log. It needs
# bin/pod, bin/pod-conmon and bin/podbench (POD_BENCH_BIN and
# POD_BENCH_PODBENCH name others). Environment as run.sh: POD_VM_TIMEOUT
# (default 2400 s), POD_VM_ACCEL, POD_VM_MEM, POD_VM_CPUS, POD_VM_IMAGE.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:?usage: bench.sh OUTDIR [ROUNDS]}
rounds=${2:-15}
bin=${POD_BENCH_BIN:-$top/bin}
podbench=${POD_BENCH_PODBENCH:-$top/bin/podbench}
timeout_s=${POD_VM_TIMEOUT:-2400}
mem=${POD_VM_MEM:-3072}
cpus=${POD_VM_CPUS:-$(nproc)}
[ "$cpus" -le 4 ] || cpus=4
log() { echo "vm-bench: $*" >&2; }
now() { date +%s; }

for f in "$bin/pod" "$bin/pod-conmon" "$podbench"; do
	[ -x "$f" ] || { log "$f is missing (make bench builds it)"; exit 1; }
done
command -v qemu-system-x86_64 >/dev/null || { log "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"; exit 1; }
mkdir -p "$out"

image=${POD_VM_IMAGE:-$("$here/image.sh")}
log "image $image"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/pod-vm-bench.XXXXXX")
qpid=""
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The share as run.sh lays it out, with guest-bench.sh as the guest.sh the
# image's unit runs.
share=$work/share
mkdir -p "$share/bin" "$share/results"
cp "$bin/pod" "$bin/pod-conmon" "$share/bin/"
cp "$podbench" "$share/bin/podbench"
cp "$here/guest-bench.sh" "$share/guest.sh"
echo "$rounds" >"$share/rounds"

# KVM only when usable and reaching user space (as run.sh probes it);
# otherwise QEMU's emulation.
accel=${POD_VM_ACCEL:-tcg}
if [ -z "${POD_VM_ACCEL:-}" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then accel=kvm; fi
accel_args=(-accel tcg,thread=multi) cpu=max
if [ "$accel" = kvm ]; then accel_args=(-accel kvm); cpu=host; fi
echo "$accel" >"$out/accel"

console=$out/console.log
log "booting ($accel, $cpus CPUs, ${mem} MiB), deadline ${timeout_s}s"
qemu-system-x86_64 "${accel_args[@]}" -cpu "$cpu" -machine q35 -m "$mem" -smp "$cpus" \
	-kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1" \
	-drive "file=$image/disk.img,format=raw,if=virtio,snapshot=on" \
	-virtfs "local,path=$share,mount_tag=host,security_model=none,id=host" \
	-nic none -display none -monitor none -serial "file:$console" -no-reboot \
	>"$console.qemu" 2>&1 &
qpid=$!
t0=$(now)
timed_out=0
while kill -0 "$qpid" 2>/dev/null; do
	if [ $(($(now) - t0)) -ge "$timeout_s" ]; then
		timed_out=1
		kill "$qpid" 2>/dev/null || true
		break
	fi
	sleep 1
done
wait "$qpid" 2>/dev/null || true
qpid=""
# What the guest finished is kept even when it ran out of time: root's
# half comes first.
cp "$share/results/"* "$out/" 2>/dev/null || true
if [ $timed_out = 1 ]; then
	echo "the guest was still running after ${timeout_s}s (POD_VM_TIMEOUT) and was killed" >"$out/failure"
	log "$(cat "$out/failure") (console: $console)"
	exit 1
fi
log "guest ran $(($(now) - t0))s"
for f in root.json rootless.json; do
	[ -s "$out/$f" ] || { echo "the guest wrote no $f (console: $console)" >"$out/failure"; log "$(cat "$out/failure")"; tail -20 "$console" >&2; exit 1; }
done
