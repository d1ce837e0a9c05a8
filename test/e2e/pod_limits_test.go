package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A pod's own cgroup, its limits and user namespace: `pod pod create
// --memory/--cpus/--userns/...`. Names start with "pl-".

// podLimits are the fields of pod inspect that show a pod's limits.
type podLimits struct {
	CreateCgroup bool
	CgroupPath   string
	CPUPeriod    uint64 `json:"cpu_period"`
	CPUQuota     int64  `json:"cpu_quota"`
	CPUShares    uint64 `json:"cpu_shares"`
	MemoryLimit  uint64 `json:"memory_limit"`
	InfraID      string `json:"InfraContainerID"`
	InfraConfig  struct {
		UserNS string `json:"userns"`
	}
}

func inspectPodLimits(t *testing.T, e *Env, pod string) podLimits {
	t.Helper()
	var l []podLimits
	if err := json.Unmarshal([]byte(e.MustPod("pod", "inspect", pod).Stdout), &l); err != nil || len(l) != 1 {
		t.Fatalf("pod inspect %s: %v", pod, err)
	}
	return l[0]
}

// TestPodCgroupLimits: the pod's limits are on a cgroup that holds every
// container of the pod, the infra container too; a container sees them
// above its own cgroup; they go with the pod.
func TestPodCgroupLimits(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		podCleanup(t, e)
		if noRootlessCgroups(e) {
			// A plain user on cgroup v1 has no cgroup to limit: the pod is
			// made with one warning, as a container with limits is.
			r := e.MustPod("pod", "create", "--name", "pl-lim", "--memory", "64m", "--cpus", "0.5")
			warnedOnce(t, r)
			if l := inspectPodLimits(t, e, "pl-lim"); l.MemoryLimit != 0 || l.CreateCgroup {
				t.Errorf("pod inspect shows limits the pod does not have: %+v", l)
			}
			return
		}
		e.MustPod("pod", "create", "--name", "pl-lim", "--memory", "64m", "--cpus", "0.5", "--cpu-shares", "512")
		l := inspectPodLimits(t, e, "pl-lim")
		if !l.CreateCgroup || l.CgroupPath == "" || l.MemoryLimit != 64<<20 || l.CPUQuota != 50000 || l.CPUPeriod != 100000 || l.CPUShares != 512 {
			t.Fatalf("pod inspect: %+v", l)
		}
		e.MustPod("run", "-d", "--pod", "pl-lim", "--name", "pl-lim-a", img, "sleep", "300")

		// On the host: one cgroup holds the member and the infra container,
		// and has the limits.
		// (crun puts a container in a "container" cgroup below its scope)
		podDir := func(ctr, ctl string) string { return filepath.Dir(scopeOf(containerCgroup(t, e, ctr, ctl))) }
		memDir := podDir("pl-lim-a", "memory")
		if infra := podDir(l.InfraID, "memory"); infra != memDir {
			t.Fatalf("infra container in %s, member in %s: not one pod cgroup", infra, memDir)
		}
		cpuDir := podDir("pl-lim-a", "cpu")
		memFile, cpuFile, cpuWant := "memory.limit_in_bytes", "cpu.cfs_quota_us", "50000"
		if hostCgroupV2() {
			memFile, cpuFile, cpuWant = "memory.max", "cpu.max", "50000 100000"
		}
		if got := readFile(t, filepath.Join(memDir, memFile)); strings.TrimSpace(got) != "67108864" {
			t.Errorf("the pod cgroup's %s = %q", memFile, got)
		}
		if got := readFile(t, filepath.Join(cpuDir, cpuFile)); strings.TrimSpace(got) != cpuWant {
			t.Errorf("the pod cgroup's %s = %q", cpuFile, got)
		}

		// Inside: the limit above the container's own cgroup, as a user
		// checks it (v1: the hierarchical limit; v2: the parent's file,
		// seen through the host's cgroup namespace).
		check := "grep hierarchical_memory_limit /sys/fs/cgroup/memory/memory.stat | cut -d' ' -f2"
		flags := []string{"run", "--rm", "--pod", "pl-lim"}
		if hostCgroupV2() {
			// The nearest cgroup above the container's with a limit.
			check = `d="/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)"; ` +
				`while [ "$d" != /sys/fs/cgroup ] && [ "$(cat "$d/memory.max")" = max ]; do d=$(dirname "$d"); done; cat "$d/memory.max"`
			flags = append(flags, "--cgroupns", "host")
		}
		if got := out(e.MustPod(append(flags, img, "sh", "-c", check)...)); got != "67108864" {
			t.Errorf("the pod's memory limit seen from a member: %q", got)
		}

		// A member cannot leave the pod's cgroup.
		e.Pod("run", "--rm", "--pod", "pl-lim", "--cgroup-parent", "elsewhere", img, "true").
			Fails(t, 125, "--cgroup-parent cannot be set for a container of pod pl-lim")

		// The limits go with the pod.
		e.MustPod("pod", "rm", "-f", "-t", "0", "pl-lim")
		for _, d := range []string{memDir, cpuDir} {
			if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("pod rm left the pod cgroup %s (%v)", d, err)
			}
		}
	})
}

// TestPodLimitsBadInput: a bad limit is one line, and no pod is made.
func TestPodLimitsBadInput(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		podCleanup(t, e)
		e.Pod("pod", "create", "--name", "pl-bad", "--memory", "lots").Fails(t, 125, `invalid --memory "lots"`)
		e.Pod("pod", "create", "--name", "pl-bad", "--cpus", "1000").Fails(t, 125, "invalid --cpus 1000")
		e.Pod("pod", "create", "--name", "pl-bad", "--memory-swap", "1g").Fails(t, 125, "--memory-swap needs --memory")
		e.Pod("pod", "create", "--name", "pl-bad", "--blkio-weight-device", "/dev/null:500").Fails(t, 125, "is not a block device")
		if e.Pod("pod", "exists", "pl-bad").Code == 0 {
			t.Fatal("a refused pod create left the pod")
		}
	})
}

// TestPodUserNS: the pod's containers run in its infra container's user
// namespace.
func TestPodUserNS(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		podCleanup(t, e)
		if !e.Rootless() {
			// keep-id keeps a plain user's own IDs: root has none to keep.
			e.Pod("pod", "create", "--name", "pl-kid", "--userns", "keep-id").Fails(t, 125, "--userns=keep-id is only supported in rootless mode")
			e.Pod("pod", "create", "--name", "pl-kid", "--userns", "bogus").Fails(t, 125, "bogus")
			return
		}
		e.MustPod("pod", "create", "--name", "pl-kid", "--userns", "keep-id")
		if got := inspectPodLimits(t, e, "pl-kid").InfraConfig.UserNS; got != "keep-id" {
			t.Errorf("pod inspect's InfraConfig.userns = %q", got)
		}
		e.MustPod("run", "-d", "--pod", "pl-kid", "--name", "pl-kid-a", img, "sleep", "300")
		r := e.MustPod("run", "--rm", "--pod", "pl-kid", img, "sh", "-c", "id -u; cat /proc/self/uid_map")
		l := r.Lines()
		if len(l) < 2 || l[0] != strconv.Itoa(e.uid) {
			t.Fatalf("a keep-id pod's member: %q, want uid %d first", l, e.uid)
		}
		// The same namespace as its infra container's and every member's.
		infraMap := readFile(t, "/proc/"+out(e.MustPod("inspect", "--format", "{{.State.Pid}}", inspectPodLimits(t, e, "pl-kid").InfraID))+"/uid_map")
		memberMap := readFile(t, "/proc/"+out(e.MustPod("inspect", "--format", "{{.State.Pid}}", "pl-kid-a"))+"/uid_map")
		if strings.Join(strings.Fields(infraMap), " ") != strings.Join(strings.Fields(memberMap), " ") {
			t.Errorf("uid maps differ: infra %q, member %q", infraMap, memberMap)
		}
		// Seen from inside: the user's own ID maps to the user (0 in pod's
		// rootless namespace), as keep-id does.
		if !strings.Contains(strings.Join(strings.Fields(strings.Join(l[1:], "\n")), " "), strconv.Itoa(e.uid)+" 0 1") {
			t.Errorf("a member's uid_map %q does not keep uid %d", l[1:], e.uid)
		}
		u, err := user.LookupId(strconv.Itoa(e.uid))
		if err == nil {
			if got := out(e.MustPod("exec", "pl-kid-a", "sh", "-c", "id -un")); got != u.Username {
				t.Errorf("the user in a keep-id pod: %q, want %q", got, u.Username)
			}
		}
		// A member cannot ask for its own.
		e.Pod("run", "--rm", "--pod", "pl-kid", "--userns", "auto", img, "true").Fails(t, 125, "its containers run in the pod's user namespace")

		// auto: storage picks the infra container's range (of the IDs no
		// other container uses: the keep-id pod goes); members share it.
		e.MustPod("pod", "rm", "-f", "-t", "0", "pl-kid")
		e.MustPod("pod", "create", "--name", "pl-auto", "--userns", "auto:size=2000")
		e.MustPod("run", "-d", "--pod", "pl-auto", "--name", "pl-auto-a", img, "sleep", "300")
		autoInfra := readFile(t, "/proc/"+out(e.MustPod("inspect", "--format", "{{.State.Pid}}", inspectPodLimits(t, e, "pl-auto").InfraID))+"/uid_map")
		autoMember := readFile(t, "/proc/"+out(e.MustPod("inspect", "--format", "{{.State.Pid}}", "pl-auto-a"))+"/uid_map")
		if f := strings.Fields(autoMember); len(f) != 3 || f[2] != "2000" || strings.Join(f, " ") != strings.Join(strings.Fields(autoInfra), " ") {
			t.Errorf("auto:size=2000: infra %q, member %q", autoInfra, autoMember)
		}
	})
}
