package conmon_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/spec"
)

// monitorBin is the pod-conmon TestMain builds; "" when it could not.
var monitorBin string

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(helperMain())
	}
	dir, err := os.MkdirTemp("", "pod-conmon-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Built as any user: the tests that run containers skip without
	// root, but those with a stand-in runtime run anywhere.
	{
		monitorBin = filepath.Join(dir, conmon.BinaryName)
		// As the Makefile builds it, so that what is measured is what ships.
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-trimpath", "-ldflags", "-s -w",
			"-o", monitorBin, "github.com/pod-engine/pod/cmd/pod-conmon")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build pod-conmon:", err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// helperEnv makes the test binary act as a short-lived pod: it starts a
// monitor, prints what Start returned and exits.
const helperEnv = "POD_CONMON_TEST_HELPER"

func helperMain() int {
	var cfg conmon.Config
	if err := json.Unmarshal([]byte(os.Getenv(helperEnv)), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// A descriptor without close-on-exec, as a careless caller of pod
	// may hand down: the monitor must not keep it.
	var leak [2]int
	if err := syscall.Pipe(leak[:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	st, err := conmon.Start(context.Background(), os.Getenv("POD_CONMON_TEST_BIN"), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	link, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(leak[0]))
	json.NewEncoder(os.Stdout).Encode(helperResult{Started: *st, Leak: link})
	return 0
}

type helperResult struct {
	Started conmon.Started
	Leak    string // what the descriptor the helper left open points to
}

// ctr is one test container: a busybox bundle and a runc state root.
type ctr struct {
	t        *testing.T
	id       string
	dir      string
	runcRoot string
	cfg      conmon.Config
	opts     spec.Options
}

// newCtr prepares a bundle running args and a Config for it (k8s-file log).
func newCtr(t *testing.T, args ...string) *ctr {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run containers")
	}
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("runc not installed")
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	rnd := make([]byte, 6)
	rand.Read(rnd)
	c := &ctr{t: t, id: "pcm-" + hex.EncodeToString(rnd), dir: t.TempDir()}
	c.runcRoot = filepath.Join(c.dir, "runc")
	bundle := filepath.Join(c.dir, "bundle")
	rootfs := filepath.Join(bundle, "rootfs")
	for _, d := range []string{"bin", "proc", "sys", "dev", "tmp", "etc"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"sh", "cat", "echo", "sleep", "head", "tr", "tail", "printf", "true", "grep", "ls", "stty", "tty"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", l)); err != nil {
			t.Fatal(err)
		}
	}
	c.opts = spec.Options{
		Rootfs:   rootfs,
		Args:     args,
		Hostname: "conmon-test",
		// Relative: beside the test's own cgroup, as pod does it.
		CgroupsPath: c.id,
	}
	c.writeSpec()
	pidFile := filepath.Join(c.dir, "pid")
	c.cfg = conmon.Config{
		ID:           c.id,
		RuntimeArgv:  []string{runc, "--root", c.runcRoot, "create", "--bundle", bundle, "--pid-file", pidFile, c.id},
		PidFile:      pidFile,
		LogPath:      filepath.Join(c.dir, "ctr.log"),
		ExitFile:     filepath.Join(c.dir, "exit"),
		AttachSocket: filepath.Join(c.dir, "attach.sock"),
	}
	t.Cleanup(func() {
		exec.Command(runc, "--root", c.runcRoot, "delete", "-f", c.id).Run()
	})
	return c
}

// writeSpec writes the bundle's config.json from c.opts.
func (c *ctr) writeSpec() {
	c.t.Helper()
	s, err := spec.Generate(c.opts)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := spec.WriteBundle(filepath.Join(c.dir, "bundle"), s); err != nil {
		c.t.Fatal(err)
	}
}

func (c *ctr) start() *conmon.Started {
	c.t.Helper()
	st, err := conmon.Start(context.Background(), monitorBin, c.cfg)
	if err != nil {
		c.t.Fatalf("Start: %v", err)
	}
	return st
}

// runc runs a runc command on the test container: runc ARGS[0] ID ARGS[1:].
func (c *ctr) runc(args ...string) {
	c.t.Helper()
	argv := []string{"--root", c.runcRoot, args[0], c.id}
	argv = append(argv, args[1:]...)
	if out, err := exec.Command("runc", argv...).CombinedOutput(); err != nil {
		c.t.Fatalf("runc %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// wait waits for the monitor to finish and returns the exit file.
func (c *ctr) wait(st *conmon.Started) *conmon.Exit {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := conmon.WaitMonitor(ctx, st.MonitorPID); err != nil {
		c.t.Fatalf("WaitMonitor: %v", err)
	}
	e, err := conmon.ReadExit(c.cfg.ExitFile)
	if err != nil {
		c.t.Fatalf("ReadExit: %v", err)
	}
	return e
}

func (c *ctr) log() string {
	b, err := os.ReadFile(c.cfg.LogPath)
	if err != nil {
		c.t.Fatal(err)
	}
	return string(b)
}
