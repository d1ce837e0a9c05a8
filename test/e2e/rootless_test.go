package e2e

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A plain user's commands share one pause process holding the user and
// mount namespaces; when it is gone (a reboot, a kill) the next command
// starts a new one.
func TestRootlessPauseProcess(t *testing.T) {
	if suite.rootless == "" {
		t.Skip("no rootless user")
	}
	e := NewEnv(t, true)
	e.MustPod("info")
	first := e.PausePID()
	if first == 0 {
		t.Fatal("no pause process after the first rootless command")
	}
	cmdline, _ := os.ReadFile("/proc/" + itoa(first) + "/cmdline")
	if string(cmdline) != "pod-pause\x00" {
		t.Fatalf("pause process cmdline %q", cmdline)
	}
	// Where systemd runs, the pause process has a scope of its own in
	// the user's manager, so that the end of the session that started
	// it does not take every container's namespaces with it.
	if systemdRunning() && hostCgroupV2() {
		b, _ := os.ReadFile("/proc/" + itoa(first) + "/cgroup")
		if !strings.Contains(string(b), "/user.slice/pod-pause-"+itoa(first)+".scope") {
			t.Errorf("the pause process's cgroup is %q, want its own pod-pause-%d.scope in the user's user.slice", b, first)
		}
	}
	e.MustPod("info")
	if got := e.PausePID(); got != first {
		t.Fatalf("second command started another pause process: %d, then %d", first, got)
	}
	if err := unix.Kill(first, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, first)
	r := e.MustPod("info", "--format", "{{.Host.Rootless}}")
	if strings.TrimSpace(r.Stdout) != "true" {
		t.Fatalf("rootless = %q", r.Stdout)
	}
	if e.PausePID() == 0 || e.PausePID() == first {
		t.Fatalf("no new pause process after the old one died")
	}
}

// Without XDG_RUNTIME_DIR (as under su), pod falls back to a private
// per-user directory.
func TestRootlessNoXDGRuntimeDir(t *testing.T) {
	if suite.rootless == "" || suite.rootless == "self" {
		t.Skip("needs root to run as the rootless user")
	}
	e := NewEnv(t, true)
	e.ExtraEnv = []string{"XDG_RUNTIME_DIR="}
	r := e.MustPod("info", "--format", "{{.Host.Rootless}}")
	if strings.TrimSpace(r.Stdout) != "true" {
		t.Fatalf("rootless = %q", r.Stdout)
	}
	dir := "/run/user/" + itoa(e.uid)
	if _, err := os.Stat(dir); err != nil {
		dir = "/tmp/pod-run-" + itoa(e.uid)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("runtime directory fallback: %v", err)
	}
	if st.Mode().Perm()&0o022 != 0 {
		t.Fatalf("%s is writable by others: %v", dir, st.Mode())
	}
	// The fallback directory is shared by all of the user's commands: end
	// this test's pause process so it does not outlive the test, and let
	// the Env's cleanup run with its own runtime directory (else it would
	// start another pause process in the fallback one).
	e.ExtraEnv = nil
	b, _ := os.ReadFile(dir + "/pod/pause.pid")
	if pid := atoi(strings.TrimSpace(string(b))); pid > 0 {
		_ = unix.Kill(pid, unix.SIGKILL)
	}
}

func TestUnshare(t *testing.T) {
	if suite.rootless == "" {
		t.Skip("no rootless user")
	}
	e := NewEnv(t, true)
	r := e.MustPod("unshare", "sh", "-c", "id -u; echo $CONTAINERS_GRAPHROOT; cat /proc/self/uid_map")
	lines := r.Lines()
	if len(lines) < 3 || lines[0] != "0" || lines[1] != e.Root {
		t.Fatalf("unshare output %q: want uid 0 and the graph root", r.Stdout)
	}
	if f := strings.Fields(lines[2]); len(f) != 3 || f[1] != itoa(e.uid) {
		t.Fatalf("uid_map %q does not map root to the user %d", lines[2], e.uid)
	}
	if r := e.Pod("unshare", "sh", "-c", "exit 7"); r.Code != 7 {
		t.Fatalf("unshare exit code %d, want 7", r.Code)
	}
	e.Pod("unshare", "no-such-command").Fails(t, 127, "no-such-command: command not found")
	if suite.rootful {
		NewEnv(t, false).Pod("unshare", "id").Fails(t, 125, "please use unshare with rootless")
	}
}
