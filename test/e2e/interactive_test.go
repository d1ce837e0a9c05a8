package e2e

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunInteractiveTerminal types into `pod run -it` on a real terminal:
// the command runs in the container's terminal, its output comes back and
// pod exits with the shell's exit code.
func TestRunInteractiveTerminal(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		s := startPty(t, e, "run", "-it", "--rm", img, "sh")
		at := s.Expect(0, "# ")
		s.Type("echo hi$((1+1)); tty; exit 3\r")
		at = s.Expect(at, "hi2\r\n")
		s.Expect(at, "/dev/pts/")
		if code := s.Wait(); code != 3 {
			t.Fatalf("exit code %d, want 3; terminal:\n%q", code, s.Output())
		}
	})
}

// TestRunTerminalResize checks the container's terminal has the size of
// pod's at start and follows it when it changes.
func TestRunTerminalResize(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		// The container's terminal has pod's size from its first instant.
		first := startPty(t, e, "run", "-it", "--rm", img, "stty", "size")
		first.Expect(0, "24 80\r\n")
		if code := first.Wait(); code != 0 {
			t.Fatalf("run -it stty size: exit code %d", code)
		}

		s := startPty(t, e, "run", "-it", "--rm", img, "sh")
		at := s.Expect(0, "# ")
		s.Type("stty size\r")
		at = s.Expect(at, "24 80\r\n")
		s.Resize(40, 100)
		// The new size travels with SIGWINCH, beside what is typed: ask
		// until the shell sees it.
		for i := 0; ; i++ {
			s.Type("stty size\r")
			next := s.Expect(at, "\r\n/ # ")
			if strings.Contains(s.Output()[at:next], "40 100\r\n") {
				break
			}
			if i == 50 {
				t.Fatalf("the container's terminal never took the new size:\n%q", s.Output())
			}
			at = next
		}
		s.Type("exit\r")
		if code := s.Wait(); code != 0 {
			t.Fatalf("exit code %d", code)
		}
	})
}

// TestRunTerminalSignalProxy checks that with a terminal (-it and -t) the
// signals sent to pod itself still reach the container (--sig-proxy, the
// default, as podman and Docker do), and that --sig-proxy=false keeps them
// from it.
func TestRunTerminalSignalProxy(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		for _, tt := range []struct {
			flag string
			sig  syscall.Signal
			name string
		}{
			{"-it", syscall.SIGTERM, "TERM"},
			{"-t", syscall.SIGINT, "INT"},
		} {
			script := `trap "echo got-` + tt.name + `; exit 12" ` + tt.name + `; echo ready; while :; do sleep 0.1; done`
			s := startPty(t, e, "run", tt.flag, "--rm", img, "sh", "-c", script)
			at := s.Expect(0, "ready")
			if err := s.cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			s.Expect(at, "got-"+tt.name)
			if code := s.Wait(); code != 12 {
				t.Fatalf("run %s, SIG%s to pod: exit code %d, want 12; terminal:\n%q", tt.flag, tt.name, code, s.Output())
			}
		}

		// --sig-proxy=false: SIGINT leaves pod streaming and the container
		// untouched; the USR2 that `pod kill` sends afterwards, through
		// another path, is the first signal the container sees.
		s := startPty(t, e, "run", "-t", "--sig-proxy=false", "--name", "noproxy", img, "sh", "-c",
			`trap "echo got-INT; exit 12" INT; trap "echo got-USR2; exit 13" USR2; echo ready; while :; do sleep 0.1; done`)
		s.Expect(0, "ready")
		if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		e.MustPod("kill", "-s", "USR2", "noproxy")
		if code := s.Wait(); code != 13 || strings.Contains(s.Output(), "got-INT") {
			t.Fatalf("run -t --sig-proxy=false, SIGINT to pod then kill -s USR2: exit code %d, want 13; terminal:\n%q", code, s.Output())
		}
		e.MustPod("rm", "noproxy")
	})
}

// TestDetachAndAttach detaches with Ctrl-p Ctrl-q, which leaves the
// container running, then attaches again and ends it.
func TestDetachAndAttach(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		s := startPty(t, e, "run", "-it", "--name", "sticky", img, "sh")
		at := s.Expect(0, "# ")
		s.Type("export MARK=kept\r")
		s.Expect(at, "# ")
		s.Type("\x10\x11")
		if code := s.Wait(); code != 0 {
			t.Fatalf("detach: exit code %d; terminal:\n%q", code, s.Output())
		}
		if got := strings.TrimSpace(e.MustPod("inspect", "-f", "{{.State.Status}}", "sticky").Stdout); got != "running" {
			t.Fatalf("after detaching the container is %q, want running", got)
		}

		a := startPty(t, e, "attach", "sticky")
		a.Type("echo mark=$MARK\r")
		at = a.Expect(0, "mark=kept\r\n")
		a.Type("exit 4\r")
		if code := a.Wait(); code != 4 {
			t.Fatalf("attach: exit code %d, want 4; terminal:\n%q", code, a.Output())
		}

		// Custom keys; "" disables detaching (the keys then reach the shell).
		s = startPty(t, e, "run", "-it", "--detach-keys", "ctrl-a,x", "--name", "custom", img, "sh")
		at = s.Expect(0, "# ")
		s.Type("\x01x")
		if code := s.Wait(); code != 0 {
			t.Fatalf("detach with ctrl-a,x: exit code %d", code)
		}
		a = startPty(t, e, "attach", "--detach-keys", "", "custom")
		a.Type("\x10\x11echo still-here\r")
		a.Expect(0, "still-here\r\n")
		a.Type("exit 0\r")
		if code := a.Wait(); code != 0 {
			t.Fatalf("attach: exit code %d", code)
		}

		e.Pod("run", "--detach-keys", "ctrl-1", img, "true").Fails(t, 125, "detach keys")
	})
}

// TestStartAttachInteractive runs a container made with create -it through
// start -ai.
func TestStartAttachInteractive(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		e.MustPod("create", "-t", "-i", "--name", "later", img, "sh")
		s := startPty(t, e, "start", "-ai", "later")
		at := s.Expect(0, "# ")
		s.Type("echo started; exit 5\r")
		s.Expect(at, "started\r\n")
		if code := s.Wait(); code != 5 {
			t.Fatalf("start -ai: exit code %d, want 5", code)
		}
	})
}

// TestInteractivePipes checks -i without a terminal: stdin streams to the
// container and its end closes the container's stdin; attach --no-stdin
// follows a running container's output to its exit code.
func TestInteractivePipes(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		r := e.PodStdin(strings.NewReader("one\ntwo\n"), "run", "-i", "--rm", img, "sh", "-c", "wc -l; exit 7")
		if r.Code != 7 || strings.TrimSpace(r.Stdout) != "2" {
			t.Fatalf("run -i: code %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
		}

		runID(t, e, "run", "-d", "-i", "--name", "reader", img, "sh", "-c", "read x; echo got $x; exit 6")
		r = e.PodStdin(strings.NewReader("hello\n"), "attach", "reader")
		if r.Code != 6 || r.Stdout != "got hello\n" {
			t.Fatalf("attach: code %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
		}
		e.Pod("attach", "reader").Fails(t, 125, "running")

		// Without a terminal the detach keys' bytes are data: they reach
		// the container, and the end of stdin ends its input.
		runID(t, e, "run", "-d", "-i", "--name", "twolines", img, "sh", "-c", "read a; read b; echo \"$a+$b\" | od -An -c")
		r = e.PodStdin(strings.NewReader("one\n\x10\x11two\n"), "attach", "twolines")
		if r.Code != 0 || strings.Join(strings.Fields(r.Stdout), " ") != "o n e + 020 021 t w o \\n" {
			t.Fatalf("attach with the detach keys in piped stdin: code %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
		}
		e.Pod("attach", "nosuch").Fails(t, 125, "no such container")
	})
}

// TestAttachSignalsAndClientDeath checks that signals sent to an attached
// pod reach the container (--sig-proxy, the default), and that a client
// killed outright leaves the container running.
func TestAttachSignalsAndClientDeath(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := e.Command(ctx, "run", "--name", "trapper", img, "sh", "-c",
			`trap "echo got-usr1; exit 11" USR1; echo ready; while :; do sleep 0.1; done`)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		rd := bufio.NewReader(out)
		if line, err := rd.ReadString('\n'); err != nil || line != "ready\n" {
			t.Fatalf("first line %q: %v", line, err)
		}
		cmd.Process.Signal(syscall.SIGUSR1)
		rest, _ := io.ReadAll(rd)
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 11 || string(rest) != "got-usr1\n" {
			t.Fatalf("after SIGUSR1 to pod: %v, output %q", err, rest)
		}

		// --sig-proxy=false: the signal is pod's own (SIGHUP ends it); the
		// container, which would exit on it, goes on.
		cmd = e.Command(ctx, "run", "--sig-proxy=false", "--name", "unproxied", img, "sh", "-c",
			`trap "exit 11" HUP; echo ready; while :; do sleep 0.1; done`)
		if out, err = cmd.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
			t.Fatalf("first line %q: %v", line, err)
		}
		cmd.Process.Signal(syscall.SIGHUP)
		cmd.Wait()
		if got := strings.TrimSpace(e.MustPod("inspect", "-f", "{{.State.Status}}", "unproxied").Stdout); got != "running" {
			t.Fatalf("--sig-proxy=false: the container is %q, want running", got)
		}

		runID(t, e, "run", "-d", "-i", "--name", "survivor", img, "sh", "-c", "read x; echo got $x")
		s := startPty(t, e, "attach", "survivor")
		// pod attach is connected once its attach event is recorded; kill
		// it outright, with no chance to say goodbye.
		waitFor(t, func() bool {
			return strings.TrimSpace(e.MustPod("events", "--stream=false", "--filter", "event=attach", "--filter", "container=survivor").Stdout) != ""
		})
		s.cmd.Process.Kill()
		s.Wait()
		if got := strings.TrimSpace(e.MustPod("inspect", "-f", "{{.State.Status}}", "survivor").Stdout); got != "running" {
			t.Fatalf("after the client was killed the container is %q", got)
		}
		r := e.PodStdin(strings.NewReader("later\n"), "attach", "survivor")
		if r.Stdout != "got later\n" {
			t.Fatalf("attach after a killed client: code %d stdout %q stderr %q; logs %q", r.Code, r.Stdout, r.Stderr, e.Pod("logs", "survivor").Stdout)
		}
	})
}
