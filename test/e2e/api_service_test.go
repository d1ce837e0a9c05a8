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
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAPIServiceLifecycle checks the socket (default place, mode 0600),
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
			checkSocketMode(t, sock)
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
		checkSocketMode(t, sock)
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

func checkSocketMode(t *testing.T, sock string) {
	t.Helper()
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("socket %s: mode %v, want a socket with 0600", sock, fi.Mode())
	}
}

// apiPort is the brief's TCP port for the API tests: 20500 for root,
// 20501 rootless.
func apiPort(e *Env) string {
	if e.Rootless() {
		return "20501"
	}
	return "20500"
}
