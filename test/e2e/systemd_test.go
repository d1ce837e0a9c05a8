package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// unitFile is a generated unit: its settings, each key's values in order.
type unitFile map[string][]string

func readUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unitFile{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: line %q is no setting", path, line)
		}
		u[k] = append(u[k], v)
	}
	return u
}

func (u unitFile) one(t *testing.T, key string) string {
	t.Helper()
	if len(u[key]) != 1 {
		t.Fatalf("unit has %d %s=, want 1: %v", len(u[key]), key, u)
	}
	return u[key][0]
}

// splitExec splits an Exec*= value as systemd does (quotes, C escapes,
// %% and $$, and the specifiers %N and %n of the unit named unit), without
// the '-' prefix, which only says that a failure is ignored.
func splitExec(t *testing.T, s string, unit ...string) []string {
	t.Helper()
	s = strings.TrimPrefix(s, "-")
	var x strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '%' && i+1 < len(s):
			i++
			switch {
			case s[i] == '%':
				x.WriteByte('%')
			case s[i] == 'N' && len(unit) == 1:
				x.WriteString(unit[0])
			case s[i] == 'n' && len(unit) == 1:
				x.WriteString(unit[0] + ".service")
			default:
				t.Fatalf("specifier %%%c in %q", s[i], s)
			}
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '$':
			i++
			x.WriteByte('$')
		default:
			x.WriteByte(s[i])
		}
	}
	s = x.String()
	var args []string
	var cur strings.Builder
	in, quoted := false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quoted && ch == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				cur.WriteByte('\n')
			case 't':
				cur.WriteByte('\t')
			default:
				cur.WriteByte(s[i])
			}
		case ch == '"':
			quoted, in = !quoted, true
		case ch == ' ' && !quoted:
			if in {
				args = append(args, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if in {
		args = append(args, cur.String())
	}
	return args
}

// runExec runs a unit's command line by hand, as the Env's user, with the
// Env's environment plus extra: what systemd's ExecStart= would do.
func runExec(t *testing.T, e *Env, line string, extra ...string) string {
	t.Helper()
	return runExecUnit(t, e, "", line, extra...)
}

// runExecUnit is runExec for a unit whose name specifiers are expanded.
func runExecUnit(t *testing.T, e *Env, unit, line string, extra ...string) string {
	t.Helper()
	var argv []string
	if unit == "" {
		argv = splitExec(t, line)
	} else {
		argv = splitExec(t, line, unit)
	}
	if argv[0] != suite.pod {
		t.Fatalf("unit runs %q, want the pod binary %q", argv[0], suite.pod)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(e.environ(), extra...)
	cmd.Dir = e.Dir
	if e.rootless && os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(e.uid), Gid: uint32(e.gid), Groups: []uint32{}}}
	}
	begin := time.Now()
	b, err := cmd.CombinedOutput()
	if took := time.Since(begin); suite.slow > 0 && took > suite.slow {
		t.Logf("slow: %v: %s", took.Round(time.Millisecond), line)
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", line, err, b)
	}
	return string(b)
}

// verifyUnit runs systemd-analyze verify on the unit when the host has it
// (no systemd needs to run for that).
func verifyUnit(t *testing.T, path string) {
	t.Helper()
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("no systemd-analyze: unit not verified")
		return
	}
	out, err := exec.Command(sa, "verify", path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify %s: %v\n%s", path, err, out)
	}
}

// notifyListener is the service manager's end of sd_notify: a unix
// datagram socket anyone (the rootless user too) may send to.
type notifyListener struct {
	path string
	conn *net.UnixConn
}

func listenNotify(t *testing.T, e *Env) *notifyListener {
	t.Helper()
	path := filepath.Join(e.Dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := os.Chmod(path, 0o777); err != nil {
		t.Fatal(err)
	}
	return &notifyListener{path: path, conn: conn}
}

// next returns the next datagram's assignments, failing after a while.
func (l *notifyListener) next(t *testing.T) map[string]string {
	t.Helper()
	l.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 4096)
	n, err := l.conn.Read(buf)
	if err != nil {
		t.Fatalf("no sd_notify message: %v", err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimRight(string(buf[:n]), "\n"), "\n") {
		k, v, _ := strings.Cut(line, "=")
		m[k] = v
	}
	return m
}

// none checks that nothing arrives for a moment.
func (l *notifyListener) none(t *testing.T) {
	t.Helper()
	l.conn.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 4096)
	if n, err := l.conn.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("unexpected sd_notify message %q (%v)", buf[:n], err)
	}
}

type ctrState struct {
	Running   bool
	Status    string
	ConmonPid int
}

func sdState(t *testing.T, e *Env, name string) ctrState {
	t.Helper()
	var s ctrState
	out := e.MustPod("inspect", "-f", "{{json .State}}", name).Stdout
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("State %q: %v", out, err)
	}
	return s
}

// TestGenerateSystemd generates the unit of an existing container, runs
// its ExecStart, ExecStop and ExecStopPost by hand and checks that they
// start and stop the container and that PIDFile names its running monitor.
func TestGenerateSystemd(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		e.MustPod("create", "--name", "sd-web", "--stop-timeout", "3", "--restart", "always", img, "sleep", "1000")
		r := e.MustPod("generate", "systemd", "--name", "--files", "--restart-sec", "5", "--after", "sd-db.service", "-e", "SD_X=a b", "sd-web")
		path := strings.TrimSpace(r.Stdout)
		if path != filepath.Join(e.Dir, "container-sd-web.service") {
			t.Fatalf("--files printed %q", r.Stdout)
		}
		u := readUnit(t, path)
		for k, want := range map[string]string{"Type": "forking", "Restart": "always", "RestartSec": "5", "TimeoutStopSec": "63",
			"After": "network-online.target sd-db.service", "RequiresMountsFor": e.RunRoot} {
			if got := u.one(t, k); got != want {
				t.Errorf("%s=%s, want %s", k, got, want)
			}
		}
		if got := strings.Join(u["Environment"], " "); got != `PODMAN_SYSTEMD_UNIT=%n "SD_X=a b"` {
			t.Errorf("Environment= %s", got)
		}
		verifyUnit(t, path)

		runExec(t, e, u.one(t, "ExecStart"))
		s := sdState(t, e, "sd-web")
		if !s.Running {
			t.Fatalf("after ExecStart: %+v", s)
		}
		b, err := os.ReadFile(u.one(t, "PIDFile"))
		if err != nil || strings.TrimSpace(string(b)) != itoa(s.ConmonPid) {
			t.Fatalf("PIDFile holds %q (%v), want the monitor %d", b, err, s.ConmonPid)
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", s.ConmonPid))
		if !strings.Contains(string(cmdline), "pod-conmon") {
			t.Errorf("PIDFile's process runs %q, want pod-conmon", cmdline)
		}
		began := time.Now()
		runExec(t, e, u.one(t, "ExecStop"))
		if s := sdState(t, e, "sd-web"); s.Running || s.Status != "exited" {
			t.Fatalf("after ExecStop: %+v", s)
		}
		// sleep ignores SIGTERM as PID 1: the stop waited the container's 3 s.
		if d := time.Since(began); d < 3*time.Second || d > 30*time.Second {
			t.Errorf("ExecStop took %v, want the container's 3 s stop timeout", d)
		}
		runExec(t, e, u.one(t, "ExecStopPost")) // idempotent on a stopped container
		runExec(t, e, u.one(t, "ExecStart"))    // and the service starts again
		if !sdState(t, e, "sd-web").Running {
			t.Fatal("second ExecStart did not start the container")
		}
		e.MustPod("rm", "-f", "-t", "0", "sd-web")
	})
}

// TestGenerateSystemdNew generates a --new unit: ExecStart re-creates the
// container from its create command (and the monitor sends MAINPID and
// READY=1 to NOTIFY_SOCKET, as systemd's Type=notify needs), ExecStop and
// ExecStopPost stop and remove it.
func TestGenerateSystemdNew(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		e.MustPod("create", "--name", "sd-new", "--stop-timeout", "2", "-e", "GREETING=hello world", img,
			"sh", "-c", "echo $GREETING 100%; exec sleep 1000")
		r := e.MustPod("generate", "systemd", "--new", "--no-header", "--format", "json", "sd-new")
		var units map[string]string
		if err := json.Unmarshal([]byte(r.Stdout), &units); err != nil || len(units) != 1 {
			t.Fatalf("--format json printed %q (%v)", r.Stdout, err)
		}
		var text string
		for name, txt := range units {
			if !strings.HasPrefix(name, "container-") || !strings.HasSuffix(name, ".service") {
				t.Errorf("unit name %q", name)
			}
			text = txt
		}
		if strings.HasPrefix(text, "#") {
			t.Errorf("--no-header unit starts with a comment:\n%s", text)
		}
		path := e.WriteFile("sd-new.service", []byte(text))
		u := readUnit(t, path)
		if u.one(t, "Type") != "notify" || u.one(t, "NotifyAccess") != "all" || u.one(t, "TimeoutStopSec") != "62" {
			t.Errorf("unit:\n%s", text)
		}
		verifyUnit(t, path)
		notify := listenNotify(t, e)

		// The container made by create is replaced.
		runExec(t, e, u.one(t, "ExecStartPre"))
		if r := e.Pod("container", "exists", "sd-new"); r.Code != 1 {
			t.Fatalf("after ExecStartPre the old container is still there (exists: %d %s)", r.Code, r.Stderr)
		}
		runExec(t, e, u.one(t, "ExecStart"), "NOTIFY_SOCKET="+notify.path)
		msg := notify.next(t)
		s := sdState(t, e, "sd-new")
		if !s.Running || msg["READY"] != "1" || msg["MAINPID"] != itoa(s.ConmonPid) {
			t.Fatalf("sd_notify %v, state %+v: want READY=1 and MAINPID the monitor", msg, s)
		}
		waitLog(t, e, "sd-new", "hello world 100%")
		runExec(t, e, u.one(t, "ExecStop"))
		runExec(t, e, u.one(t, "ExecStopPost"))
		if r := e.Pod("container", "exists", "sd-new"); r.Code != 1 {
			t.Fatalf("after ExecStopPost the container is still there (exists: %d %s)", r.Code, r.Stderr)
		}
		// A second start works as well: nothing of the first is left over.
		runExec(t, e, u.one(t, "ExecStartPre"))
		runExec(t, e, u.one(t, "ExecStart"), "NOTIFY_SOCKET="+notify.path)
		if msg := notify.next(t); msg["READY"] != "1" {
			t.Fatalf("second start: sd_notify %v", msg)
		}
		runExec(t, e, u.one(t, "ExecStop"))
		runExec(t, e, u.one(t, "ExecStopPost"))
	})
}

// TestGenerateSystemdErrors: bad input fails with one clear line.
func TestGenerateSystemdErrors(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		e.Pod("generate", "systemd", "sd-missing").Fails(t, 125, "sd-missing")
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		e.MustPod("create", "--name", "sd-bad", img, "true")
		e.Pod("generate", "systemd", "--restart-policy", "sometimes", "sd-bad").Fails(t, 125, `invalid --restart-policy "sometimes"`)
		e.Pod("generate", "systemd", "--format", "yaml", "sd-bad").Fails(t, 125, `invalid --format "yaml"`)
		e.Pod("run", "--sdnotify", "bogus", img, "true").Fails(t, 125, `invalid --sdnotify "bogus"`)
	})
}

var sdNotifyBin struct {
	once sync.Once
	path string
	err  error
}

func sdNotifyBinary(t *testing.T) string {
	t.Helper()
	sdNotifyBin.once.Do(func() {
		gobin, err := exec.LookPath("go")
		if err != nil {
			gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		sdNotifyBin.path = filepath.Join(suite.tmpRoot, "sdnotify")
		cmd := exec.Command(gobin, "build", "-trimpath", "-o", sdNotifyBin.path, "./testdata/sdnotify")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			sdNotifyBin.err = fmt.Errorf("%w: %s", err, b)
			return
		}
		sdNotifyBin.err = os.Chmod(sdNotifyBin.path, 0o755)
	})
	if sdNotifyBin.err != nil {
		t.Fatalf("build the sdnotify helper: %v", sdNotifyBin.err)
	}
	return sdNotifyBin.path
}

// TestSdNotify checks --sdnotify with a listening notify socket: conmon
// (the default) has the monitor send MAINPID and READY=1; container passes
// the socket in and the container's process sends READY=1 itself, the
// monitor only MAINPID; ignore sends nothing. NOTIFY_SOCKET never shows up
// in a container that was not asked for it.
func TestSdNotify(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		notify := listenNotify(t, e)
		e.ExtraEnv = []string{"NOTIFY_SOCKET=" + notify.path}

		// The Env's first command (it pulls the image): rootless pod
		// executes itself into its new user namespace and must keep
		// NOTIFY_SOCKET across.
		e.MustPod("run", "-d", "--name", "sd-conmon", img, "sh", "-c", "env; echo env done; exec sleep 1000")
		msg := notify.next(t)
		if s := sdState(t, e, "sd-conmon"); msg["READY"] != "1" || msg["MAINPID"] != itoa(s.ConmonPid) {
			t.Errorf("conmon: sd_notify %v, monitor %d", msg, s.ConmonPid)
		}
		waitLog(t, e, "sd-conmon", "env done")
		if log := e.MustPod("logs", "sd-conmon").Stdout; strings.Contains(log, "NOTIFY_SOCKET") {
			t.Errorf("NOTIFY_SOCKET reached a --sdnotify=conmon container:\n%s", log)
		}

		e.MustPod("run", "-d", "--name", "sd-ignore", "--sdnotify=ignore", img, "sleep", "1000")
		notify.none(t)

		helper := sdNotifyBinary(t)
		e.MustPod("run", "-d", "--name", "sd-ctr", "--sdnotify=container", "-v", helper+":/sdnotify:ro", img,
			"/sdnotify", "READY=1", "STATUS=from the container")
		got := map[string]string{}
		for i := 0; i < 2; i++ { // the monitor's and the container's, in either order
			for k, v := range notify.next(t) {
				got[k] = v
			}
		}
		if s := sdState(t, e, "sd-ctr"); got["READY"] != "1" || got["STATUS"] != "from the container" || got["MAINPID"] != itoa(s.ConmonPid) {
			t.Errorf("container: sd_notify %v, monitor %d", got, s.ConmonPid)
		}
		if env := e.MustPod("exec", "sd-ctr", "sh", "-c", "echo $NOTIFY_SOCKET").Stdout; strings.TrimSpace(env) != "/run/notify/notify.sock" {
			t.Errorf("container's NOTIFY_SOCKET %q", env)
		}
		// pod init starts the monitor but not the container: ready only
		// once pod start has run it.
		e.MustPod("create", "--name", "sd-init", img, "sleep", "1000")
		e.MustPod("init", "sd-init")
		notify.none(t)
		e.MustPod("start", "sd-init")
		msg = notify.next(t)
		if s := sdState(t, e, "sd-init"); !s.Running || msg["READY"] != "1" || msg["MAINPID"] != itoa(s.ConmonPid) {
			t.Errorf("init then start: sd_notify %v, state %+v", msg, s)
		}
		e.MustPod("rm", "-f", "-t", "0", "sd-conmon", "sd-ignore", "sd-ctr", "sd-init")
	})
}

// TestSdNotifyHealthy: with --sdnotify=healthy the monitor announces
// itself at once and READY=1 comes only with the first passing
// healthcheck (here once the container has made its file), once per run;
// without a healthcheck the mode is refused.
func TestSdNotifyHealthy(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		e.Pod("run", "--sdnotify=healthy", img, "true").Fails(t, 125, "--sdnotify=healthy needs a healthcheck")
		notify := listenNotify(t, e)
		e.ExtraEnv = []string{"NOTIFY_SOCKET=" + notify.path}
		e.MustPod("run", "-d", "--name", "sd-healthy", "--sdnotify=healthy", "--health-cmd", "test -e /tmp/ok",
			"--health-interval", "1s", img, "sh", "-c", "sleep 3; touch /tmp/ok; exec sleep 1000")
		t.Cleanup(func() { e.Pod("rm", "-f", "-t", "0", "sd-healthy") })
		started := time.Now()
		msg := notify.next(t)
		if s := sdState(t, e, "sd-healthy"); msg["MAINPID"] != itoa(s.ConmonPid) || msg["READY"] != "" {
			t.Fatalf("first message %v, want MAINPID=%d alone", msg, s.ConmonPid)
		}
		msg = notify.next(t)
		waited := time.Since(started)
		if msg["READY"] != "1" || waited < 2*time.Second {
			t.Fatalf("second message %v after %s, want READY=1 after the container's 3 s", msg, waited)
		}
		if got := out(e.MustPod("inspect", "-f", "{{.State.Health.Status}} {{.Config.SdNotifyMode}}", "sd-healthy")); got != "healthy healthy" {
			t.Errorf("health and mode: %q", got)
		}
		e.MustPod("healthcheck", "run", "sd-healthy")
		notify.none(t) // ready once per run
	})
}

// TestRestartUnit runs what `make install`'s pod-restart.service runs at
// boot and at shutdown: the --restart=always containers start, the others
// stay as they are, and stop again. The installed units pass
// systemd-analyze verify.
func TestRestartUnit(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		pod := suite.pod + " --root " + e.Root + " --runroot " + e.RunRoot
		units := map[string]unitFile{}
		for _, name := range []string{"pod-restart.service", "pod.socket", "pod.service"} {
			b, err := os.ReadFile(filepath.Join("..", "..", "contrib", "systemd", name))
			if err != nil {
				t.Fatal(err)
			}
			path := e.WriteFile(name, []byte(strings.ReplaceAll(strings.ReplaceAll(string(b), "@@POD@@", pod), "$LOGGING", "--log-level=info")))
			units[name] = readUnit(t, path)
		}
		for _, name := range []string{"pod-restart.service", "pod.socket"} {
			verifyUnit(t, filepath.Join(e.Dir, name))
		}
		if got := units["pod.service"].one(t, "ExecStart"); !strings.HasSuffix(got, " system service --time 5") {
			t.Errorf("pod.service ExecStart=%s", got)
		}
		e.MustPod("create", "--name", "sd-always", "--restart", "always", "--stop-timeout", "1", img, "sleep", "1000")
		e.MustPod("create", "--name", "sd-never", img, "sleep", "1000")
		e.MustPod("run", "-d", "--name", "sd-failure", "--restart", "on-failure", img, "true")
		t.Cleanup(func() { e.Pod("rm", "-f", "-t", "0", "sd-always", "sd-never", "sd-failure") })
		e.MustPod("wait", "sd-failure")
		if got := out(e.MustPod("ps", "-a", "--filter", "restart-policy=always", "--filter", "restart-policy=on-failure", "--format", "{{.Names}}", "--sort", "names")); got != "sd-always\nsd-failure" {
			t.Errorf("ps --filter restart-policy: %q", got)
		}
		e.Pod("ps", "--filter", "restart-policy=sometimes").Fails(t, 125, "restart-policy")

		u := units["pod-restart.service"]
		runExecUnit(t, e, "pod-restart", u.one(t, "ExecStart"))
		got := out(e.MustPod("ps", "-a", "--format", "{{.Names}} {{.State}}", "--sort", "names"))
		if got != "sd-always running\nsd-failure exited\nsd-never created" {
			t.Errorf("after the unit's start:\n%s", got)
		}
		runExecUnit(t, e, "pod-restart", u.one(t, "ExecStop"))
		if s := sdState(t, e, "sd-always"); s.Running {
			t.Errorf("sd-always still runs after the unit's stop")
		}
	})
}
