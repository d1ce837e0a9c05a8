#!/usr/bin/env bash
# run.sh boots the cached Debian 12 guest (image.sh builds it) under QEMU and
# runs pod's e2e tests inside: as root, then as the plain user podtest in its
# systemd user session. It prints the guest's go test output and a summary,
# and exits non-zero when a test failed, the guest failed, or it hung.
#
#   test/vm/run.sh [-run REGEX]      (make vm-test)
#
# It needs bin/pod, bin/pod-conmon, bin/pod-systemd-generator and bin/e2e.test built (make vm-test does).
# Environment: POD_VM_TIMEOUT (seconds the guest may run, default 2400; the
# tests inside get three minutes less, for boot and power-off, as their go
# test -timeout, so that a hung test is named before the guest is killed),
# POD_VM_ACCEL (kvm or tcg: skip the probe), POD_VM_MEM (MiB, default 3072),
# POD_VM_CPUS (default: the host's, at most 4), POD_VM_KEEP (keep the work dir),
# POD_VM_IMAGE (boot this image directory instead of image.sh's).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
run_re=""
if [ "${1:-}" = "-run" ]; then run_re=$2; fi
[ -n "$run_re" ] || run_re=$(grep -v '^\s*#' "$here/tests.txt" | grep -v '^\s*$' | paste -sd'|')
run_re="^($run_re)\$"

timeout_s=${POD_VM_TIMEOUT:-2400}
mem=${POD_VM_MEM:-3072}
cpus=${POD_VM_CPUS:-$(nproc)}
[ "$cpus" -le 4 ] || cpus=4

log() { echo "vm: $*" >&2; }
now() { date +%s; }

for f in bin/pod bin/pod-conmon bin/pod-systemd-generator bin/e2e.test; do
	[ -x "$top/$f" ] || { log "$f is missing (make vm-test builds it)"; exit 1; }
done
command -v qemu-system-x86_64 >/dev/null || { log "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"; exit 1; }

t0=$(now)
image=${POD_VM_IMAGE:-$("$here/image.sh")}
t_image=$(($(now) - t0))
log "image $image (ready in ${t_image}s)"

work=$(mktemp -d "${TMPDIR:-/var/tmp}/pod-vm.XXXXXX")
qpid=""
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	if [ -n "${POD_VM_KEEP:-}" ]; then log "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The share: the binaries under test, the guest's script, the test list, and
# results/ where the guest writes its logs.
share=$work/share
mkdir -p "$share/bin" "$share/results"
cp "$top/bin/pod" "$top/bin/pod-conmon" "$top/bin/pod-systemd-generator" "$top/bin/e2e.test" "$share/bin/"
cp "$here/guest.sh" "$share/guest.sh"
# pod as `make install` installs it (/usr/local: the binaries, the generator,
# pod-restart.service and the other units for the system and user managers);
# the guest copies the tree into place.
(umask 022 && make -C "$top" --no-print-directory install DESTDIR="$share/install") >"$work/install.log" 2>&1 || {
	cat "$work/install.log" >&2
	log "make install failed"
	exit 1
}
printf '%s\n' "$run_re" >"$share/run.txt"
echo "$((timeout_s > 600 ? timeout_s - 180 : timeout_s))s" >"$share/test-timeout"

# The guest's disk: a qcow2 overlay on the cached image in the work dir, so
# the image stays as built and the guest's writes outlive one QEMU process:
# a reboot of the guest ends QEMU (-no-reboot) and run.sh boots a new one on
# the same overlay (a warm reset inside one TCG QEMU stalled the next boot's
# kernel for minutes in soft lockups clearing pages).
overlay=$work/overlay.qcow2
qemu-img create -q -f qcow2 -b "$image/disk.img" -F raw "$overlay" >&2

# qemu_boot ACCEL APPEND CONSOLE DRIVE starts QEMU in the background, sets
# qpid. The console file is appended to (one log across the guest's boots).
qemu_boot() {
	local accel=$1 append=$2 console=$3 drive=$4 cpu=max
	local -a accel_args=(-accel tcg,thread=multi)
	if [ "$accel" = kvm ]; then accel_args=(-accel kvm); cpu=host; fi
	qemu-system-x86_64 "${accel_args[@]}" -cpu "$cpu" -machine q35 -m "$mem" -smp "$cpus" \
		-kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 $append" \
		-drive "$drive" \
		-virtfs "local,path=$share,mount_tag=host,security_model=none,id=host" \
		-nic none -display none -monitor none -chardev "file,id=console,path=$console,append=on" -serial chardev:console -no-reboot \
		>"$console.qemu" 2>&1 &
	qpid=$!
}

# wait_guest SECONDS: waits for QEMU to exit; 1 when the deadline passed.
wait_guest() {
	local deadline=$(($(now) + $1))
	while kill -0 "$qpid" 2>/dev/null; do
		if [ "$(now)" -ge "$deadline" ]; then
			kill "$qpid" 2>/dev/null || true
			wait "$qpid" 2>/dev/null || true
			qpid=""
			return 1
		fi
		sleep 1
	done
	wait "$qpid" 2>/dev/null || true
	qpid=""
}

# KVM only when a probe boot reaches the guest's user space in time: nested
# KVM can stall right after the kernel loads.
accel=${POD_VM_ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		t=$(now)
		qemu_boot kvm "init=/usr/local/sbin/pod-vm-probe" "$work/probe.log" "file=$image/disk.img,format=raw,if=virtio,snapshot=on"
		if wait_guest 30 && grep -q POD-VM-PROBE-OK "$work/probe.log"; then
			accel=kvm
		fi
		log "KVM probe: $([ $accel = kvm ] && echo "reached user space in $(($(now) - t))s" || echo "no user space within 30s, using TCG")"
	else
		log "no usable /dev/kvm: using TCG"
	fi
fi

log "booting ($accel, $cpus CPUs, ${mem} MiB), deadline ${timeout_s}s"
console=$work/console.log
: >"$console"
t_boot=$(now)
# Show the guest's console as it goes (the test output passes through it).
tail -n +1 -F "$console" 2>/dev/null | sed -u 's/^/guest| /' &
tailpid=$!
ok=1
res=$share/results
boots=0
while :; do
	boots=$((boots + 1))
	qemu_boot "$accel" "" "$console" "file=$overlay,format=qcow2,if=virtio"
	wait_guest $((t_boot + timeout_s - $(now))) || { ok=0; break; }
	# guest.sh asked for a reboot (tests that span one): boot the same disk
	# again, once, within the same deadline.
	if [ $boots = 1 ] && [ -f "$res/reboot-requested" ] && [ ! -f "$res/summary" ]; then
		log "the guest rebooted after $(($(now) - t_boot))s: booting it again from its disk"
		continue
	fi
	break
done
sleep 1
kill "$tailpid" 2>/dev/null || true
wait "$tailpid" 2>/dev/null || true
t_total=$(($(now) - t_boot))

if [ $ok = 0 ]; then
	log "guest still running after ${timeout_s}s: killed. Its console log:"
	cat "$console" >&2
	cat "$console.qemu" >&2 || true
	exit 1
fi
if [ ! -f "$res/summary" ]; then
	log "the guest powered off without results. Its console log:"
	cat "$console" >&2
	cat "$console.qemu" >&2 || true
	exit 1
fi
echo "=== guest go test output: root"
cat "$res/root.log" || true
echo "=== guest go test output: user podtest (systemd user session)"
cat "$res/user.log" || true
# The tests that span a reboot (guest.sh's phase after it).
if [ -f "$res/root-after.log" ] || [ -f "$res/user-after.log" ]; then
	echo "=== guest go test output after the guest's reboot: root"
	cat "$res/root-after.log" || true
	echo "=== guest go test output after the guest's reboot: user podtest (systemd user session)"
	cat "$res/user-after.log" || true
fi
echo "=== guest"
cat "$res/guest-info" || true
echo "=== times: image ${t_image}s, guest (boot + tests + poweroff) ${t_total}s, accel $accel"
cat "$res/summary"
grep -q '^vm-result: ok$' "$res/summary"
