package e2e

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// The cgroup manager: systemd (containers in transient scopes made over
// D-Bus) is the default where systemd runs, cgroupfs elsewhere; each test
// asserts what the host it runs on should give, never assuming either.

// systemdRunning reports whether systemd is this host's init system.
func systemdRunning() bool {
	_, err := os.Stat("/run/systemd/system")
	return err == nil
}

// defaultCgroupManager is the manager pod should choose for e: systemd
// where it runs, as root; else cgroupfs (a plain user's containers go in
// the subtree systemd delegates to it).
func defaultCgroupManager(e *Env) string {
	if systemdRunning() && !e.Rootless() {
		return "systemd"
	}
	return "cgroupfs"
}

func TestCgroupManagerSystemd(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		want := defaultCgroupManager(e)
		if got := out(e.MustPod("info", "--format", "{{.Host.CgroupManager}}")); got != want {
			t.Errorf("info: cgroup manager %q, want %q", got, want)
		}
		if want != "systemd" {
			switch {
			case !systemdRunning():
				e.Pod("--cgroup-manager", "systemd", "run", "--rm", img, "true").Fails(t, 125, "systemd is not running on this host")
			case hostCgroupV2():
				// A user asks for its systemd manager by name.
				if r := e.Pod("--cgroup-manager", "systemd", "run", "--rm", img, "sh", "-c", "exit 7"); r.Code != 7 {
					t.Errorf("exit 7 under the user's systemd manager: %d (%s)", r.Code, r.Stderr)
				}
				updateAndOOM(t, e, img, "--cgroup-manager", "systemd")
			}
			return
		}
		// The container in pod-ID.scope of machine.slice (root) or of
		// the user manager's user.slice; its monitor beside it in
		// pod-conmon-ID.scope, out of the session or unit that ran pod.
		slice := "/machine.slice/"
		if e.Rootless() {
			slice = "/user@" + strconv.Itoa(e.uid) + ".service/user.slice/"
		}
		id := out(e.MustPod("run", "-d", "--name", "sd", "-m", "32m", img, "sleep", "1000"))
		cg := containerCgroup(t, e, "sd", "memory")
		if ctr := scopeOf(cg); !strings.HasSuffix(ctr, slice+"pod-"+id+".scope") {
			t.Errorf("the container's cgroup is %s, want %spod-%s.scope", ctr, slice, id)
		}
		if got := strings.TrimSpace(readFile(t, cg+"/memory.max")); got != "33554432" {
			t.Errorf("memory.max of the scope: %s, want 33554432", got)
		}
		mon := cgroupDir(t, "/proc/"+out(e.MustPod("inspect", "--format", "{{.State.ConmonPid}}", "sd"))+"/cgroup", "memory")
		if !strings.HasSuffix(mon, slice+"pod-conmon-"+id+".scope") {
			t.Errorf("the monitor's cgroup is %s, want %spod-conmon-%s.scope", mon, slice, id)
		}
		if l := inspectLimits(t, e, "sd"); l.CgroupManager != "systemd" {
			t.Errorf("inspect: CgroupManager %q, want systemd", l.CgroupManager)
		}
		// stop, start and the exit code go through the scope too.
		e.MustPod("stop", "-t", "0", "sd")
		e.MustPod("start", "sd")
		e.MustPod("rm", "-f", "-t", "0", "sd")
		if r := e.Pod("run", "--rm", img, "sh", "-c", "exit 7"); r.Code != 7 {
			t.Errorf("exit 7 under the systemd manager: %d (%s)", r.Code, r.Stderr)
		}
		updateAndOOM(t, e, img)
		// --cgroup-parent is a slice there; a path is refused.
		id = out(e.MustPod("run", "-d", "--name", "sliced", "--cgroup-parent", "podtest.slice", img, "sleep", "1000"))
		if ctr := scopeOf(containerCgroup(t, e, "sliced", "memory")); !strings.HasSuffix(ctr, "/podtest.slice/pod-"+id+".scope") {
			t.Errorf("--cgroup-parent podtest.slice: the container's cgroup is %s", ctr)
		}
		e.MustPod("rm", "-f", "-t", "0", "sliced")
		e.Pod("run", "--rm", "--cgroup-parent", "/podtest-parent", img, "true").Fails(t, 125, "with the systemd cgroup manager give a slice name")
		// --cgroups no-conmon leaves the monitor where pod runs.
		id = out(e.MustPod("run", "-d", "--name", "nc", "--cgroups", "no-conmon", img, "sleep", "1000"))
		mon = cgroupDir(t, "/proc/"+out(e.MustPod("inspect", "--format", "{{.State.ConmonPid}}", "nc"))+"/cgroup", "memory")
		if strings.Contains(mon, "pod-conmon-") {
			t.Errorf("--cgroups no-conmon: the monitor is in %s", mon)
		}
		e.MustPod("rm", "-f", "-t", "0", "nc")
		// cgroupfs stays selectable.
		if ctr := func() string {
			e.MustPod("--cgroup-manager", "cgroupfs", "run", "-d", "--name", "fs", img, "sleep", "1000")
			defer e.MustPod("rm", "-f", "-t", "0", "fs")
			return containerCgroup(t, e, "fs", "memory")
		}(); strings.Contains(ctr, ".scope") && !strings.Contains(ctr, "/pod/pod-") {
			t.Errorf("--cgroup-manager cgroupfs: the container's cgroup is %s", ctr)
		}
	})
}

// updateAndOOM checks update and an OOM kill under the systemd manager
// (pre names it for a user, whose default is cgroupfs): the runtime finds
// the container's scope again, in the user's manager rootless, and the OOM
// kill is seen where the kernel counts it.
func updateAndOOM(t *testing.T, e *Env, img string, pre ...string) {
	t.Helper()
	pod := func(args ...string) *Result { return e.Pod(append(append([]string{}, pre...), args...)...) }
	pod("run", "-d", "--name", "upd", "-m", "32m", img, "sleep", "1000").Success(t)
	pod("update", "-m", "64m", "upd").Success(t)
	if got := memoryMax(t, containerCgroup(t, e, "upd", "memory")); got != "67108864" {
		t.Errorf("memory limit after update -m 64m: %s, want 67108864", got)
	}
	pod("rm", "-f", "-t", "0", "upd").Success(t)
	if r := pod("run", "--name", "oom", "-m", "10m", img, "tail", "/dev/zero"); r.Code != 137 {
		t.Errorf("over its memory limit: exit %d, want 137 (%s)", r.Code, r.Stderr)
	}
	if got := out(pod("inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", "oom")); got != "true 137" {
		t.Errorf("inspect OOMKilled ExitCode = %q, want true 137", got)
	}
	pod("rm", "oom").Success(t)
}

// memoryMax is the memory limit the kernel applies to a container's
// cgroup: the lower of its own memory.max and its scope's (crun's
// "container" cgroup may have no memory controller of its own).
func memoryMax(t *testing.T, cg string) string {
	t.Helper()
	limit := ""
	for _, dir := range []string{cg, scopeOf(cg)} {
		b, err := os.ReadFile(dir + "/memory.max")
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(b))
		if limit == "" || limit == "max" || (v != "max" && atoi(v) < atoi(limit)) {
			limit = v
		}
	}
	if limit == "" {
		t.Fatalf("no memory.max in %s nor its scope", cg)
	}
	return limit
}

// scopeOf is the scope of a container's cgroup: crun puts the container's
// processes in a "container" cgroup below the scope, runc in the scope.
func scopeOf(cg string) string { return strings.TrimSuffix(cg, "/container") }

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCgroupsDisabled: --cgroups=disabled makes no cgroup for the
// container, which then stays in its monitor's, here pod's own (crun only;
// runc always makes one, and pod says so). Limits need a cgroup.
func TestCgroupsDisabled(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		if rt := out(e.MustPod("info", "--format", "{{.Host.OCIRuntime.Name}}")); rt != "crun" {
			e.Pod("run", "--rm", "--cgroups", "disabled", img, "true").Fails(t, 125, "--cgroups=disabled needs crun")
			return
		}
		e.Pod("run", "--rm", "--cgroups", "disabled", "-m", "32m", img, "true").Fails(t, 125, "no cgroup to hold resource limits")
		got := strings.TrimSpace(e.MustPod("run", "--rm", "--cgroups", "disabled", "--cgroupns", "host", img, "cat", "/proc/self/cgroup").Stdout)
		own := strings.TrimSpace(readFile(t, "/proc/self/cgroup"))
		if hostCgroupV2() && got != own {
			t.Errorf("--cgroups disabled: the container's cgroup is %q, want pod's own (the test's) %q", got, own)
		}
	})
}
