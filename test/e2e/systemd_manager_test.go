package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/quadlet"
)

// These tests start units under a real service manager: the system's as
// root, the user's own (systemctl --user) as the plain user. They need
// systemd as PID 1, which the Debian guest of make vm-test has (they are
// in test/vm/tests.txt) and this build host does not: there they skip.

// manager is the service manager a test's units go to.
type manager struct {
	user    bool
	unitDir string // where transient unit files go: /run/systemd/system or $XDG_RUNTIME_DIR/systemd/user
}

// serviceManager returns the manager for e's user, or skips with the
// reason there is none.
func serviceManager(t *testing.T, e *Env) *manager {
	t.Helper()
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		t.Skip("not under systemd (no /run/systemd/system: PID 1 is not systemd); runs in the VM (make vm-test)")
	}
	if _, err := exec.LookPath("systemctl"); err != nil {
		t.Skip("no systemctl")
	}
	if !e.Rootless() {
		return &manager{unitDir: "/run/systemd/system"}
	}
	if os.Geteuid() == 0 {
		t.Skip("the user's half runs in the user's own systemd session (the VM runs it so), not as root's child")
	}
	xdg := os.Getenv("XDG_RUNTIME_DIR")
	if xdg == "" {
		t.Skip("no XDG_RUNTIME_DIR: no systemd user session")
	}
	if _, err := os.Stat(filepath.Join(xdg, "systemd", "private")); err != nil {
		t.Skip("no systemd user manager in this session (" + err.Error() + ")")
	}
	return &manager{user: true, unitDir: filepath.Join(xdg, "systemd", "user")}
}

// ctl runs systemctl (--user for the user's manager) in the test's own
// environment, which names the manager's runtime directory.
func (m *manager) ctl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	if m.user {
		args = append([]string{"--user"}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := exec.CommandContext(ctx, "systemctl", args...).CombinedOutput()
	return strings.TrimSpace(string(b)), err
}

func (m *manager) must(t *testing.T, args ...string) string {
	t.Helper()
	out, err := m.ctl(t, args...)
	if err != nil {
		t.Fatalf("systemctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// install puts the unit file in place and reloads the manager; cleanup
// stops it and takes it away again.
func (m *manager) install(t *testing.T, name, text string) {
	t.Helper()
	if err := os.MkdirAll(m.unitDir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(m.unitDir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m.ctl(t, "stop", name)
		os.Remove(path)
		m.ctl(t, "daemon-reload")
		m.ctl(t, "reset-failed", name)
	})
	m.must(t, "daemon-reload")
	if out, err := exec.Command("systemd-analyze", append(m.scope(), "verify", path)...).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze verify %s: %v\n%s", name, err, out)
	}
}

func (m *manager) scope() []string {
	if m.user {
		return []string{"--user"}
	}
	return nil
}

// journal is what the manager's journal holds of the unit.
func (m *manager) journal(t *testing.T, unit string) string {
	t.Helper()
	flag := "--unit"
	if m.user {
		flag = "--user-unit"
	}
	b, err := exec.Command("journalctl", "--no-pager", "-o", "cat", flag, unit).CombinedOutput()
	if err != nil {
		t.Logf("journalctl: %v", err)
	}
	return string(b)
}

// exerciseUnit is what the issue asks of every unit under systemd:
// systemctl start returns with the container running (Type=notify, the
// monitor is MAINPID), killing the container's process makes systemd
// restart the service (Restart=always), the journal has the service's
// output, and systemctl stop ends it within the stop timeout.
func exerciseUnit(t *testing.T, e *Env, m *manager, unit, ctr string, stopWithin time.Duration) {
	t.Helper()
	m.must(t, "start", unit)
	if got, _ := m.ctl(t, "is-active", unit); got != "active" {
		t.Fatalf("after start, is-active says %q\n%s", got, m.journal(t, unit))
	}
	s := sdState(t, e, ctr)
	if !s.Running {
		t.Fatalf("systemctl start returned, the container does not run: %+v", s)
	}
	if got := m.must(t, "show", "-P", "MainPID", unit); got != itoa(s.ConmonPid) {
		t.Errorf("MainPID %s, want the monitor %d", got, s.ConmonPid)
	}
	id := out(e.MustPod("inspect", "-f", "{{.Id}}", ctr))
	// journald stores a unit's output as it gets to it, not before
	// systemctl start returns: give it a while.
	j := m.journal(t, unit)
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(j, id) && time.Now().Before(deadline); j = m.journal(t, unit) {
		time.Sleep(250 * time.Millisecond)
	}
	if !strings.Contains(j, id) {
		t.Errorf("the journal of %s lacks the container's ID %s:\n%s", unit, id, j)
	}

	// Kill the container's process: the monitor exits, systemd restarts.
	pid := out(e.MustPod("inspect", "-f", "{{.State.Pid}}", ctr))
	// The container's root is the user (rootless) or root: either may
	// kill it from here.
	n, _ := strconv.Atoi(pid)
	if err := syscall.Kill(n, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s: %v", pid, err)
	}
	// Slow guests (TCG) take their time to start a container.
	restarted := false
	for deadline := time.Now().Add(5 * time.Minute); !restarted && time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		r := e.Pod("inspect", "-f", "{{.State.Running}} {{.State.Pid}}", ctr)
		got, _ := m.ctl(t, "is-active", unit)
		restarted = r.Code == 0 && strings.HasPrefix(out(r), "true ") && out(r) != "true "+pid && got == "active"
	}
	if !restarted {
		t.Fatalf("the unit did not restart the container within 5 minutes of the kill\n%s", m.journal(t, unit))
	}
	if got := m.must(t, "show", "-P", "NRestarts", unit); got == "0" {
		t.Errorf("NRestarts %s after the kill", got)
	}

	// Within the unit's stop timeout: systemd would have killed it
	// otherwise, and said so.
	start := time.Now()
	m.must(t, "stop", unit)
	if took := time.Since(start); took > stopWithin {
		t.Errorf("systemctl stop took %s, more than the unit's stop timeout %s", took, stopWithin)
	}
	if j := m.journal(t, unit); strings.Contains(j, "State 'stop-sigterm' timed out") || strings.Contains(j, "stop-final-sigterm") {
		t.Errorf("systemd had to kill the unit:\n%s", j)
	}
	if got, _ := m.ctl(t, "is-active", unit); got != "inactive" {
		t.Errorf("after stop, is-active says %q", got)
	}
	if r := e.Pod("container", "exists", ctr); r.Code != 1 {
		t.Errorf("the container is still there after systemctl stop (exists: %d)", r.Code)
	}
}

// TestSystemdGeneratedUnitUnderSystemd runs a `generate systemd --new` unit
// under the real service manager.
func TestSystemdGeneratedUnitUnderSystemd(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		m := serviceManager(t, e)
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		// sleep as PID 1 ignores SIGTERM: the stop timeout (2 s) ends it.
		e.MustPod("create", "--name", "sd-vm-new", "--stop-timeout", "2", img, "sleep", "1000")
		text := e.MustPod("generate", "systemd", "--new", "--name", "--restart-policy", "always", "--restart-sec", "1", "sd-vm-new").Stdout
		e.MustPod("rm", "sd-vm-new")
		t.Cleanup(func() { e.Pod("rm", "-f", "-t", "0", "sd-vm-new") })
		m.install(t, "sd-vm-new.service", text)
		exerciseUnit(t, e, m, "sd-vm-new.service", "sd-vm-new", stopTimeout(text))
	})
}

// TestQuadletUnderSystemd runs a Quadlet .container file's unit under the
// real service manager.
func TestQuadletUnderSystemd(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		m := serviceManager(t, e)
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		dir := e.Mkdir("quadlet")
		e.WriteFile("quadlet/sd-vm-q.container", []byte(fmt.Sprintf(`[Unit]
Description=pod quadlet under systemd

[Container]
Image=%s
ContainerName=sd-vm-q
GlobalArgs=--root %s --runroot %s
Exec=sleep 1000
StopTimeout=2

[Service]
Restart=always
RestartSec=1
`, img, e.Root, e.RunRoot)))
		t.Cleanup(func() { e.Pod("rm", "-f", "-t", "0", "sd-vm-q") })
		text := quadletUnit(t, e, dir, "sd-vm-q.service")
		m.install(t, "sd-vm-q.service", text)
		exerciseUnit(t, e, m, "sd-vm-q.service", "sd-vm-q", stopTimeout(text))
	})
}

// quadletUnit is the unit the generator makes of the files in dir: the
// pod-systemd-generator binary next to pod when it is there, else (a
// guest given only pod) the same conversion in-process.
func quadletUnit(t *testing.T, e *Env, dir, name string) string {
	t.Helper()
	src := filepath.Join(filepath.Dir(os.Getenv("POD_BINARY")), "pod-systemd-generator")
	if _, err := os.Stat(src); err == nil {
		args := []string{"--dryrun"}
		if e.Rootless() {
			args = append(args, "--user")
		}
		stdout, stderr, code := runGenerator(t, e, dir, args...)
		if code != 0 {
			t.Fatalf("generator exit %d: %s", code, stderr)
		}
		text, ok := dryrunUnits(stdout)[name]
		if !ok {
			t.Fatalf("no %s in:\n%s", name, stdout)
		}
		return text
	}
	t.Logf("no %s: the units come from pkg/quadlet in-process", src)
	units, errs := quadlet.Generate([]string{dir}, quadlet.Options{Pod: suite.pod})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, u := range units {
		if u.Name == name {
			return u.Text
		}
	}
	t.Fatalf("no %s among %d units", name, len(units))
	return ""
}

// stopTimeout is the unit's TimeoutStopSec= in seconds, else systemd's
// default (90 s).
func stopTimeout(text string) time.Duration {
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, "TimeoutStopSec="); ok {
			if n, err := strconv.Atoi(v); err == nil {
				return time.Duration(n) * time.Second
			}
		}
	}
	return 90 * time.Second
}

// TestAutoUpdateUnderSystemd: a Quadlet unit's container labelled
// AutoUpdate=registry is updated when a newer image is pushed (the unit
// restarted on it), and when the pushed image cannot start, the unit is
// rolled back to the image that ran.
func TestAutoUpdateUnderSystemd(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		m := serviceManager(t, e)
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		repo := suite.registry.Addr + "/sd-au-vm-" + e.Name + ":latest"
		e.MustPod("tag", img, repo)
		e.MustPod("push", "-q", repo)
		e.MustPod("pull", "-q", repo)
		dir := e.Mkdir("quadlet")
		e.WriteFile("quadlet/sd-vm-au.container", []byte(fmt.Sprintf(`[Container]
Image=%s
AutoUpdate=registry
ContainerName=sd-vm-au
GlobalArgs=--root %s --runroot %s
Exec=sleep 1000
StopTimeout=1
`, repo, e.Root, e.RunRoot)))
		t.Cleanup(func() { e.Pod("rm", "-f", "-t", "0", "sd-vm-au") })
		m.install(t, "sd-vm-au.service", quadletUnit(t, e, dir, "sd-vm-au.service"))
		m.must(t, "start", "sd-vm-au.service")
		// pod auto-update restarts the unit with systemctl, which needs
		// the session's runtime directory.
		if m.user {
			e.ExtraEnv = []string{"XDG_RUNTIME_DIR=" + os.Getenv("XDG_RUNTIME_DIR")}
		}
		update := func() string {
			r := e.Pod("auto-update", "--format", "{{.Unit}} {{.Updated}}")
			if r.Code != 0 {
				t.Fatalf("auto-update: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
			}
			return out(r)
		}
		if got := update(); got != "sd-vm-au.service false" {
			t.Fatalf("before any push: %q", got)
		}

		build := func(tag, containerfile string) string {
			e.WriteFile("ctx-"+tag+"/Containerfile", []byte(containerfile))
			e.MustPod("build", "-q", "--pull=never", "-t", repo, e.Path("ctx-"+tag))
			e.MustPod("push", "-q", repo)
			return out(e.MustPod("image", "inspect", "-f", "{{.Id}}", repo))
		}
		e.Mkdir("ctx-v2")
		v2 := build("v2", "FROM "+img+"\nLABEL sd.au=v2\n")
		if got := update(); got != "sd-vm-au.service true" {
			t.Fatalf("after a newer push: %q\n%s", got, m.journal(t, "sd-vm-au.service"))
		}
		if got := out(e.MustPod("inspect", "-f", "{{.State.Running}} {{.Image}}", "sd-vm-au")); got != "true "+v2 {
			t.Errorf("after the update the container runs %q, want the new image %s", got, v2)
		}

		e.Mkdir("ctx-broken")
		build("broken", "FROM "+img+"\nENTRYPOINT [\"/no/such/program\"]\n")
		if got := update(); got != "sd-vm-au.service rolled back" {
			t.Fatalf("after a broken push: %q\n%s", got, m.journal(t, "sd-vm-au.service"))
		}
		if got := out(e.MustPod("inspect", "-f", "{{.State.Running}} {{.Image}}", "sd-vm-au")); got != "true "+v2 {
			t.Errorf("after the roll back the container runs %q, want %s again", got, v2)
		}
		if got, _ := m.ctl(t, "is-active", "sd-vm-au.service"); got != "active" {
			t.Errorf("after the roll back the unit is %q", got)
		}
	})
}

// TestSocketActivationUnderSystemd: a .socket unit in front of a
// `generate systemd --new` unit, under the real service manager. The first
// connection starts the service; its container (--network none) accepts
// that connection on the unit's socket, which it received at 3 with
// LISTEN_FDS=1, the unit's FileDescriptorName= and LISTEN_PID=1.
func TestSocketActivationUnderSystemd(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		m := serviceManager(t, e)
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		helperArgs, helper := sdlistenRun(t)
		create := append(append([]string{"create", "--name", "sd-vm-sa", "--network", "none"}, helperArgs...), img)
		e.MustPod(append(create, helper...)...)
		text := e.MustPod("generate", "systemd", "--new", "--name", "sd-vm-sa").Stdout
		e.MustPod("rm", "sd-vm-sa")
		t.Cleanup(func() { e.Pod("rm", "-f", "-t", "0", "sd-vm-sa") })
		addr := activationPort(e, 10)
		m.install(t, "sd-vm-sa.service", text)
		m.install(t, "sd-vm-sa.socket", "[Unit]\nDescription=pod socket activation under systemd\n\n[Socket]\nListenStream="+addr+"\nFileDescriptorName=web\n")
		m.must(t, "start", "sd-vm-sa.socket")
		if got, _ := m.ctl(t, "is-active", "sd-vm-sa.service"); got == "active" {
			t.Fatalf("the service runs before any connection")
		}
		line := answer(t, addr, func() string { return m.journal(t, "sd-vm-sa.service") })
		if !strings.HasPrefix(line, "fd=3 name=web pid=1 LISTEN_FDS=1 ") {
			t.Errorf("the activated container answered %q\n%s", line, m.journal(t, "sd-vm-sa.service"))
		}
	})
}
