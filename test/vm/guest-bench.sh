#!/bin/bash
# guest-bench.sh runs inside the VM in place of guest.sh when test/vm/bench.sh
# boots it (pod-vm-test.service, as root, from the share at /mnt/host): the
# benchmark's `run --rm` against crun's floor, `podbench -vm-guest`, as root
# and then as the plain user podtest in its systemd user session. Each writes
# results/ACCOUNT.json for the host; the unit powers the guest off after.
set -u
share=/mnt/host
res=$share/results
user=podtest
say() { echo "POD-VM: $*" >/dev/console; }
rounds=$(cat "$share/rounds")

{
	echo "kernel: $(uname -r); systemd: $(systemctl --version | head -1)"
	echo "cgroup fs: $(stat -fc %T /sys/fs/cgroup); controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
	echo "CPUs: $(nproc); uptime at the bench's start: $(cut -d' ' -f1 /proc/uptime)s"
} >"$res/guest-info" 2>&1

install -d -m 0755 /opt/pod/bin
install -m 0755 "$share/bin/pod" "$share/bin/pod-conmon" "$share/bin/podbench" /opt/pod/bin/

say "bench as root: $rounds rounds"
(cd /opt/pod && /opt/pod/bin/podbench -vm-guest /tmp/root.json -pod /opt/pod/bin/pod -rounds "$rounds") 2>&1 | sed -u 's/^/bench root: /' >/dev/console
cp /tmp/root.json "$res/root.json"

uid=$(id -u $user)
loginctl enable-linger $user
systemctl start user@$uid.service
for _ in $(seq 60); do [ -S /run/user/$uid/bus ] && break; sleep 1; done
say "bench as $user (systemd user session): $rounds rounds"
systemd-run --machine=$user@.host --user --quiet --wait --pipe --collect \
	-p WorkingDirectory=/opt/pod \
	/opt/pod/bin/podbench -vm-guest /tmp/podbench-rootless.json -pod /opt/pod/bin/pod -rounds "$rounds" </dev/null 2>&1 |
	sed -u "s/^/bench $user: /" >/dev/console
cp /tmp/podbench-rootless.json "$res/rootless.json"
sync
say "done"
