#!/bin/bash
# guest.sh runs inside the VM (pod-vm-test.service, as root) from the host's
# share at /mnt/host: the e2e tests as root, then as the plain user podtest
# inside its systemd user session, and writes results/ for the host. The
# unit powers the guest off when this script ends.
set -u
share=/mnt/host
res=$share/results
user=podtest
say() { echo "POD-VM: $*" >/dev/console; }

say "tests start after $(cut -d' ' -f1 /proc/uptime)s of uptime"
{
	echo "kernel: $(uname -r)"
	echo "systemd: $(systemctl --version | head -1)"
	echo "cgroup fs: $(stat -fc %T /sys/fs/cgroup)"
	echo "controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
	echo "runtimes: $(runc --version | head -1); $(crun --version | head -1)"
	echo "uptime at test start: $(cut -d' ' -f1 /proc/uptime)s"
} >"$res/guest-info" 2>&1

# Debian's docker-registry package starts a registry of its own at boot;
# the tests start theirs on free ports, so it only takes CPU from them.
systemctl stop docker-registry.service 2>/dev/null || true

# The binaries on the local disk, readable and runnable by the plain user.
install -d -m 0755 /opt/pod/bin
install -m 0755 "$share/bin/pod" "$share/bin/pod-conmon" "$share/bin/pod-systemd-generator" "$share/bin/e2e.test" /opt/pod/bin/
run_re=$(cat "$share/run.txt")
args=(-test.run "$run_re" -test.v -test.count=1 -test.timeout "$(cat "$share/test-timeout")")

# The plain user as a distribution gives it: lingering, so systemd --user
# runs, with XDG_RUNTIME_DIR=/run/user/UID and a delegated cgroup subtree.
uid=$(id -u $user)
loginctl enable-linger $user
systemctl start user@$uid.service
for _ in $(seq 60); do [ -S /run/user/$uid/bus ] && break; sleep 1; done
{
	echo "CPUs: $(nproc); memory: $(awk '/^MemTotal/ {print int($2/1024) " MiB"}' /proc/meminfo)"
	echo "user $user: uid $uid, subuid $(grep "^$user:" /etc/subuid)"
	echo "user cgroup: $(cat /sys/fs/cgroup/user.slice/user-$uid.slice/user@$uid.service/cgroup.controllers 2>&1)"
} >>"$res/guest-info"

# The two halves run at the same time, as forEachUser runs them on the host:
# each test's Env is isolated (own storage, names, ports, subnets), and a
# test spends most of its time waiting on one container, so with two vCPUs
# the guest takes about half as long as one half after the other.
# progress copies go test's top-level verdicts to the console as they come.
progress() { tee "$1" | grep --line-buffered -E '^(--- |ok|FAIL|PASS|panic)' | sed -u "s/^/$2: /" >/dev/console; }
started=$(cut -d' ' -f1 /proc/uptime)

# Root: the root half of every test. The rootless half is the user's own,
# in its session, not root's setuid child.
say "as root: e2e.test -test.run '$run_re'"
(
	cd /opt/pod && POD_BINARY=/opt/pod/bin/pod POD_TEST_USER=- /opt/pod/bin/e2e.test "${args[@]}" 2>&1 | progress "$res/root.log" root
	rc=${PIPESTATUS[0]}
	echo "$rc $(cut -d' ' -f1 /proc/uptime)" >/run/pod-vm-root.rc
	say "as root: exit $rc"
) &
root_pid=$!

# The user: a transient service of its own systemd --user (the user bus,
# XDG_RUNTIME_DIR, the delegated cgroup subtree).
say "as $user (systemd user session): e2e.test -test.run '$run_re'"
(
	systemd-run --machine=$user@.host --user --quiet --wait --pipe --collect \
		-p WorkingDirectory=/opt/pod -E POD_BINARY=/opt/pod/bin/pod \
		/opt/pod/bin/e2e.test "${args[@]}" </dev/null 2>&1 | progress "$res/user.log" user
	rc=${PIPESTATUS[0]}
	echo "$rc $(cut -d' ' -f1 /proc/uptime)" >/run/pod-vm-user.rc
	say "as $user: exit $rc"
) &
user_pid=$!
wait $root_pid $user_pid
read -r root_rc root_end </run/pod-vm-root.rc || root_rc=1
read -r user_rc user_end </run/pod-vm-user.rc || user_rc=1
echo "tests: root half $(awk "BEGIN {print ${root_end:-0} - $started}")s, user half $(awk "BEGIN {print ${user_end:-0} - $started}")s, side by side" >>"$res/guest-info"

# The summary: go test's own top-level verdicts, counted.
count() { grep -c "^--- $2:" "$res/$1.log" || true; }
{
	for who in root user; do
		echo "$who: $(count $who PASS) passed, $(count $who FAIL) failed, $(count $who SKIP) skipped"
	done
	p=$(($(count root PASS) + $(count user PASS)))
	f=$(($(count root FAIL) + $(count user FAIL)))
	s=$(($(count root SKIP) + $(count user SKIP)))
	echo "vm: $p passed, $f failed, $s skipped"
	if [ $root_rc = 0 ] && [ $user_rc = 0 ]; then echo "vm-result: ok"; else echo "vm-result: failed (root exit $root_rc, user exit $user_rc)"; fi
} >"$res/summary"
sync
say "done"
