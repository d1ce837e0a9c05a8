package e2e

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// activationPort is the n-th TCP port on loopback a half of a socket
// activation test listens on (the two halves run at once).
func activationPort(e *Env, n int) string {
	base := 21200
	if e.Rootless() {
		base = 21250
	}
	return "127.0.0.1:" + itoa(base+n)
}

// activated is pod run by systemd-socket-activate.
type activated struct {
	stdout, stderr bytes.Buffer
	done           chan struct{}
	err            error // once done is closed
}

// wait waits for pod to exit.
func (a *activated) wait() error {
	<-a.done
	return a.err
}

// socketActivated is e.Command(args) started by systemd-socket-activate
// (Debian's systemd package), which listens as listen says (-l ADDRESS,
// --fdname=NAMES) and, on the first connection, executes pod as a socket
// unit's service would be: with the sockets at 3 and up, LISTEN_FDS,
// LISTEN_FDNAMES and LISTEN_PID naming pod itself.
func socketActivated(t *testing.T, e *Env, listen []string, args ...string) *activated {
	t.Helper()
	sa, err := exec.LookPath("systemd-socket-activate")
	if err != nil {
		t.Skip("systemd-socket-activate (Debian's systemd package) is not installed")
	}
	cmd := e.Command(context.Background(), args...)
	// It gives the program a fresh environment (TERM, PATH, USER, HOME
	// and LISTEN_*) plus what -E sets: the Env's environment.
	saArgs := append([]string{sa}, listen...)
	for _, kv := range cmd.Env {
		saArgs = append(saArgs, "-E", kv)
	}
	cmd.Args = append(saArgs, cmd.Args...)
	cmd.Path = sa
	a := &activated{done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &a.stdout, &a.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { a.err = cmd.Wait(); close(a.done) }()
	t.Cleanup(func() {
		select {
		case <-a.done:
		default:
			cmd.Process.Signal(syscall.SIGTERM)
			<-a.done
		}
	})
	return a
}

// answer connects to addr (retrying until something listens there) and
// reads what the server writes until it closes the connection; why says
// what went on meanwhile, for a failure.
func answer(t *testing.T, addr string, why func() string) string {
	t.Helper()
	// Slow guests (TCG) take their time to start a container.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.SetReadDeadline(deadline)
			b, err := io.ReadAll(c)
			c.Close()
			if err != nil {
				t.Fatalf("read from %s: %v\n%s", addr, err, why())
			}
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v\n%s", addr, err, why())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSocketActivation: under systemd-socket-activate (socket activation
// without systemd as PID 1), the sockets reach the container's process as a
// socket unit's service receives them: at 3 and up, LISTEN_FDS and the
// names, LISTEN_PID its own PID (1), and nothing else of pod's. The
// container accepts on them with --network none: the connection never
// crosses the container's network. `pod run` is the Env's first command,
// so that rootless pod executes itself into its user namespace with the
// sockets; `pod start` of a created container passes them too. Variables
// addressed to another process (a parent's LISTEN_PID) pass nothing.
func TestSocketActivation(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		helperArgs, helper := sdlistenRun(t)
		web, admin := activationPort(e, 0), activationPort(e, 1)
		run := append(append([]string{"run", "--rm", "--network", "none"}, helperArgs...), img)
		a := socketActivated(t, e, []string{"-l", web, "-l", admin, "--fdname=web:admin"}, append(run, helper...)...)
		got := []string{answer(t, web, a.stderr.String), answer(t, admin, a.stderr.String)}
		for i, want := range []string{"fd=3 name=web pid=1 LISTEN_FDS=2 ", "fd=4 name=admin pid=1 LISTEN_FDS=2 "} {
			if !strings.HasPrefix(got[i], want) || !strings.HasSuffix(got[i], " fds=0,1,2,3,4\n") || strings.Contains(got[i], " host= ") {
				t.Errorf("socket %d answered %q, want %q... from the container, which inherited stdio and the sockets only", i, got[i], want)
			}
		}
		if err := a.wait(); err != nil {
			t.Fatalf("activated pod run: %v\n%s", err, a.stderr.String())
		}
		if a.stdout.String() != got[0]+got[1] {
			t.Errorf("pod run printed %q, want the container's %q", a.stdout.String(), got[0]+got[1])
		}

		create := append(append([]string{"create", "--name", "sa-start", "--network", "none"}, helperArgs...), img)
		e.MustPod(append(create, helper...)...)
		one := activationPort(e, 2)
		a = socketActivated(t, e, []string{"-l", one}, "start", "sa-start")
		// pod start returns once the container runs; the container keeps
		// the socket.
		line := answer(t, one, a.stderr.String)
		if err := a.wait(); err != nil {
			t.Fatalf("activated pod start: %v\n%s", err, a.stderr.String())
		}
		if !strings.HasPrefix(line, "fd=3 ") || !strings.Contains(line, " pid=1 LISTEN_FDS=1 ") || !strings.HasSuffix(line, " fds=0,1,2,3\n") {
			t.Errorf("started container answered %q", line)
		}
		if code := out(e.MustPod("wait", "sa-start")); code != "0" {
			t.Errorf("sa-start exited %s: %s", code, e.Pod("logs", "sa-start").Stderr)
		}

		// LISTEN_PID names another process: pod passes nothing on, not
		// even the descriptor it was given.
		stale, err := os.Open(suite.regConf)
		if err != nil {
			t.Fatal(err)
		}
		defer stale.Close()
		c := e.Command(context.Background(), "run", "--rm", img, "sh", "-c",
			`echo ${LISTEN_FDS:-unset} ${LISTEN_PID:-unset}; if test -e /proc/self/fd/3; then echo fd3; else echo no-fd3; fi`)
		c.Env = append(c.Env, "LISTEN_PID=1", "LISTEN_FDS=1")
		c.ExtraFiles = []*os.File{stale}
		b, err := c.Output()
		if err != nil || string(b) != "unset unset\nno-fd3\n" {
			t.Errorf("stale activation variables: %v %q", err, b)
		}
		e.MustPod("rm", "sa-start")
	})
}

// TestPreserveFDs: run and exec --preserve-fds N hand pod's descriptors 3
// to 3+N-1 to the process; asking for one pod was not given fails before
// anything is made.
func TestPreserveFDs(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		withFiles := func(stdin string, files []string, args ...string) *Result {
			t.Helper()
			var extra []*os.File
			for _, content := range files {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				w.WriteString(content)
				w.Close()
				defer r.Close()
				extra = append(extra, r)
			}
			c := e.Command(context.Background(), args...)
			c.ExtraFiles = extra
			var o, eb bytes.Buffer
			c.Stdout, c.Stderr, c.Stdin = &o, &eb, strings.NewReader(stdin)
			err := c.Run()
			res := &Result{Args: args, Stdout: o.String(), Stderr: eb.String()}
			if ee, ok := err.(*exec.ExitError); ok {
				res.Code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			return res
		}
		r := withFiles("", []string{"third\n", "fourth\n"}, "run", "--rm", "--preserve-fds", "2", img, "sh", "-c", "cat <&3; cat <&4")
		if r.Success(t); r.Stdout != "third\nfourth\n" {
			t.Errorf("run --preserve-fds 2: %q", r.Stdout)
		}
		withFiles("", []string{"third\n"}, "run", "--rm", "--name", "sa-missing", "--preserve-fds", "2", img, "true").
			Fails(t, 125, "file descriptor 4 is not open")
		if ps := out(e.MustPod("ps", "-a", "-q")); ps != "" {
			t.Errorf("a failed --preserve-fds left containers: %q", ps)
		}

		e.MustPod("run", "-d", "--name", "sa-exec", img, "sleep", "1000")
		r = withFiles("", []string{"to exec\n"}, "exec", "--preserve-fds", "1", "sa-exec", "sh", "-c", "cat <&3")
		if r.Success(t); r.Stdout != "to exec\n" {
			t.Errorf("exec --preserve-fds 1: %q", r.Stdout)
		}
		// Without the flag the process gets no descriptor of pod's.
		r = withFiles("", []string{"kept out\n"}, "exec", "sa-exec", "sh", "-c", "test -e /proc/self/fd/3 && echo leaked || echo none")
		if r.Success(t); r.Stdout != "none\n" {
			t.Errorf("exec without --preserve-fds: %q", r.Stdout)
		}
		e.MustPod("rm", "-f", "-t", "0", "sa-exec")
	})
}

// TestSocketActivatedService: `pod system service` started by
// systemd-socket-activate serves the unix socket it was given (as
// pod.socket gives it under systemd): /_ping answers OK. As the Env's first
// command, rootless pod enters its user namespace with the socket.
func TestSocketActivatedService(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		sock := e.Path("activated-api.sock")
		a := socketActivated(t, e, []string{"-l", sock}, "system", "service", "--time", "0")
		client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", sock)
			},
		}}
		var body string
		waitFor(t, func() bool {
			resp, err := client.Get("http://pod/_ping")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			body = string(b)
			return resp.StatusCode == 200
		})
		if body != "OK" {
			t.Errorf("/_ping: %q (%s)", body, a.stderr.String())
		}
	})
}
