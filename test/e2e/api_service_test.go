package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAPIServiceLifecycle checks the socket (default place, mode 0600 or root's 0660),
// the idle timeout, TCP only with a warning, and socket activation.
func TestAPIServiceLifecycle(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		// The default socket, rootless: under XDG_RUNTIME_DIR. (Root's,
		// /run/pod/pod.sock, is the machine's: not touched by a test.)
		if e.Rootless() {
			cmd := e.Command(context.Background(), "system", "service", "--time", "1")
			var errb bytes.Buffer
			cmd.Stderr = &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sock := filepath.Join(e.Dir, "xdg", "pod", "pod.sock")
			waitFor(t, func() bool { _, err := os.Stat(sock); return err == nil })
			checkSocketMode(t, e, sock)
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()
			select {
			case err := <-waited:
				if err != nil {
					t.Errorf("service exit after the idle time: %v %s", err, errb.String())
				}
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("--time 1: still running after 30s")
			}
			if _, err := os.Stat(sock); err == nil {
				t.Errorf("the socket stayed after the service exited")
			}
		}

		// The idle timer waits while a connection is open.
		sock := filepath.Join(e.Dir, "idle.sock")
		cmd := e.Command(context.Background(), "system", "service", "-t", "2", "unix://"+sock)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-exited })
		waitFor(t, func() bool { _, err := os.Stat(sock); return err == nil })
		checkSocketMode(t, e, sock)
		var conn net.Conn
		waitFor(t, func() bool {
			var err error
			conn, err = net.Dial("unix", sock) // bound a moment before it listens
			return err == nil
		})
		fmt.Fprintf(conn, "GET /events HTTP/1.1\r\nHost: pod\r\n\r\n")
		select {
		case <-exited:
			t.Fatalf("exited with an events stream open: %s", errb.String())
		case <-time.After(4 * time.Second):
		}
		conn.Close()
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			t.Fatalf("did not exit 2s after the last connection closed")
		}

		// TCP, only when asked, with the warning.
		tcpCmd := e.Command(context.Background(), "system", "service", "--time", "0", "tcp://127.0.0.1:"+apiPort(e))
		var tcpErr bytes.Buffer
		tcpCmd.Stderr = &tcpErr
		if err := tcpCmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { tcpCmd.Process.Signal(syscall.SIGTERM); tcpCmd.Wait() }()
		var body string
		waitFor(t, func() bool {
			resp, err := http.Get("http://127.0.0.1:" + apiPort(e) + "/_ping")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			body = string(data)
			return resp.Header.Get("Api-Version") != ""
		})
		if body != "OK" {
			t.Errorf("/_ping over tcp: %q", body)
		}
		if !strings.Contains(tcpErr.String(), "TCP sockets is not recommended") {
			t.Errorf("no warning for tcp://: %q", tcpErr.String())
		}

		// Socket activation: the listener comes as descriptor 3.
		actSock := filepath.Join(e.Dir, "activated.sock")
		l, err := net.Listen("unix", actSock)
		if err != nil {
			t.Fatal(err)
		}
		if e.rootless && os.Geteuid() == 0 {
			os.Chown(actSock, e.uid, e.gid)
		}
		ul := l.(*net.UnixListener)
		lf, _ := ul.File()
		ul.SetUnlinkOnClose(false) // the socket file is the service's now
		ul.Close()
		args := []string{"--root", e.Root, "--runroot", e.RunRoot, "system", "service", "--time", "0"}
		// LISTEN_PID names the service's own PID: the shell's, which exec keeps.
		act := exec.Command("sh", append([]string{"-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`, suite.pod}, args...)...)
		act.Env, act.Dir, act.ExtraFiles = e.environ(), e.Dir, []*os.File{lf}
		if e.rootless && os.Geteuid() == 0 {
			act.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(e.uid), Gid: uint32(e.gid), Groups: []uint32{}}}
		}
		var actErr bytes.Buffer
		act.Stderr = &actErr
		if err := act.Start(); err != nil {
			t.Fatal(err)
		}
		lf.Close()
		defer func() { act.Process.Signal(syscall.SIGTERM); act.Wait() }()
		as := &apiService{e: e, sock: actSock}
		var code int
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if code, body = as.raw(t, "GET", "/v1.51/version", ""); code == 200 {
				break
			}
		}
		if code != 200 || !strings.Contains(body, `"ApiVersion":"1.51"`) {
			t.Errorf("activated service: %d %s %s", code, body, actErr.String())
		}
	})
}

// checkSocketMode: a rootless service's socket is its user's alone
// (0600); root's is 0660, its group root's unless --group said otherwise.
func checkSocketMode(t *testing.T, e *Env, sock string) {
	t.Helper()
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	want := os.FileMode(0o660)
	if e.Rootless() {
		want = 0o600
	}
	if fi.Mode().Perm() != want || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("socket %s: mode %v, want a socket with %#o", sock, fi.Mode(), want)
	}
	if st := fi.Sys().(*syscall.Stat_t); !e.Rootless() && st.Gid != 0 {
		t.Errorf("socket %s: group %d, want root's", sock, st.Gid)
	}
}

// TestAPISocketGroup: as root, --group gives a group the socket (0660)
// and a directory the service makes (0710): a member of the group runs
// the docker CLI against it, a user outside it is refused. Rootless,
// --group is refused: the socket drives that user's containers.
func TestAPISocketGroup(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		if e.Rootless() {
			r := e.Pod("system", "service", "--group", "nogroup", "unix://"+e.Path("g.sock"))
			if r.Code != 125 || !strings.Contains(r.Stderr, "only a service run as root") {
				t.Errorf("rootless --group: %d %q", r.Code, r.Stderr)
			}
			return
		}
		if suite.rootless == "" || suite.rootless == "self" {
			t.Skip("no unprivileged test user to connect as")
		}
		u, err := user.Lookup(suite.rootless)
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		grp, err := user.LookupGroupId(u.Gid)
		if err != nil {
			t.Fatal(err)
		}
		if r := e.Pod("system", "service", "--group", "no-such-group-here", "unix://"+e.Path("g.sock")); r.Code != 125 || !strings.Contains(r.Stderr, "no-such-group-here") {
			t.Errorf("--group of a missing group: %d %q", r.Code, r.Stderr)
		}

		parent, err := os.MkdirTemp("", "api-sock-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(parent) })
		os.Chmod(parent, 0o711)
		sock := filepath.Join(parent, "run", "pod.sock")
		s := startServiceAt(t, e, sock, "--group", grp.Name)
		fi, err := os.Stat(sock)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); fi.Mode().Perm() != 0o660 || int(st.Gid) != gid {
			t.Errorf("socket: mode %v group %d, want 0660 in %d", fi.Mode(), st.Gid, gid)
		}
		di, _ := os.Stat(filepath.Dir(sock))
		if st := di.Sys().(*syscall.Stat_t); di.Mode().Perm() != 0o710 || int(st.Gid) != gid {
			t.Errorf("socket directory: mode %v group %d, want 0710 in %d", di.Mode(), st.Gid, gid)
		}
		cfg := filepath.Join(parent, "docker-config")
		os.Mkdir(cfg, 0o777)
		asUser := func(g int) *Result {
			cmd := exec.Command("docker", "version", "--format", "{{.Server.APIVersion}}")
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cfg, "DOCKER_CONFIG=" + cfg, "DOCKER_HOST=unix://" + sock}
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(g), Groups: []uint32{}}}
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			r := &Result{Stdout: out.String(), Stderr: errb.String()}
			if ee, ok := err.(*exec.ExitError); ok {
				r.Code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			return r
		}
		if r := asUser(gid); r.Code != 0 || strings.TrimSpace(r.Stdout) != "1.51" {
			t.Errorf("docker version as a member of the group: %d %q %q\nservice: %s", r.Code, r.Stdout, r.Stderr, s.stderr)
		}
		if r := asUser(65534); r.Code == 0 || !strings.Contains(r.Stderr, "permission denied") {
			t.Errorf("docker version from outside the group: %d %q %q", r.Code, r.Stdout, r.Stderr)
		}
	})
}

// apiPort is the brief's TCP port for the API tests: 20500 for root,
// 20501 rootless.
func apiPort(e *Env) string {
	if e.Rootless() {
		return "20501"
	}
	return "20500"
}
