package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests here need what only the Debian guest of make vm-test has:
// systemd as PID 1, pod installed by `make install` (/usr/local), and
// TestReboot* a real reboot in the middle, which test/vm/guest.sh drives:
// it runs them with POD_VM_PHASE=before, reboots the guest and runs them
// again with POD_VM_PHASE=after. Elsewhere they skip.

// installedPod is where `make install` puts pod (guest.sh installs its tree).
const installedPod = "/usr/local/bin/pod"

// vmPhase returns before or after, or skips the test outside the VM.
func vmPhase(t *testing.T) string {
	t.Helper()
	phase := os.Getenv("POD_VM_PHASE")
	if phase == "" {
		t.Skip("spans a real reboot: runs only in the VM guest (make vm-test), whose guest.sh runs it with POD_VM_PHASE=before, reboots and runs it with POD_VM_PHASE=after")
	}
	if phase != "before" && phase != "after" {
		t.Fatalf("POD_VM_PHASE=%q, want before or after", phase)
	}
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		t.Fatal("POD_VM_PHASE is set but PID 1 is not systemd")
	}
	if _, err := os.Stat(installedPod); err != nil {
		t.Fatalf("pod is not installed as make install installs it: %v", err)
	}
	return phase
}

// installedEnv is an Env for the installed pod as the user u (root or a
// plain user) with the user's default storage and run root (what
// pod-restart.service uses), home and runtime directory xdg: nothing of it
// is removed when the test ends, so that it outlives the reboot.
func installedEnv(t *testing.T, u *user.User, xdg string) *Env {
	t.Helper()
	// A directory of its own the user can reach (t.TempDir's parent is
	// root's alone).
	dir, err := os.MkdirTemp(suite.tmpRoot, "installed-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	e := &Env{t: t, Name: "root", Dir: dir, Home: u.HomeDir, Binary: installedPod, rootless: u.Uid != "0"}
	e.uid, e.gid = atoi(u.Uid), atoi(u.Gid)
	e.Root = "/var/lib/containers/storage"
	if e.rootless {
		e.Name = "rootless"
		e.Root = filepath.Join(u.HomeDir, ".local", "share", "containers", "storage")
		if xdg == "" {
			t.Fatal("no XDG_RUNTIME_DIR in the user's session")
		}
		if os.Geteuid() == 0 {
			if err := os.Chown(dir, e.uid, e.gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.ExtraEnv = []string{"HOME=" + u.HomeDir, "XDG_CONFIG_HOME=" + filepath.Join(u.HomeDir, ".config"), "USER=" + u.Username, "LOGNAME=" + u.Username}
	if xdg != "" {
		e.ExtraEnv = append(e.ExtraEnv, "XDG_RUNTIME_DIR="+xdg)
	}
	return e
}

// rebootRecord is what the phase before leaves for the phase after.
type rebootRecord struct {
	BootID string
	Pause  int // the rootless pause process
}

func rebootRecordPath(e *Env) string { return filepath.Join(e.Home, ".pod-vm-reboot.json") }

func bootID(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// unixTimestamp reads a unit's timestamp property as systemctl shows it
// with --timestamp=unix ("@SECONDS").
func unixTimestamp(t *testing.T, m *manager, unit, prop string) time.Time {
	t.Helper()
	v := m.must(t, "show", "--timestamp=unix", "-p", prop, "--value", unit)
	secs, err := strconv.ParseInt(strings.TrimPrefix(v, "@"), 10, 64)
	if err != nil || secs == 0 {
		t.Fatalf("%s %s=%q", unit, prop, v)
	}
	return time.Unix(secs, 0)
}

// TestRebootRestartsContainers reboots the guest between its phases. As
// root and as the lingering user, with pod-restart.service (from make
// install) enabled: --restart=always and a running --restart=unless-stopped
// container come back after the boot, started by that unit (the only thing
// that could: pod has no daemon); an unless-stopped one the user stopped
// and a --restart=no one stay exited. The reboot emptied the run roots
// (/run is a tmpfs) and killed the rootless pause process; the state DB and
// storage are repaired by the first command, and every common command works
// afterwards: ps, logs, exec (the container's own files kept), stop, start,
// rm, run.
func TestRebootRestartsContainers(t *testing.T) {
	phase := vmPhase(t)
	forEachUser(t, func(t *testing.T, _ *Env) {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		e := installedEnv(t, u, os.Getenv("XDG_RUNTIME_DIR"))
		m := serviceManager(t, e)
		if phase == "before" {
			rebootBefore(t, e, m)
		} else {
			rebootAfter(t, e, m)
		}
	})
}

func rebootBefore(t *testing.T, e *Env, m *manager) {
	unitDir := "/usr/local/lib/systemd/system"
	if m.user {
		unitDir = "/usr/local/lib/systemd/user"
	}
	if _, err := os.Stat(filepath.Join(unitDir, "pod-restart.service")); err != nil {
		t.Fatalf("make install's pod-restart.service: %v", err)
	}
	m.must(t, "enable", "pod-restart.service")
	if got, _ := m.ctl(t, "is-enabled", "pod-restart.service"); got != "enabled" {
		t.Fatalf("pod-restart.service is %q after enable", got)
	}
	e.MustPod("pull", "-q", suite.images.Busybox)
	e.MustPod("tag", suite.images.Busybox, "localhost/reboot-busybox:latest")
	img := "localhost/reboot-busybox:latest"
	e.Pod("rm", "-f", "-t", "0", "reboot-always", "reboot-unless", "reboot-unless-stopped", "reboot-no")
	run := func(name, policy string) {
		// It ends on SIGTERM (sleep as PID 1 would not), so that the
		// shutdown need not wait out systemd's 90 s for its scope.
		e.MustPod("run", "-d", "--name", name, "--restart", policy, "--stop-timeout", "1", img,
			"sh", "-c", "trap 'exit 0' TERM; echo started "+name+"; sleep 100000 & wait")
		waitLog(t, e, name, "started "+name)
	}
	run("reboot-always", "always")
	run("reboot-unless", "unless-stopped")
	run("reboot-unless-stopped", "unless-stopped")
	run("reboot-no", "no")
	e.MustPod("stop", "-t", "0", "reboot-unless-stopped")
	// The container's own layer outlives the reboot; its run state does not.
	e.MustPod("exec", "reboot-always", "sh", "-c", "echo kept > /kept")
	got := out(e.MustPod("ps", "-a", "--filter", "name=^reboot-", "--format", "{{.Names}} {{.State}}", "--sort", "names"))
	if want := "reboot-always running\nreboot-no running\nreboot-unless running\nreboot-unless-stopped exited"; got != want {
		t.Fatalf("before the reboot:\n%s\nwant\n%s", got, want)
	}
	if got := out(e.MustPod("ps", "-a", "--filter", "name=^reboot-", "--filter", "should-start-on-boot=true", "--format", "{{.Names}}", "--sort", "names")); got != "reboot-always\nreboot-unless" {
		t.Errorf("ps --filter should-start-on-boot=true: %q", got)
	}
	rec := rebootRecord{BootID: bootID(t)}
	if e.Rootless() {
		rec.Pause = pausePIDIn(os.Getenv("XDG_RUNTIME_DIR"))
		if rec.Pause == 0 {
			t.Fatal("no pause process before the reboot")
		}
	}
	b, _ := json.Marshal(rec)
	if err := os.WriteFile(rebootRecordPath(e), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func rebootAfter(t *testing.T, e *Env, m *manager) {
	b, err := os.ReadFile(rebootRecordPath(e))
	if err != nil {
		t.Fatalf("what the phase before recorded: %v", err)
	}
	var rec rebootRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if now := bootID(t); now == rec.BootID {
		t.Fatalf("boot id %s unchanged: the guest did not reboot", now)
	}
	t.Cleanup(func() {
		e.Pod("rm", "-f", "-t", "0", "reboot-always", "reboot-unless", "reboot-unless-stopped", "reboot-no")
		m.ctl(t, "disable", "pod-restart.service")
		os.Remove(rebootRecordPath(e))
	})
	// pod-restart.service runs once the manager reaches default.target
	// (the user's: logind starts a lingering user's manager at boot).
	deadline := time.Now().Add(3 * time.Minute)
	for {
		state, _ := m.ctl(t, "is-active", "pod-restart.service")
		if state == "active" {
			break
		}
		if state == "failed" || time.Now().After(deadline) {
			st, _ := m.ctl(t, "status", "--no-pager", "pod-restart.service")
			t.Fatalf("pod-restart.service is %q after the boot:\n%s\n%s", state, st, m.journal(t, "pod-restart.service"))
		}
		time.Sleep(250 * time.Millisecond)
	}
	unitStart := unixTimestamp(t, m, "pod-restart.service", "ExecMainStartTimestamp")
	unitEnd := unixTimestamp(t, m, "pod-restart.service", "ExecMainExitTimestamp")

	got := out(e.MustPod("ps", "-a", "--filter", "name=^reboot-", "--format", "{{.Names}} {{.State}}", "--sort", "names"))
	if want := "reboot-always running\nreboot-no exited\nreboot-unless running\nreboot-unless-stopped exited"; got != want {
		t.Fatalf("after the reboot:\n%s\nwant\n%s", got, want)
	}
	// Started by the unit, in its ExecStart's run (whole seconds).
	for _, name := range []string{"reboot-always", "reboot-unless"} {
		s := out(e.MustPod("inspect", "-f", "{{.State.StartedAt}}", name))
		started, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("%s StartedAt %q: %v", name, s, err)
		}
		if started.Before(unitStart.Add(-time.Second)) || started.After(unitEnd.Add(time.Second)) {
			t.Errorf("%s started at %s, not during pod-restart.service's start (%s to %s)", name,
				started.Format(time.TimeOnly), unitStart.Format(time.TimeOnly), unitEnd.Format(time.TimeOnly))
		}
	}
	if e.Rootless() {
		if now := pausePIDIn(os.Getenv("XDG_RUNTIME_DIR")); now == 0 {
			t.Error("no pause process after the reboot")
		}
	}
	// Every common command on what came back and what did not.
	if got := out(e.MustPod("exec", "reboot-always", "cat", "/kept")); got != "kept" {
		t.Errorf("the container's file after the reboot: %q", got)
	}
	waitLog(t, e, "reboot-always", "started reboot-always\nstarted reboot-always")
	if got := out(e.MustPod("logs", "reboot-no")); got != "started reboot-no" {
		t.Errorf("logs reboot-no: %q", got)
	}
	e.MustPod("stop", "reboot-always")
	if s := out(e.MustPod("inspect", "-f", "{{.State.Status}}", "reboot-always")); s != "exited" {
		t.Errorf("reboot-always after stop: %s", s)
	}
	e.MustPod("start", "reboot-unless-stopped")
	if got := out(e.MustPod("exec", "reboot-unless-stopped", "echo", "exec-after")); got != "exec-after" {
		t.Errorf("exec after start: %q", got)
	}
	e.MustPod("rm", "reboot-no")
	if got := out(e.MustPod("run", "--rm", "localhost/reboot-busybox:latest", "echo", "run-after")); got != "run-after" {
		t.Errorf("run after the reboot: %q", got)
	}
	if got := len(e.MustPod("rm", "-f", "-t", "0", "reboot-always", "reboot-unless", "reboot-unless-stopped").Lines()); got != 3 {
		t.Errorf("rm -f removed %d containers, want 3", got)
	}
}

// pausePIDIn is the live rootless pause process of the runtime directory
// xdg, or 0.
func pausePIDIn(xdg string) int {
	b, err := os.ReadFile(filepath.Join(xdg, "pod", "pause.pid"))
	if err != nil {
		return 0
	}
	pid := atoi(strings.TrimSpace(string(b)))
	if pid <= 0 || !processAlive(pid) {
		return 0
	}
	return pid
}

func processAlive(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}

// TestLingerSurvivesLogout: the lingering user podtest logs in (a real
// logind session, opened by su through pam_systemd), starts a generate
// systemd --new unit with systemctl --user and a plain pod run -d from its
// shell, and the session is terminated (loginctl terminate-session kills
// every process of the session's scope, which a logout with
// KillUserProcesses=yes does too). Lingering keeps the user's manager: the
// unit's container keeps running and answering on its published port, and
// the pause process and the monitor of the container started from the
// shell were not in the session's scope (pod moves them into scopes of
// their own), so they and that container live on. Root drives it (only
// root opens and ends another user's session); the user's half skips.
func TestLingerSurvivesLogout(t *testing.T) {
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		t.Skip("not under systemd (no /run/systemd/system: PID 1 is not systemd); runs in the VM (make vm-test)")
	}
	if _, err := os.Stat(installedPod); err != nil {
		t.Skip("pod is not installed as make install installs it (the VM's guest.sh does)")
	}
	if os.Getenv("POD_VM_PHASE") == "" {
		t.Skip("changes the user podtest's own storage and units: runs only in the VM guest (make vm-test)")
	}
	asRoot(t, func(t *testing.T, _ *Env) {
		u, err := user.Lookup("podtest")
		if err != nil {
			t.Skip("no user podtest")
		}
		if b, _ := exec.Command("loginctl", "show-user", "podtest", "-p", "Linger", "--value").CombinedOutput(); strings.TrimSpace(string(b)) != "yes" {
			t.Fatalf("podtest does not linger: %q", b)
		}
		dir, err := os.MkdirTemp(suite.tmpRoot, "linger-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if err := os.Chown(dir, atoi(u.Uid), atoi(u.Gid)); err != nil {
			t.Fatal(err)
		}
		port := freePort(t)
		// What the user does in the session, then stays logged in.
		script := fmt.Sprintf(`set -e
exec >%[1]s/session.log 2>&1
echo "session $XDG_SESSION_ID"
cat /proc/self/cgroup
export CONTAINERS_REGISTRIES_CONF=%[2]s
pod=%[3]s
$pod rm -f -t 0 linger-web linger-shell >/dev/null 2>&1 || true
$pod pull -q %[4]s >/dev/null
$pod create --name linger-web -p 127.0.0.1:%[5]d:8080 %[4]s sh -c 'mkdir /www && echo linger-ok > /www/index.html && exec httpd -f -p 8080 -h /www'
mkdir -p ~/.config/systemd/user
cd ~/.config/systemd/user && $pod generate systemd --new --name --files linger-web
systemctl --user daemon-reload
systemctl --user start container-linger-web.service
$pod run -d --name linger-shell %[4]s sleep 100000
echo ready >%[1]s/ready
exec sleep 100000
`, dir, suite.regConf, installedPod, suite.images.Busybox, port)
		scriptPath := filepath.Join(dir, "login.sh")
		if err := os.WriteFile(scriptPath, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		login := exec.Command("su", "-l", "podtest", "-c", "sh "+scriptPath)
		var suOut strings.Builder
		login.Stdout, login.Stderr = &suOut, &suOut
		if err := login.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- login.Wait() }()
		xdg := "/run/user/" + u.Uid
		podtest := installedEnv(t, u, xdg)
		userctl := func(args ...string) (string, error) {
			b, err := exec.Command("systemctl", append([]string{"--machine", "podtest@.host", "--user"}, args...)...).CombinedOutput()
			return strings.TrimSpace(string(b)), err
		}
		t.Cleanup(func() {
			userctl("stop", "container-linger-web.service")
			os.Remove(filepath.Join(u.HomeDir, ".config", "systemd", "user", "container-linger-web.service"))
			userctl("daemon-reload")
			podtest.Pod("rm", "-f", "-t", "0", "linger-web", "linger-shell")
		})
		deadline := time.Now().Add(3 * time.Minute)
		for {
			if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
				break
			}
			select {
			case err := <-done:
				b, _ := os.ReadFile(filepath.Join(dir, "session.log"))
				t.Fatalf("the login session ended early (%v): %s\n%s", err, suOut.String(), b)
			case <-time.After(100 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				b, _ := os.ReadFile(filepath.Join(dir, "session.log"))
				t.Fatalf("the login session did not get ready:\n%s", b)
			}
		}
		b, _ := os.ReadFile(filepath.Join(dir, "session.log"))
		var session string
		fmt.Sscanf(string(b), "session %s", &session)
		if session == "" || !strings.Contains(string(b), "/session-"+session+".scope") {
			t.Fatalf("su gave no logind session:\n%s", b)
		}
		if body, err := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil || body != "linger-ok\n" {
			t.Fatalf("the unit's container before the logout: %q, %v", body, err)
		}
		pause := pausePIDIn(xdg)
		monitor := sdState(t, podtest, "linger-shell").ConmonPid
		if pause == 0 || monitor == 0 {
			t.Fatalf("pause process %d, monitor %d", pause, monitor)
		}
		// Log out the hard way: every process of the session's scope is killed.
		if out, err := exec.Command("loginctl", "terminate-session", session).CombinedOutput(); err != nil {
			t.Fatalf("loginctl terminate-session %s: %v\n%s", session, err, out)
		}
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Fatal("the session's shell outlived terminate-session")
		}
		waitFor(t, func() bool { return exec.Command("loginctl", "show-session", session).Run() != nil })
		if st, _ := userctl("is-active", "container-linger-web.service"); st != "active" {
			t.Fatalf("the unit after the logout: %s", st)
		}
		if body, err := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil || body != "linger-ok\n" {
			t.Fatalf("the unit's container after the logout: %q, %v", body, err)
		}
		if !processAlive(pause) {
			t.Errorf("the pause process %d died with the session", pause)
		}
		if !processAlive(monitor) {
			t.Errorf("linger-shell's monitor %d died with the session", monitor)
		}
		if s := sdState(t, podtest, "linger-shell"); !s.Running {
			t.Errorf("linger-shell after the logout: %+v", s)
		}
		if got := out(podtest.MustPod("exec", "linger-shell", "echo", "still-here")); got != "still-here" {
			t.Errorf("exec after the logout: %q", got)
		}
	})
}
