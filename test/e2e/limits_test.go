package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Resource limits, proven from inside the container by what its cgroup
// files say (cgroup v1 here) and by what happens when a limit is hit.

// cgroupFile reads a cgroup v1 file of a running container from the host,
// through the container's /proc/PID/cgroup.
func cgroupFile(t *testing.T, e *Env, ctr, controller, file string) string {
	t.Helper()
	pid := out(e.MustPod("inspect", "--format", "{{.State.Pid}}", ctr))
	b, err := os.ReadFile("/proc/" + pid + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && strings.Contains(","+parts[1]+",", ","+controller+",") {
			v, err := os.ReadFile(filepath.Join("/sys/fs/cgroup", parts[1], parts[2], file))
			if err != nil {
				t.Fatal(err)
			}
			return strings.TrimSpace(string(v))
		}
	}
	t.Fatalf("container %s has no %s cgroup", ctr, controller)
	return ""
}

// hostLimits are the HostConfig fields inspect shows for limits.
type hostLimits struct {
	Memory, MemorySwap, MemoryReservation, NanoCpus, CpuQuota, PidsLimit int64
	CpuShares, CpuPeriod                                                 uint64
	CpusetCpus, CgroupParent, Cgroups, CgroupManager                     string
	OomScoreAdj                                                          int
	OomKillDisable                                                       bool
}

func inspectLimits(t *testing.T, e *Env, ctr string) hostLimits {
	t.Helper()
	var docs []struct{ HostConfig hostLimits }
	if err := json.Unmarshal([]byte(e.MustPod("inspect", ctr).Stdout), &docs); err != nil || len(docs) != 1 {
		t.Fatalf("inspect %s: %v", ctr, err)
	}
	return docs[0].HostConfig
}

// ownMemoryCgroup is the memory cgroup (v1) this test process is in.
func ownMemoryCgroup(t *testing.T) string {
	t.Helper()
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(self), "\n") {
		if p := strings.SplitN(line, ":", 3); len(p) == 3 && p[1] == "memory" {
			return strings.TrimSuffix(p[2], "/")
		}
	}
	t.Fatal("no memory cgroup in /proc/self/cgroup")
	return ""
}

// warnedOnce fails t unless stderr is podman's one line about limits a
// rootless container on cgroup v1 does not get.
func warnedOnce(t *testing.T, r *Result) {
	t.Helper()
	if strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "Resource limits are not supported and ignored on cgroups V1 rootless systems") {
		t.Errorf("pod %s: stderr %q, want one warning line", strings.Join(r.Args, " "), r.Stderr)
	}
}

func TestLimitsCgroupFiles(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		if noRootlessCgroups(e) {
			// A plain user on cgroup v1 has no cgroup to limit: one
			// warning, and the container runs unlimited in pod's own
			// cgroups, as podman's does.
			r := e.MustPod("run", "--name", "lim", "--memory", "64m", "--memory-swap", "96m", "--cpus", "0.5", "--cpu-shares", "512",
				"--pids-limit", "50", img, "sh", "-c", "cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes cpu/cpu.shares; grep :memory: /proc/self/cgroup")
			warnedOnce(t, r)
			if got := r.Lines(); len(got) != 3 || got[0] == "67108864" || got[1] == "512" || !strings.HasSuffix(strings.TrimSuffix(got[2], "/"), ":memory:"+ownMemoryCgroup(t)) {
				t.Errorf("inside a rootless container: %q, want no limits and pod's own memory cgroup %s", got, ownMemoryCgroup(t))
			}
			if l := inspectLimits(t, e, "lim"); l.Memory != 0 || l.NanoCpus != 0 || l.CpuShares != 0 || l.PidsLimit != 0 {
				t.Errorf("inspect shows limits the container does not have: %+v", l)
			}
			return
		}
		r := e.MustPod("run", "--name", "lim", "--memory", "64m", "--memory-swap", "96m", "--memory-reservation", "32m",
			"--cpus", "0.5", "--cpu-shares", "512", "--cpuset-cpus", "0", "--cpuset-mems", "0", "--pids-limit", "50",
			"--oom-kill-disable", img, "sh", "-c", `cd /sys/fs/cgroup; for f in memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes \
memory/memory.soft_limit_in_bytes cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpu/cpu.shares cpuset/cpuset.cpus cpuset/cpuset.mems pids/pids.max; do echo "$f=$(cat $f)"; done; \
grep oom_kill_disable memory/memory.oom_control`)
		want := []string{
			"memory/memory.limit_in_bytes=67108864", "memory/memory.memsw.limit_in_bytes=100663296",
			"memory/memory.soft_limit_in_bytes=33554432", "cpu/cpu.cfs_quota_us=50000", "cpu/cpu.cfs_period_us=100000",
			"cpu/cpu.shares=512", "cpuset/cpuset.cpus=0", "cpuset/cpuset.mems=0", "pids/pids.max=50", "oom_kill_disable 1",
		}
		if got := r.Lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("cgroup files inside the container:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		l := inspectLimits(t, e, "lim")
		if l.Memory != 64<<20 || l.MemorySwap != 96<<20 || l.MemoryReservation != 32<<20 || l.NanoCpus != 5e8 || l.CpuShares != 512 ||
			l.CpusetCpus != "0" || l.PidsLimit != 50 || !l.OomKillDisable || l.Cgroups != "enabled" || l.CgroupManager != "cgroupfs" {
			t.Errorf("inspect HostConfig: %+v", l)
		}
		// Default swap: as much again as memory (Docker's rule).
		if got := out(e.MustPod("run", "--rm", "-m", "32m", img, "cat", "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")); got != "67108864" {
			t.Errorf("default memory+swap %s, want twice --memory", got)
		}
		// --cpu-quota and --cpu-period directly.
		if got := out(e.MustPod("run", "--rm", "--cpu-period", "50000", "--cpu-quota", "25000", img, "cat", "/sys/fs/cgroup/cpu/cpu.cfs_period_us", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us")); got != "50000\n25000" {
			t.Errorf("period/quota: %q", got)
		}
		// The container's cgroup sits under pod's own (here a memory
		// cgroup of the session), or under --cgroup-parent.
		selfMem := ownMemoryCgroup(t)
		r = e.MustPod("run", "--rm", "--cgroup-parent", "/podtest-parent", "-m", "16m", img, "grep", "memory", "/proc/self/cgroup")
		if !strings.Contains(out(r), ":memory:/podtest-parent/pod-") {
			t.Errorf("--cgroup-parent: %q", r.Stdout)
		}
		os.Remove("/sys/fs/cgroup/memory/podtest-parent")
		for _, c := range []string{"pids", "cpu", "cpuacct", "cpuset", "blkio", "devices", "freezer", "name=systemd"} {
			os.Remove(filepath.Join("/sys/fs/cgroup", strings.TrimPrefix(c, "name="), "podtest-parent"))
		}
		r = e.MustPod("run", "--rm", img, "grep", "memory", "/proc/self/cgroup")
		if !strings.Contains(out(r), ":memory:"+selfMem+"/pod/pod-") {
			t.Errorf("default cgroup %q, want under pod's own %s", r.Stdout, selfMem)
		}
	})
}

func TestLimitsHit(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		// A fork bomb stops at --pids-limit: the fork that would make the
		// 21st process fails (busybox sh then gives up, exit 2); the same
		// forks under a higher limit succeed.
		bomb := `i=0; while [ $i -lt 40 ]; do sleep 2 & i=$((i+1)); echo $i > /tmp/n; done; wait`
		if noRootlessCgroups(e) {
			// Without a cgroup no limit is hit: the forks all succeed
			// past --pids-limit after the warning. (No memory eater
			// runs here: unlimited, it would eat the host's memory.)
			warnedOnce(t, e.MustPod("run", "--rm", "--pids-limit", "20", img, "sh", "-c", bomb))
			e.MustPod("run", "-d", "--name", "killed", img, "sleep", "1000")
			e.MustPod("kill", "killed")
			e.MustPod("wait", "killed")
			if got := out(e.MustPod("inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", "killed")); got != "false 137" {
				t.Errorf("killed: %q, want false 137", got)
			}
			return
		}
		// Memory: tail buffers /dev/zero (no newline ever) until the OOM
		// killer ends it.
		r := e.Pod("run", "--name", "oom", "-m", "10m", img, "tail", "/dev/zero")
		if r.Code != 137 {
			t.Fatalf("over its memory limit: exit %d, want 137\n%s", r.Code, r.Stderr)
		}
		if got := out(e.MustPod("inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", "oom")); got != "true 137" {
			t.Errorf("inspect OOMKilled ExitCode = %q, want true 137", got)
		}
		// Not every SIGKILL is the OOM killer.
		e.MustPod("run", "-d", "--name", "killed", "-m", "64m", img, "sleep", "1000")
		e.MustPod("kill", "killed")
		e.MustPod("wait", "killed")
		if got := out(e.MustPod("inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", "killed")); got != "false 137" {
			t.Errorf("self-killed: %q, want false 137", got)
		}
		r = e.Pod("run", "--name", "bomb", "--pids-limit", "20", img, "sh", "-c", bomb)
		if r.Code != 2 || !strings.Contains(r.Stderr, "can't fork") {
			t.Errorf("40 forks under --pids-limit 20: exit %d, stderr %q; want 2 and can't fork", r.Code, r.Stderr)
		}
		e.MustPod("run", "--rm", "--pids-limit", "100", img, "sh", "-c", bomb)
	})
}

func TestLimitsBestEffortAndRefused(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		if got := out(e.MustPod("run", "--rm", "--oom-score-adj", "300", img, "cat", "/proc/self/oom_score_adj")); got != "300" {
			t.Errorf("--oom-score-adj 300: %q", got)
		}
		// Lowering needs CAP_SYS_RESOURCE, which root lacks on this host:
		// one warning, and the container runs with pod's own value.
		own, _ := os.ReadFile("/proc/self/oom_score_adj")
		r := e.MustPod("run", "--rm", "--oom-score-adj", "-500", img, "cat", "/proc/self/oom_score_adj")
		if out(r) == "-500" {
			t.Log("this host lets root lower oom_score_adj")
		} else if out(r) != strings.TrimSpace(string(own)) || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "cannot set oom_score_adj to -500") {
			t.Errorf("--oom-score-adj -500: stdout %q stderr %q", r.Stdout, r.Stderr)
		}
		e.Pod("run", "--rm", "--cgroups", "disabled", img, "true").Fails(t, 125, "--cgroups=disabled is not supported")
		e.Pod("run", "--rm", "--cgroups", "sometimes", img, "true").Fails(t, 125, "invalid --cgroups")
		e.MustPod("run", "--rm", "--cgroups", "no-conmon", img, "true")
		e.Pod("--cgroup-manager", "systemd", "run", "--rm", img, "true").Fails(t, 125, "systemd")
		e.Pod("run", "--rm", "-m", "1m", img, "true").Fails(t, 125, "minimum memory limit allowed is 6MB")
		e.Pod("run", "--rm", "--memory-swap", "1g", img, "true").Fails(t, 125, "--memory-swap needs --memory")
		e.Pod("run", "--rm", "--cpus", "64", img, "true").Fails(t, 125, "range of CPUs")
		e.Pod("run", "--rm", "--oom-score-adj", "2000", img, "true").Fails(t, 125, "between -1000 and 1000")
		if got := e.MustPod("rm", "-a").Stdout; got != "" {
			t.Errorf("refused runs left containers: %q", got)
		}
	})
}

func TestUpdate(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		if noRootlessCgroups(e) {
			// Nothing to update without a cgroup: refused, not pretended,
			// and the running container is left as it was.
			id := out(e.MustPod("run", "-d", img, "sleep", "1000"))
			e.Pod("update", "-m", "128m", "--pids-limit", "200", id).Fails(t, 125, "Resource limits are not supported and ignored on cgroups V1 rootless systems")
			if l := inspectLimits(t, e, id); l.Memory != 0 || l.PidsLimit != 0 {
				t.Errorf("inspect after a refused update: %+v", l)
			}
			if got := out(e.MustPod("inspect", "--format", "{{.State.Status}}", id)); got != "running" {
				t.Errorf("after a refused update the container is %s", got)
			}
			return
		}
		ctl := e.Path("ctl")
		if err := os.Mkdir(ctl, 0o755); err != nil {
			t.Fatal(err)
		}
		id := out(e.MustPod("run", "-d", "-m", "64m", "--pids-limit", "50", "-v", ctl+":/ctl", img, "sh", "-c", "while [ ! -e /ctl/stop ]; do sleep 0.1; done"))
		if got := out(e.MustPod("update", "-m", "128m", "--memory-swap", "256m", "--pids-limit", "200", "--cpus", "1.5", "--cpu-shares", "256", id)); got != id {
			t.Errorf("update printed %q, want the ID", got)
		}
		for _, c := range []struct{ ctrl, file, want string }{
			{"memory", "memory.limit_in_bytes", "134217728"},
			{"memory", "memory.memsw.limit_in_bytes", "268435456"},
			{"pids", "pids.max", "200"},
			{"cpu", "cpu.cfs_quota_us", "150000"},
			{"cpu", "cpu.shares", "256"},
		} {
			if got := cgroupFile(t, e, id, c.ctrl, c.file); got != c.want {
				t.Errorf("after update %s = %s, want %s", c.file, got, c.want)
			}
		}
		// Only what was named changes; the new limits are kept.
		e.MustPod("update", "--pids-limit", "-1", id)
		if got := cgroupFile(t, e, id, "pids", "pids.max"); got != "max" {
			t.Errorf("pids.max after --pids-limit -1: %s", got)
		}
		if got := cgroupFile(t, e, id, "memory", "memory.limit_in_bytes"); got != "134217728" {
			t.Errorf("memory changed by an update of pids: %s", got)
		}
		if l := inspectLimits(t, e, id); l.Memory != 128<<20 || l.PidsLimit != -1 || l.NanoCpus != 15e8 {
			t.Errorf("inspect after update: %+v", l)
		}
		os.WriteFile(filepath.Join(ctl, "stop"), nil, 0o644)
		e.MustPod("wait", id)
		os.Remove(filepath.Join(ctl, "stop"))
		// A stopped container gets the new limits at its next start.
		e.MustPod("update", "-m", "48m", id)
		e.MustPod("start", id)
		if got := cgroupFile(t, e, id, "memory", "memory.limit_in_bytes"); got != "50331648" {
			t.Errorf("after update while stopped and start: %s", got)
		}
		os.WriteFile(filepath.Join(ctl, "stop"), nil, 0o644)
		e.MustPod("wait", id)
		e.Pod("update", id).Fails(t, 125, "nothing to update")
		e.Pod("update", "-m", "1m", id).Fails(t, 125, "minimum memory")
		e.Pod("update", "-m", "64m", "nosuch").Fails(t, 125, "no such container")
	})
}

// TestLimitsRootless checks that a plain user on cgroup v1 gets one
// warning line, podman's, and a container without the limits, rather than
// a pretence.
func TestLimitsRootless(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		if !e.Rootless() {
			t.Skip("rootless only")
		}
		if _, err := os.Stat("/sys/fs/cgroup/memory"); err != nil {
			t.Skip("not a cgroup v1 host")
		}
		img := pulled(t, e)
		r := e.MustPod("run", "--rm", "-m", "64m", "--pids-limit", "10", img, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
		if strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "Resource limits are not supported and ignored on cgroups V1 rootless systems") {
			t.Errorf("stderr %q, want one warning line", r.Stderr)
		}
		if out(r) == "67108864" {
			t.Error("the limit was applied after all: the warning lies")
		}
		if r := e.MustPod("run", "--rm", img, "true"); r.Stderr != "" {
			t.Errorf("a run without limits warned: %q", r.Stderr)
		}
		id := out(e.MustPod("create", img, "true"))
		e.Pod("update", "-m", "64m", id).Fails(t, 125, "Resource limits are not supported")
	})
}

// TestLimitsDeviceThrottle: --device-read-bps and its kin write the block
// device's throttle into the container's blkio cgroup; rootless on cgroup
// v1 they warn once and are ignored, as the other limits.
func TestLimitsDeviceThrottle(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		var st syscall.Stat_t
		if err := syscall.Stat("/dev/loop0", &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFBLK {
			t.Skip("no block device /dev/loop0 on this host")
		}
		dev := fmt.Sprintf("%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
		flags := []string{"--device-read-bps", "/dev/loop0:1mb", "--device-write-bps", "/dev/loop0:2mb",
			"--device-read-iops", "/dev/loop0:100", "--device-write-iops", "/dev/loop0:200"}
		if noRootlessCgroups(e) {
			r := e.MustPod(append(append([]string{"run", "--rm"}, flags...), img, "true")...)
			warnedOnce(t, r)
			return
		}
		e.MustPod(append(append([]string{"run", "-d", "--name", "fl-io"}, flags...), img, "sleep", "1000")...)
		for file, want := range map[string]string{
			"blkio.throttle.read_bps_device":   dev + " 1048576",
			"blkio.throttle.write_bps_device":  dev + " 2097152",
			"blkio.throttle.read_iops_device":  dev + " 100",
			"blkio.throttle.write_iops_device": dev + " 200",
		} {
			if got := cgroupFile(t, e, "fl-io", "blkio", file); got != want {
				t.Errorf("%s = %q, want %q", file, got, want)
			}
		}
		e.Pod("run", "--rm", "--device-read-bps", "/dev/null:1mb", img, "true").Fails(t, 125, "/dev/null is not a block device")
		e.Pod("run", "--rm", "--device-read-iops", "/dev/loop0:lots", img, "true").Fails(t, 125, "the rate must be a number")
	})
}
