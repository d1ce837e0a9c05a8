package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// binaryStdin holds the default detach keys (Ctrl-p Ctrl-q, bytes 0x10
// 0x11) in the middle: data, not keys, when no terminal is involved.
const binaryStdin = "abc\x10\x11def"

// TestStdinDetachKeysWithoutTerminal pipes stdin that holds the detach
// keys' bytes through every attached path without -t: the process gets
// every byte and then the end of its input, as in Docker and Podman, where
// the detach keys apply only to a terminal. With a real terminal (-it) the
// keys still detach.
func TestStdinDetachKeysWithoutTerminal(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		wantCount := func(what string, r *Result) {
			t.Helper()
			if r.Code != 0 || strings.TrimSpace(r.Stdout) != "8" {
				t.Fatalf("%s: exit %d, stdout %q (want 8 bytes counted), stderr %q", what, r.Code, r.Stdout, r.Stderr)
			}
		}

		runID(t, e, "run", "-d", "--network", "none", "--name", "box", img, "sleep", "1000")
		wantCount("exec -i", e.PodStdin(strings.NewReader(binaryStdin), "exec", "-i", "box", "wc", "-c"))
		if ids := execIDs(t, e, "box"); len(ids) != 0 {
			t.Fatalf("exec -i left sessions %v", ids)
		}

		wantCount("run -i --rm", e.PodStdin(strings.NewReader(binaryStdin), "run", "-i", "--rm", "--network", "none", "--name", "gone", img, "wc", "-c"))
		if ids := e.MustPod("ps", "-aq", "--filter", "name=gone").Lines(); len(ids) != 0 {
			t.Fatalf("run -i --rm left its container %v", ids)
		}

		wantCount("run -i", e.PodStdin(strings.NewReader(binaryStdin), "run", "-i", "--network", "none", "--name", "kept", img, "wc", "-c"))
		if got := strings.TrimSpace(e.MustPod("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "kept").Stdout); got != "exited 0" {
			t.Fatalf("run -i: container is %q afterwards, want exited 0", got)
		}
		wantCount("start -ai", e.PodStdin(strings.NewReader(binaryStdin), "start", "-ai", "kept"))

		runID(t, e, "run", "-d", "-i", "--network", "none", "--name", "reader", img, "wc", "-c")
		wantCount("attach", e.PodStdin(strings.NewReader(binaryStdin), "attach", "reader"))

		// With a terminal the same bytes are the detach keys.
		s := startPty(t, e, "exec", "-it", "box", "sh")
		s.Expect(0, "# ")
		s.Type("\x10\x11")
		if code := s.Wait(); code != 0 {
			t.Fatalf("exec -it, detach keys: exit code %d; terminal:\n%q", code, s.Output())
		}
		s = startPty(t, e, "run", "-it", "--rm", "--network", "none", "--name", "tty", img, "sh")
		s.Expect(0, "# ")
		s.Type("\x10\x11")
		if code := s.Wait(); code != 0 {
			t.Fatalf("run -it --rm, detach keys: exit code %d; terminal:\n%q", code, s.Output())
		}
		if got := strings.TrimSpace(e.MustPod("inspect", "-f", "{{.State.Status}}", "tty").Stdout); got != "running" {
			t.Fatalf("after detaching from run -it the container is %q, want running", got)
		}
	})
}

// TestRootlessOtherRuntimeDir runs commands for a running rootless
// container with another XDG_RUNTIME_DIR than the one it was started with,
// and with none (cron, su, ssh): they see it running, exec into it and stop
// it, and the original environment agrees afterwards.
func TestRootlessOtherRuntimeDir(t *testing.T) {
	if suite.rootless == "" || suite.rootless == "self" {
		t.Skip("needs root to run as the rootless user")
	}
	e := NewEnv(t, true)
	// The default run root, which is under XDG_RUNTIME_DIR.
	e.RunRoot = ""
	img := suite.images.Busybox
	e.MustPod("pull", "-q", img)
	runID(t, e, "run", "-d", "--network", "none", "--name", "c", img, "sleep", "1000")
	pid := atoi(strings.TrimSpace(e.MustPod("inspect", "-f", "{{.State.Pid}}", "c").Stdout))
	if pid <= 0 {
		t.Fatal("no container PID")
	}
	pause := e.PausePID()

	other := e.Mkdir("xdg-other")
	if err := os.Chmod(other, 0o700); err != nil {
		t.Fatal(err)
	}
	// The fallback directory without XDG_RUNTIME_DIR is the user's, shared
	// with other tests: end only a pause process this test left there.
	fallback := "/run/user/" + itoa(e.uid)
	if _, err := os.Stat(fallback); err != nil {
		fallback = "/tmp/pod-run-" + itoa(e.uid)
	}
	pausePIDIn := func(dir string) int {
		b, _ := os.ReadFile(filepath.Join(dir, "pod", "pause.pid"))
		return atoi(strings.TrimSpace(string(b)))
	}
	// A runtime directory naming another storage's pause process, as one
	// left by an older pod for the same storage would.
	foreign := e.Mkdir("xdg-foreign")
	if err := os.Chmod(foreign, 0o700); err != nil {
		t.Fatal(err)
	}
	e.ExtraEnv = []string{"XDG_RUNTIME_DIR=" + foreign}
	e.MustPod("--root", e.Path("foreign-root"), "info")
	if p := pausePIDIn(foreign); p <= 0 || p == pause {
		t.Fatalf("no pause process of its own for another storage: %d", p)
	}
	before := pausePIDIn(fallback)
	t.Cleanup(func() {
		// The Env's own cleanup runs next, in its own runtime directory.
		e.ExtraEnv = nil
		for _, p := range []int{pausePIDIn(other), pausePIDIn(foreign), pausePIDIn(fallback)} {
			if p > 0 && p != before && p != pause {
				_ = unix.Kill(p, unix.SIGKILL)
			}
		}
	})

	for _, env := range []struct{ name, dir string }{{"another runtime dir", other}, {"no runtime dir", ""}, {"another storage's runtime dir", foreign}} {
		e.ExtraEnv = []string{"XDG_RUNTIME_DIR=" + env.dir}
		if got := strings.TrimSpace(e.MustPod("ps", "-a", "--format", "{{.Names}} {{.Status}}").Stdout); !strings.HasPrefix(got, "c Up") {
			t.Fatalf("%s: ps -a shows %q, want c Up", env.name, got)
		}
		if r := e.Pod("exec", "c", "echo", "inside"); r.Code != 0 || r.Stdout != "inside\n" {
			t.Fatalf("%s: exec: exit %d stdout %q stderr %q", env.name, r.Code, r.Stdout, r.Stderr)
		}
	}
	e.ExtraEnv = []string{"XDG_RUNTIME_DIR=" + other}
	e.MustPod("stop", "-t", "2", "c")
	waitGone(t, pid)

	e.ExtraEnv = nil
	// sleep as PID 1 ignores SIGTERM: the stop's SIGKILL ends it.
	if got := strings.TrimSpace(e.MustPod("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "c").Stdout); got != "exited 137" {
		t.Fatalf("after stop with another runtime dir, the original one sees %q, want exited 137", got)
	}
	e.MustPod("start", "c")
	if r := e.Pod("exec", "c", "echo", "again"); r.Code != 0 || r.Stdout != "again\n" {
		t.Fatalf("exec after restart: exit %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	if got := e.PausePID(); got != pause {
		t.Fatalf("pause process %d, want still %d", got, pause)
	}
	e.MustPod("rm", "-f", "-t", "0", "c")
}
