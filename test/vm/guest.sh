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

# The binaries on the local disk, readable and runnable by the plain user.
install -d -m 0755 /opt/pod/bin
install -m 0755 "$share/bin/pod" "$share/bin/pod-conmon" "$share/bin/pod-systemd-generator" "$share/bin/e2e.test" /opt/pod/bin/
run_re=$(cat "$share/run.txt")
args=(-test.run "$run_re" -test.v -test.count=1 -test.timeout 40m)

# Root: the root half of every test. The rootless half runs below, in the
# user's own session, not as root's setuid child.
say "as root: e2e.test -test.run '$run_re'"
# progress copies go test's top-level verdicts to the console as they come.
progress() { tee "$1" | grep --line-buffered -E '^(--- |ok|FAIL|PASS|panic)' >/dev/console; }
(cd /opt/pod && POD_BINARY=/opt/pod/bin/pod POD_TEST_USER=- /opt/pod/bin/e2e.test "${args[@]}") 2>&1 | progress "$res/root.log"
root_rc=${PIPESTATUS[0]}
say "as root: exit $root_rc"

# The plain user as a distribution gives it: lingering, so systemd --user
# runs, with XDG_RUNTIME_DIR=/run/user/UID and a delegated cgroup subtree.
uid=$(id -u $user)
loginctl enable-linger $user
systemctl start user@$uid.service
for _ in $(seq 60); do [ -S /run/user/$uid/bus ] && break; sleep 1; done
{
	echo "user $user: uid $uid, subuid $(grep "^$user:" /etc/subuid)"
	echo "user cgroup: $(cat /sys/fs/cgroup/user.slice/user-$uid.slice/user@$uid.service/cgroup.controllers 2>&1)"
} >>"$res/guest-info"
say "as $user (systemd user session): e2e.test -test.run '$run_re'"
systemd-run --machine=$user@.host --user --quiet --wait --pipe --collect \
	-p WorkingDirectory=/opt/pod -E POD_BINARY=/opt/pod/bin/pod \
	/opt/pod/bin/e2e.test "${args[@]}" </dev/null 2>&1 | progress "$res/user.log"
user_rc=${PIPESTATUS[0]}
say "as $user: exit $user_rc"

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
