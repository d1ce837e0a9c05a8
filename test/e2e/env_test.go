package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Env is one isolated pod installation for one test: its own storage root,
// run root and home, used as root or as the rootless test user.
type Env struct {
	t        *testing.T
	Name     string // "root" or "rootless"
	Dir      string
	Root     string
	RunRoot  string
	Home     string
	uid, gid int // credentials to run pod with; 0 for root
	rootless bool
	ExtraEnv []string
	// Binary, when set, is the pod run instead of the suite's (an older
	// release, for upgrade tests).
	Binary string
	// ExtraArgs are global flags given to every command (--runtime runc).
	ExtraArgs []string
}

// Result is what one pod invocation did.
type Result struct {
	Args   []string
	Stdout string
	Stderr string
	Code   int
}

// forEachUser runs fn as root and as the rootless test user, each in a
// fresh Env, as subtests named "root" and "rootless". The two run at the
// same time: each Env is isolated (its own storage, names, pushed image
// names and ports), and most of a test's time is spent waiting on
// containers, so the suite takes about half as long. fn must not change
// anything outside its Env. POD_E2E_SERIAL=1 runs them one after the
// other, to tell a race between the halves from a bug.
func forEachUser(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Helper()
	eachUser(t, os.Getenv("POD_E2E_SERIAL") == "", fn)
}

// forEachUserInTurn is forEachUser with the halves one after the other,
// for tests that use a host-wide resource by a fixed name: a network
// with a given subnet, which pod refuses to create while the other
// half's bridge uses it on the host.
func forEachUserInTurn(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Helper()
	eachUser(t, false, fn)
}

func eachUser(t *testing.T, parallel bool, fn func(t *testing.T, e *Env)) {
	t.Helper()
	parallel = parallel && suite.rootful && suite.rootless != ""
	half := func(rootless bool) func(t *testing.T) {
		return func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			fn(t, NewEnv(t, rootless))
		}
	}
	if suite.rootful {
		t.Run("root", half(false))
	}
	if suite.rootless != "" {
		t.Run("rootless", half(true))
	}
}

// asRoot runs fn as root only (for what needs a rootful host), as the
// subtest "root"; without root that subtest skips, not the caller's test.
// Every use says why its test cannot run rootless.
func asRoot(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Helper()
	t.Run("root", func(t *testing.T) {
		if !suite.rootful {
			t.Skip("needs root")
		}
		fn(t, NewEnv(t, false))
	})
}

// NewEnv makes an isolated Env; t.Cleanup removes everything it made.
func NewEnv(t *testing.T, rootless bool) *Env {
	t.Helper()
	dir, err := os.MkdirTemp(suite.tmpRoot, "env-")
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{t: t, Name: "root", Dir: dir, Root: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "runroot"), Home: filepath.Join(dir, "home"), rootless: rootless}
	if rootless {
		e.Name = "rootless"
		e.uid, e.gid = os.Getuid(), os.Getgid()
		if suite.rootless != "self" {
			u, err := user.Lookup(suite.rootless)
			if err != nil {
				t.Fatal(err)
			}
			e.uid, _ = strconv.Atoi(u.Uid)
			e.gid, _ = strconv.Atoi(u.Gid)
		}
	}
	for _, d := range []string{e.Home, filepath.Join(e.Home, ".config"), filepath.Join(dir, "xdg")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if rootless && os.Geteuid() == 0 {
		for _, d := range []string{dir, e.Home, filepath.Join(e.Home, ".config"), filepath.Join(dir, "xdg")} {
			if err := os.Chown(d, e.uid, e.gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Cleanup(e.cleanup)
	return e
}

// Rootless reports whether this Env runs pod as the unprivileged user.
func (e *Env) Rootless() bool { return e.rootless }

func (e *Env) environ() []string {
	env := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + e.Home,
		"XDG_RUNTIME_DIR=" + filepath.Join(e.Dir, "xdg"),
		"XDG_CONFIG_HOME=" + filepath.Join(e.Home, ".config"),
		"CONTAINERS_REGISTRIES_CONF=" + suite.regConf,
		"TMPDIR=" + e.Dir,
		"CONTAINERS_CONF=" + suite.noConf,
	}
	if e.rootless && suite.rootless != "self" {
		env = append(env, "USER="+suite.rootless, "LOGNAME="+suite.rootless)
	}
	return append(env, e.ExtraEnv...)
}

// Command builds an exec.Cmd running pod with this Env's storage flags.
func (e *Env) Command(ctx context.Context, args ...string) *exec.Cmd {
	full := []string{"--root", e.Root}
	if e.RunRoot != "" { // "": the default run root, as a user's commands have
		full = append(full, "--runroot", e.RunRoot)
	}
	full = append(append(full, e.ExtraArgs...), args...)
	bin := suite.pod
	if e.Binary != "" {
		bin = e.Binary
	}
	cmd := exec.CommandContext(ctx, bin, full...)
	cmd.Env = e.environ()
	cmd.Dir = e.Dir
	if e.rootless && os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(e.uid), Gid: uint32(e.gid), Groups: []uint32{}}}
	}
	return cmd
}

// Pod runs pod with args and returns what happened; it never fails the test.
func (e *Env) Pod(args ...string) *Result {
	return e.PodStdin(nil, args...)
}

// PodStdin runs pod with stdin.
func (e *Env) PodStdin(stdin io.Reader, args ...string) *Result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := e.Command(ctx, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errb, stdin
	begin := time.Now()
	err := cmd.Run()
	if took := time.Since(begin); suite.slow > 0 && took > suite.slow {
		e.t.Logf("slow: %v: pod %s", took.Round(time.Millisecond), strings.Join(args, " "))
	}
	r := &Result{Args: args, Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	default:
		e.t.Fatalf("run pod %v: %v", args, err)
	}
	return r
}

// MustPod runs pod and fails the test unless it exits 0.
func (e *Env) MustPod(args ...string) *Result {
	e.t.Helper()
	r := e.Pod(args...)
	r.Success(e.t)
	return r
}

// Success fails t unless the command exited 0.
func (r *Result) Success(t *testing.T) *Result {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("pod %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(r.Args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// Fails fails t unless the command exited with code and printed one
// "Error: ..." line on stderr containing want.
func (r *Result) Fails(t *testing.T, code int, want string) *Result {
	t.Helper()
	if r.Code != code {
		t.Fatalf("pod %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(r.Args, " "), r.Code, code, r.Stdout, r.Stderr)
	}
	lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "Error: ") || !strings.Contains(last, want) {
		t.Fatalf("pod %s: stderr %q, want an Error line containing %q", strings.Join(r.Args, " "), r.Stderr, want)
	}
	return r
}

// FailsRuntime is Fails for a message the OCI runtime writes: runc and
// crun word the same failure differently ("executable file not found" /
// "executable file `x` not found", "no such file" / "No such file"), so
// each of words must be on the Error line, in any case.
func (r *Result) FailsRuntime(t *testing.T, code int, words ...string) *Result {
	t.Helper()
	r.Fails(t, code, "")
	lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
	last := strings.ToLower(lines[len(lines)-1])
	for _, w := range words {
		if !strings.Contains(last, strings.ToLower(w)) {
			t.Fatalf("pod %s: stderr %q, want an Error line containing %q", strings.Join(r.Args, " "), r.Stderr, w)
		}
	}
	return r
}

// Lines returns stdout split into non-empty lines.
func (r *Result) Lines() []string {
	var out []string
	s := bufio.NewScanner(strings.NewReader(r.Stdout))
	for s.Scan() {
		if l := strings.TrimSpace(s.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (e *Env) cleanup() {
	// Stop whatever containers the test left, then unmount and remove.
	_ = e.Pod("rm", "-af", "-t", "0")
	// Containers that exited run their monitor's cleanup command (a pod
	// process with --root in its arguments) in the background; removing
	// the directory under it would race its writes.
	waitNoProcessUsing(e.Root, 10*time.Second)
	// Run as the plain user itself (not as root's child), the suite cannot
	// remove files owned by the user's subordinate ids: pod's user
	// namespace can.
	if e.rootless && os.Geteuid() != 0 {
		_ = e.Pod("unshare", "rm", "-rf", e.Root)
	}
	// A rootless Env has its own pause process (its own XDG_RUNTIME_DIR);
	// its end releases the user and mount namespaces and their mounts.
	if pid := e.PausePID(); pid > 0 {
		_ = unix.Kill(pid, unix.SIGKILL)
	}
	unmountUnder(e.Dir)
	if err := os.RemoveAll(e.Dir); err != nil {
		e.t.Logf("cleanup %s: %v", e.Dir, err)
	}
}

// waitNoProcessUsing waits until no process has dir in its command line.
func waitNoProcessUsing(dir string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		busy := false
		cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, p := range cmdlines {
			b, err := os.ReadFile(p)
			if err == nil && strings.Contains(string(b), "\x00"+dir+"\x00") {
				busy = true
				break
			}
		}
		if !busy {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// unmountUnder lazily unmounts every mount point below dir, deepest first.
func unmountUnder(dir string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	defer f.Close()
	var points []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			points = append(points, fields[4])
		}
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	for _, p := range points {
		_ = unix.Unmount(p, unix.MNT_DETACH)
	}
}

// PausePID is the PID of the Env's rootless pause process, or 0.
func (e *Env) PausePID() int {
	b, err := os.ReadFile(filepath.Join(e.Dir, "xdg", "pod", "pause.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 || unix.Kill(pid, 0) != nil {
		return 0
	}
	return pid
}

// Path joins elements under the Env's private directory.
func (e *Env) Path(elem ...string) string {
	return filepath.Join(append([]string{e.Dir}, elem...)...)
}

// WriteFile writes a file the Env's user can read.
func (e *Env) WriteFile(name string, data []byte) string {
	e.t.Helper()
	p := e.Path(name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		e.t.Fatal(err)
	}
	if e.rootless && os.Geteuid() == 0 {
		_ = os.Chown(p, e.uid, e.gid)
	}
	return p
}

// Mkdir makes a directory under the Env's private directory that the Env's
// user owns (as a user's own directory would be), and returns its path.
func (e *Env) Mkdir(name string) string {
	e.t.Helper()
	p := e.Path(name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		e.t.Fatal(err)
	}
	if e.rootless && os.Geteuid() == 0 {
		if err := os.Chown(p, e.uid, e.gid); err != nil {
			e.t.Fatal(err)
		}
	}
	return p
}

func (e *Env) String() string { return fmt.Sprintf("%s env in %s", e.Name, e.Dir) }

func itoa(i int) string { return strconv.Itoa(i) }

func atoi(s string) int {
	i, _ := strconv.Atoi(s)
	return i
}

// waitGone waits until the process with pid has exited (been reaped).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if unix.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("process %d still alive", pid)
}

// signalIgnored reports whether this process ignores sig (inherited from
// whoever started the suite); children of the suite then ignore it too.
func signalIgnored(t *testing.T, sig syscall.Signal) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("parse SigIgn %q: %v", v, err)
			}
			return mask&(1<<(uint(sig)-1)) != 0
		}
	}
	return false
}
