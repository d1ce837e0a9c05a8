#!/bin/bash
# guest.sh runs inside the VM (pod-vm-test.service, as root, at every boot)
# from the host's share at /mnt/host: the e2e tests as root and as the plain
# user podtest inside its systemd user session, and writes results/ for the
# host. The unit powers the guest off when this script ends.
#
# Tests named TestReboot* span a real reboot of the guest. The first boot
# runs every test with POD_VM_PHASE=before (those set up, the others ignore
# it), writes the phase "after" to the guest's own disk and reboots; QEMU
# exits (-no-reboot) and run.sh boots the guest again from the same disk
# overlay, which keeps its writes. This unit runs again at that boot, reads the phase and
# runs only the TestReboot* tests with POD_VM_PHASE=after (they check what
# came back), then the guest powers off.
set -u
share=/mnt/host
res=$share/results
user=podtest
phase_file=/var/lib/pod-vm/phase
say() { echo "POD-VM: $*" >/dev/console; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

phase=before
[ -f $phase_file ] && phase=$(cat $phase_file)
uid=$(id -u $user)

# wait_user_manager: podtest's systemd --user (lingering: logind starts it
# at boot) and its bus.
wait_user_manager() {
	systemctl start user@$uid.service
	for _ in $(seq 60); do [ -S /run/user/$uid/bus ] && break; sleep 1; done
}

# progress copies go test's top-level verdicts to the console as they come.
progress() { tee "$1" | grep --line-buffered -E '^(--- |ok|FAIL|PASS|panic)' | sed -u "s/^/$2: /" >/dev/console; }

# run_halves PATTERN SUFFIX: the root and the user half of the tests PATTERN
# names, side by side, with POD_VM_PHASE=$phase; logs results/root$SUFFIX.log
# and results/user$SUFFIX.log, exit codes in /run/pod-vm-{root,user}.rc.
run_halves() {
	local re=$1 sfx=$2
	local -a args=(-test.run "$re" -test.v -test.count=1 -test.timeout "$(cat "$share/test-timeout")")
	local started
	started=$(uptime_s)
	# Root: the root half of every test. The rootless half is the user's
	# own, in its session, not root's setuid child.
	say "as root: e2e.test -test.run '$re' (phase $phase)"
	(
		cd /opt/pod && POD_VM_PHASE=$phase POD_BINARY=/opt/pod/bin/pod POD_TEST_USER=- /opt/pod/bin/e2e.test "${args[@]}" 2>&1 | progress "$res/root$sfx.log" root
		rc=${PIPESTATUS[0]}
		echo "$rc $(uptime_s)" >/run/pod-vm-root.rc
		say "as root: exit $rc"
	) &
	local root_pid=$!
	# The user: a transient service of its own systemd --user (the user
	# bus, XDG_RUNTIME_DIR, the delegated cgroup subtree).
	say "as $user (systemd user session): e2e.test -test.run '$re' (phase $phase)"
	(
		systemd-run --machine=$user@.host --user --quiet --wait --pipe --collect \
			-p WorkingDirectory=/opt/pod -E POD_BINARY=/opt/pod/bin/pod -E POD_VM_PHASE=$phase \
			/opt/pod/bin/e2e.test "${args[@]}" </dev/null 2>&1 | progress "$res/user$sfx.log" user
		rc=${PIPESTATUS[0]}
		echo "$rc $(uptime_s)" >/run/pod-vm-user.rc
		say "as $user: exit $rc"
	) &
	local user_pid=$!
	wait $root_pid $user_pid
	read -r root_rc root_end </run/pod-vm-root.rc || root_rc=1
	read -r user_rc user_end </run/pod-vm-user.rc || user_rc=1
	echo "tests$sfx: root half $(awk "BEGIN {print ${root_end:-0} - $started}")s, user half $(awk "BEGIN {print ${user_end:-0} - $started}")s, side by side" >>"$res/guest-info"
	[ "$root_rc" = 0 ] && [ "$user_rc" = 0 ]
}

# summary VERDICT: go test's own top-level verdicts, counted, into
# results/summary (a test that spans the reboot counts once per phase).
summary() {
	local ok=$1
	count() {
		local k=$1
		shift
		cat "$@" 2>/dev/null | grep -c "^--- $k:" || true
	}
	local p=0 f=0 s=0 who
	{
		for who in root user; do
			local logs=("$res/$who.log" "$res/$who-after.log")
			echo "$who: $(count PASS "${logs[@]}") passed, $(count FAIL "${logs[@]}") failed, $(count SKIP "${logs[@]}") skipped"
			p=$((p + $(count PASS "${logs[@]}")))
			f=$((f + $(count FAIL "${logs[@]}")))
			s=$((s + $(count SKIP "${logs[@]}")))
		done
		echo "vm: $p passed, $f failed, $s skipped"
		if [ "$ok" = ok ]; then echo "vm-result: ok"; else echo "vm-result: failed ($ok)"; fi
	} >"$res/summary"
	sync
}

if [ "$phase" = after ]; then
	# The second boot: only the tests that span the reboot, phase after.
	echo done >$phase_file
	say "rebooted: tests start after $(uptime_s)s of uptime"
	echo "after the reboot: uptime at test start $(uptime_s)s; from the reboot's request to the tests' start $(($(date +%s) - $(cat "$res/reboot-requested")))s" >>"$res/guest-info"
	systemctl stop docker-registry.service 2>/dev/null || true
	wait_user_manager
	verdict=ok
	run_halves "$(cat "$res/reboot-tests")" -after || verdict="after the reboot: root exit $root_rc, user exit $user_rc"
	before=$(cat "$res/before-verdict")
	if [ "$before" != ok ]; then
		if [ "$verdict" = ok ]; then verdict=$before; else verdict="$before; $verdict"; fi
	fi
	summary "$verdict"
	say "done"
	exit 0
fi
if [ "$phase" != before ] || [ -f "$res/reboot-requested" ]; then
	# A second boot without the phase on disk: the guest's writes did not
	# survive the reboot. Say so rather than run the first phase again.
	say "booted again with phase '$phase' on the guest's disk: the disk lost the writes made before the reboot"
	summary "the guest's disk lost what was written before the reboot (phase '$phase')"
	exit 0
fi

say "tests start after $(uptime_s)s of uptime"
{
	echo "kernel: $(uname -r)"
	echo "systemd: $(systemctl --version | head -1)"
	echo "cgroup fs: $(stat -fc %T /sys/fs/cgroup)"
	echo "controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
	echo "runtimes: $(runc --version | head -1); $(crun --version | head -1)"
	echo "uptime at test start: $(uptime_s)s"
} >"$res/guest-info" 2>&1

# Debian's docker-registry package starts a registry of its own at boot;
# the tests start theirs on free ports, so it only takes CPU from them.
systemctl stop docker-registry.service 2>/dev/null || true

# pod as `make install` installs it (run.sh made the tree): /usr/local/bin,
# the generator, pod-restart.service and the other units for the system and
# the user managers. The tests themselves run the binaries below from the
# local disk, readable and runnable by the plain user.
# (tar keeps the files' modes but not over the directories already there)
tar -C "$share/install" -cf - . | tar -C / -xf - --no-overwrite-dir --no-same-owner
systemctl daemon-reload
install -d -m 0755 /opt/pod/bin
install -m 0755 "$share/bin/pod" "$share/bin/pod-conmon" "$share/bin/pod-systemd-generator" "$share/bin/e2e.test" /opt/pod/bin/
run_re=$(cat "$share/run.txt")

# The plain user as a distribution gives it: lingering, so systemd --user
# runs, with XDG_RUNTIME_DIR=/run/user/UID and a delegated cgroup subtree.
loginctl enable-linger $user
wait_user_manager
{
	echo "CPUs: $(nproc); memory: $(awk '/^MemTotal/ {print int($2/1024) " MiB"}' /proc/meminfo)"
	echo "user $user: uid $uid, subuid $(grep "^$user:" /etc/subuid)"
	echo "user cgroup: $(cat /sys/fs/cgroup/user.slice/user-$uid.slice/user@$uid.service/cgroup.controllers 2>&1)"
} >>"$res/guest-info"

# The tests of the run that span a reboot: the alternatives of the pattern
# (run.sh gives ^(A|B|...)$) that name TestReboot*.
inner=${run_re#^(}
inner=${inner%)\$}
reboot_tests=$(tr '|' '\n' <<<"$inner" | grep '^TestReboot' | paste -sd'|')

# The two halves run at the same time, as forEachUser runs them on the host:
# each test's Env is isolated (own storage, names, ports, subnets), and a
# test spends most of its time waiting on one container, so with two vCPUs
# the guest takes about half as long as one half after the other.
verdict=ok
run_halves "$run_re" "" || verdict="root exit $root_rc, user exit $user_rc"

if [ -z "$reboot_tests" ]; then
	summary "$verdict"
	say "done"
	exit 0
fi

# Reboot, and run the second phase at the next boot. The phase goes to the
# guest's disk (it must survive the reboot for the run to go on), the rest
# to the share.
echo "$verdict" >"$res/before-verdict"
echo "^($reboot_tests)\$" >"$res/reboot-tests"
mkdir -p "$(dirname $phase_file)"
echo after >$phase_file
sync
date +%s >"$res/reboot-requested"
# This boot's unit must not power the guest off when this script ends: a
# drop-in under /run (gone after the reboot) clears its ExecStopPost.
mkdir -p /run/systemd/system/pod-vm-test.service.d
printf '[Service]\nExecStopPost=\n' >/run/systemd/system/pod-vm-test.service.d/reboot.conf
systemctl daemon-reload
say "rebooting for the second phase of: $reboot_tests"
systemctl --no-block reboot
