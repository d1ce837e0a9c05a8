package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Resource limits, proven by what the container's cgroup files say and by
// what happens when a limit is hit. The files differ between cgroup v1 (a
// hierarchy per controller: memory.limit_in_bytes, cpu.cfs_quota_us) and
// v2 (one unified hierarchy: memory.max, cpu.max); each test reads the
// ones of the host it runs on (hostCgroupV2), never assuming either.

// containerCgroup is the directory on the host of the cgroup of a running
// container that holds controller's files (v1), or its one cgroup (v2),
// read from the container's /proc/PID/cgroup.
func containerCgroup(t *testing.T, e *Env, ctr, controller string) string {
	t.Helper()
	pid := out(e.MustPod("inspect", "--format", "{{.State.Pid}}", ctr))
	return cgroupDir(t, "/proc/"+pid+"/cgroup", controller)
}

// cgroupDir reads a /proc/PID/cgroup file: the host directory of the
// process's controller cgroup on v1, of its unified cgroup on v2.
func cgroupDir(t *testing.T, procFile, controller string) string {
	t.Helper()
	b, err := os.ReadFile(procFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if hostCgroupV2() && parts[0] == "0" && parts[1] == "" {
			return filepath.Join("/sys/fs/cgroup", parts[2])
		}
		if !hostCgroupV2() && strings.Contains(","+parts[1]+",", ","+controller+",") {
			return filepath.Join("/sys/fs/cgroup", parts[1], parts[2])
		}
	}
	t.Fatalf("%s names no %s cgroup", procFile, controller)
	return ""
}

// cgroupFile reads one file of a running container's cgroup from the host:
// controller is the v1 hierarchy it lives in (ignored on v2).
func cgroupFile(t *testing.T, e *Env, ctr, controller, file string) string {
	t.Helper()
	v, err := os.ReadFile(filepath.Join(containerCgroup(t, e, ctr, controller), file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(v))
}

// cgroupPath is this process's cgroup as /proc/self/cgroup names it: the
// memory controller's on v1, the unified one on v2.
func cgroupPath(t *testing.T, procFile string) string {
	t.Helper()
	return strings.TrimSuffix(strings.TrimPrefix(cgroupDir(t, procFile, "memory"), "/sys/fs/cgroup"+v1Dir("memory")), "/")
}

// v1Dir is the hierarchy directory a v1 controller's cgroups live under
// (/memory); "" on v2.
func v1Dir(controller string) string {
	if hostCgroupV2() {
		return ""
	}
	return "/" + controller
}

// limitCheck is one limit as a cgroup file holds it: the v1 controller
// and file, the v2 file, and the value each holds.
type limitCheck struct {
	ctrl, v1File, v1Want string
	v2File, v2Want       string // "" when v2 has no such file
}

// check compares a running container's cgroup files with the limits.
func checkLimits(t *testing.T, e *Env, ctr string, checks []limitCheck) {
	t.Helper()
	for _, c := range checks {
		file, want := c.v1File, c.v1Want
		if hostCgroupV2() {
			file, want = c.v2File, c.v2Want
		}
		if file == "" {
			continue
		}
		if got := cgroupFile(t, e, ctr, c.ctrl, file); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
}

// swapLimited reports whether a container's cgroup (dir) has a memory+swap
// limit: only with swap accounting, which some kernels leave off.
func swapLimited(dir string) bool {
	f := "memory.memsw.limit_in_bytes"
	if hostCgroupV2() {
		f = "memory.swap.max"
	}
	_, err := os.Stat(filepath.Join(dir, f))
	return err == nil
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

// ownMemoryCgroup is this test process's cgroup: its memory cgroup on v1,
// its unified one on v2.
func ownMemoryCgroup(t *testing.T) string {
	t.Helper()
	return cgroupPath(t, "/proc/self/cgroup")
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
		args := []string{"run", "-d", "--name", "lim", "--memory", "64m", "--memory-swap", "96m", "--memory-reservation", "32m",
			"--cpus", "0.5", "--cpu-shares", "512", "--cpuset-cpus", "0", "--cpuset-mems", "0", "--pids-limit", "50"}
		if !hostCgroupV2() {
			// cgroup v2 has no switch for the OOM killer.
			args = append(args, "--oom-kill-disable")
		}
		e.MustPod(append(args, img, "sleep", "1000")...)
		checks := []limitCheck{
			{"memory", "memory.limit_in_bytes", "67108864", "memory.max", "67108864"},
			{"memory", "memory.soft_limit_in_bytes", "33554432", "memory.low", "33554432"},
			{"cpu", "cpu.cfs_quota_us", "50000", "cpu.max", "50000 100000"},
			{"cpu", "cpu.cfs_period_us", "100000", "", ""},
			// v2's cpu.weight is converted from the shares by a formula
			// that differs between runtime versions: checked below.
			{"cpu", "cpu.shares", "512", "", ""},
			{"pids", "pids.max", "50", "pids.max", "50"},
		}
		hasSwap := swapLimited(containerCgroup(t, e, "lim", "memory"))
		if hasSwap {
			// v1 holds memory+swap, v2 the swap alone.
			checks = append(checks, limitCheck{"memory", "memory.memsw.limit_in_bytes", "100663296", "memory.swap.max", "33554432"})
		}
		if _, err := os.Stat(filepath.Join(containerCgroup(t, e, "lim", "cpuset"), "cpuset.cpus")); err == nil {
			checks = append(checks, limitCheck{"cpuset", "cpuset.cpus", "0", "cpuset.cpus", "0"}, limitCheck{"cpuset", "cpuset.mems", "0", "cpuset.mems", "0"})
		} else if !hostCgroupV2() {
			t.Errorf("no cpuset.cpus in the container's cpuset cgroup: %v", err)
		}
		checkLimits(t, e, "lim", checks)
		if hostCgroupV2() {
			if w := cgroupFile(t, e, "lim", "cpu", "cpu.weight"); w == "100" {
				t.Errorf("cpu.weight is the default 100 despite --cpu-shares 512")
			}
		} else if got := cgroupFile(t, e, "lim", "memory", "memory.oom_control"); !strings.Contains(got, "oom_kill_disable 1") {
			t.Errorf("memory.oom_control %q, want oom_kill_disable 1", got)
		}
		// The process inside sees its own limit where its cgroup is mounted.
		inside := "/sys/fs/cgroup/memory/memory.limit_in_bytes"
		if hostCgroupV2() {
			inside = "/sys/fs/cgroup/memory.max"
		}
		if got := out(e.MustPod("exec", "lim", "cat", inside)); got != "67108864" {
			t.Errorf("%s inside the container: %q", inside, got)
		}
		l := inspectLimits(t, e, "lim")
		if l.Memory != 64<<20 || l.MemorySwap != 96<<20 || l.MemoryReservation != 32<<20 || l.NanoCpus != 5e8 || l.CpuShares != 512 ||
			l.CpusetCpus != "0" || l.PidsLimit != 50 || l.OomKillDisable == hostCgroupV2() || l.Cgroups != "enabled" || l.CgroupManager != defaultCgroupManager(e) {
			t.Errorf("inspect HostConfig: %+v", l)
		}
		e.MustPod("rm", "-f", "-t", "0", "lim")
		// Default swap: as much again as memory (Docker's rule).
		swapFile, swapWant := "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", "67108864"
		if hostCgroupV2() {
			swapFile, swapWant = "/sys/fs/cgroup/memory.swap.max", "33554432"
		}
		if got := out(e.MustPod("run", "--rm", "-m", "32m", img, "sh", "-c", "cat "+swapFile+" 2>/dev/null || echo none")); hasSwap && got != swapWant {
			t.Errorf("default swap %s = %s, want %s (twice --memory in all)", swapFile, got, swapWant)
		}
		// --cpu-quota and --cpu-period directly.
		cpuCmd, cpuWant := "cat /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.cfs_quota_us", "50000\n25000"
		if hostCgroupV2() {
			cpuCmd, cpuWant = "cat /sys/fs/cgroup/cpu.max", "25000 50000"
		}
		if got := out(e.MustPod("run", "--rm", "--cpu-period", "50000", "--cpu-quota", "25000", img, "sh", "-c", cpuCmd)); got != cpuWant {
			t.Errorf("period/quota: %q, want %q", got, cpuWant)
		}
		// Where the container's cgroup goes. cgroup v1: under pod's own
		// (here the test's), or under --cgroup-parent. cgroup v2: /pod
		// from the hierarchy's root as root (podman's cgroupfs layout);
		// rootless in the user's delegated subtree (user@UID.service),
		// --cgroup-parent too. On v2 the container has a cgroup
		// namespace of its own, so its cgroup is read from the host.
		// The cgroupfs manager's layout; the systemd manager's is
		// TestCgroupManagerSystemd's.
		cgfs := []string{"--cgroup-manager", "cgroupfs"}
		e.MustPod(append(cgfs, "run", "-d", "--name", "default", img, "sleep", "1000")...)
		got := strings.TrimPrefix(containerCgroup(t, e, "default", "memory"), "/sys/fs/cgroup"+v1Dir("memory"))
		e.MustPod("rm", "-f", "-t", "0", "default")
		base, want := "", ownMemoryCgroup(t)+"/pod/pod-"
		if hostCgroupV2() {
			if e.Rootless() {
				svc := "/user@" + strconv.Itoa(e.uid) + ".service"
				if i := strings.Index(got, svc+"/"); i >= 0 {
					base = got[:i+len(svc)]
				}
			}
			want = base + "/pod/pod-"
		}
		if !strings.HasPrefix(got, want) || (e.Rootless() && hostCgroupV2() && base == "") {
			t.Errorf("default cgroup %s, want under %s (rootless: in user@%d.service)", got, want, e.uid)
		}
		e.MustPod(append(cgfs, "run", "-d", "--name", "parented", "--cgroup-parent", "/podtest-parent", "-m", "16m", img, "sleep", "1000")...)
		if got := strings.TrimPrefix(containerCgroup(t, e, "parented", "memory"), "/sys/fs/cgroup"+v1Dir("memory")); !strings.HasPrefix(got, base+"/podtest-parent/pod-") {
			t.Errorf("--cgroup-parent: the container's cgroup is %s, want in %s/podtest-parent", got, base)
		}
		e.MustPod("rm", "-f", "-t", "0", "parented")
		if hostCgroupV2() {
			os.Remove("/sys/fs/cgroup" + base + "/podtest-parent")
		} else {
			for _, c := range []string{"memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "devices", "freezer", "name=systemd"} {
				os.Remove(filepath.Join("/sys/fs/cgroup", strings.TrimPrefix(c, "name="), "podtest-parent"))
			}
		}
	})
}

func TestLimitsHit(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		// A fork bomb stops at --pids-limit: the fork that would make the
		// 21st process fails (busybox sh then gives up, exit 2); the same
		// forks under a higher limit succeed. The children live until the
		// container ends (its init's exit kills them): with short-lived
		// ones, a machine slow enough to fork less than one per 1/20 of
		// their life never has 20 at once.
		bomb := `i=0; while [ $i -lt 40 ]; do sleep 1000 & i=$((i+1)); echo $i > /tmp/n; done`
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
		e.Pod("run", "--rm", "--cgroups", "sometimes", img, "true").Fails(t, 125, "invalid --cgroups")
		e.MustPod("run", "--rm", "--cgroups", "no-conmon", img, "true")
		if !systemdRunning() {
			e.Pod("--cgroup-manager", "systemd", "run", "--rm", img, "true").Fails(t, 125, "systemd is not running on this host")
		}
		e.Pod("--cgroup-manager", "upstart", "run", "--rm", img, "true").Fails(t, 125, "invalid --cgroup-manager \"upstart\"")
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
		memory := limitCheck{"memory", "memory.limit_in_bytes", "134217728", "memory.max", "134217728"}
		checks := []limitCheck{
			memory,
			{"pids", "pids.max", "200", "pids.max", "200"},
			{"cpu", "cpu.cfs_quota_us", "150000", "cpu.max", "150000 100000"},
			{"cpu", "cpu.shares", "256", "", ""},
		}
		if swapLimited(containerCgroup(t, e, id, "memory")) {
			checks = append(checks, limitCheck{"memory", "memory.memsw.limit_in_bytes", "268435456", "memory.swap.max", "134217728"})
		}
		checkLimits(t, e, id, checks)
		// Only what was named changes; the new limits are kept.
		e.MustPod("update", "--pids-limit", "-1", id)
		checkLimits(t, e, id, []limitCheck{memory, {"pids", "pids.max", "max", "pids.max", "max"}})
		if l := inspectLimits(t, e, id); l.Memory != 128<<20 || l.PidsLimit != -1 || l.NanoCpus != 15e8 {
			t.Errorf("inspect after update: %+v", l)
		}
		os.WriteFile(filepath.Join(ctl, "stop"), nil, 0o644)
		e.MustPod("wait", id)
		os.Remove(filepath.Join(ctl, "stop"))
		// A stopped container gets the new limits at its next start.
		e.MustPod("update", "-m", "48m", id)
		e.MustPod("start", id)
		checkLimits(t, e, id, []limitCheck{{"memory", "memory.limit_in_bytes", "50331648", "memory.max", "50331648"}})
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

// TestCgroupNS: --cgroupns private gives the container a cgroup namespace
// of its own, whose root is its cgroup ("/" in /proc/self/cgroup); host
// shows the host's paths. The default is private on cgroup v2, host on v1
// (Docker's and podman's), and inspect says which.
func TestCgroupNS(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		// Every line of /proc/self/cgroup ends with ":/" exactly when the
		// container sees its own cgroup as the root.
		allRoot := func(out string) bool {
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				if !strings.HasSuffix(l, ":/") {
					return false
				}
			}
			return out != ""
		}
		priv := e.MustPod("run", "--name", "priv", "--cgroupns", "private", img, "cat", "/proc/self/cgroup").Stdout
		if !allRoot(priv) {
			t.Errorf("--cgroupns private: /proc/self/cgroup is\n%s\nwant / in every line", priv)
		}
		host := e.MustPod("run", "--name", "host", "--cgroupns=host", img, "cat", "/proc/self/cgroup").Stdout
		if allRoot(host) {
			t.Errorf("--cgroupns host: /proc/self/cgroup is\n%s\nwant the host's paths", host)
		}
		def := "host"
		if hostCgroupV2() {
			def = "private"
		}
		e.MustPod("create", "--name", "dflt", img, "true")
		for name, want := range map[string]string{"priv": "private", "host": "host", "dflt": def} {
			if got := out(e.MustPod("inspect", "--format", "{{.HostConfig.CgroupMode}}", name)); got != want {
				t.Errorf("inspect %s: CgroupMode %q, want %q", name, got, want)
			}
		}
		e.Pod("run", "--rm", "--cgroupns", "shared", img, "true").Fails(t, 125, "invalid --cgroupns \"shared\"")
		e.MustPod("rm", "priv", "host", "dflt")
	})
}
