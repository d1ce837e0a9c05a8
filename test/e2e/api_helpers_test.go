package e2e

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// apiService is a `pod system service` of one Env on a socket of its own,
// with the docker CLI pointed at it.
type apiService struct {
	e      *Env
	sock   string
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	done   chan struct{}
}

// startService starts the service with --time 0 and waits until it
// answers /_ping. It is stopped (SIGTERM) at the end of the test.
func startService(t *testing.T, e *Env, extra ...string) *apiService {
	t.Helper()
	return startServiceAt(t, e, filepath.Join(e.Dir, "api", "pod.sock"), extra...)
}

// startServiceAt is startService on the socket sock.
func startServiceAt(t *testing.T, e *Env, sock string, extra ...string) *apiService {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Fatalf("the docker CLI is not on PATH: %v", err)
	}
	s := &apiService{e: e, sock: sock, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	args := append([]string{"system", "service", "--time", "0"}, extra...)
	args = append(args, "unix://"+s.sock)
	s.cmd = e.Command(context.Background(), args...)
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := s.raw(t, "GET", "/_ping", ""); code == 200 {
			return s
		}
		select {
		case <-s.done:
			t.Fatalf("service exited: %s", s.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("service did not answer: %s", s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *apiService) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// client is an HTTP client on the service's socket.
func (s *apiService) client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		// One connection per request: nothing idle stays open to blur the
		// service's descriptor count.
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", s.sock)
		},
	}, Timeout: 2 * time.Minute}
}

// raw sends one request and returns the status and body.
func (s *apiService) raw(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://pod"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client().Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// dockerCmd is the docker CLI as the Env's user against the service.
func (s *apiService) dockerCmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "docker", args...)
	cfg := filepath.Join(s.e.Dir, "docker-config")
	os.MkdirAll(cfg, 0o755)
	if s.e.rootless && os.Geteuid() == 0 {
		os.Chown(cfg, s.e.uid, s.e.gid)
	}
	cmd.Env = append(s.e.environ(), "DOCKER_HOST=unix://"+s.sock, "DOCKER_CONFIG="+cfg, "DOCKER_BUILDKIT=0")
	cmd.Dir = s.e.Dir
	if s.e.rootless && os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(s.e.uid), Gid: uint32(s.e.gid), Groups: []uint32{}}}
	}
	return cmd
}

// docker runs the docker CLI to its end (at most 2 minutes).
func (s *apiService) docker(t *testing.T, args ...string) *Result {
	t.Helper()
	return s.dockerStdin(t, nil, args...)
}

// dockerIn runs the docker CLI to its end in dir (a build context).
func (s *apiService) dockerIn(t *testing.T, dir string, args ...string) *Result {
	t.Helper()
	return s.run(t, dir, nil, args...)
}

func (s *apiService) dockerStdin(t *testing.T, stdin *strings.Reader, args ...string) *Result {
	t.Helper()
	return s.run(t, "", stdin, args...)
}

func (s *apiService) run(t *testing.T, dir string, stdin *strings.Reader, args ...string) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := s.dockerCmd(ctx, args...)
	if dir != "" {
		cmd.Dir = dir
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = stdin
	}
	err := cmd.Run()
	r := &Result{Args: append([]string{"docker"}, args...), Stdout: out.String(), Stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("docker %v: %v", args, err)
	}
	return r
}

// mustDocker fails the test unless the docker CLI exits 0.
func (s *apiService) mustDocker(t *testing.T, args ...string) *Result {
	t.Helper()
	r := s.docker(t, args...)
	if r.Code != 0 {
		t.Fatalf("docker %s: exit %d\nstdout: %s\nstderr: %s\nservice: %s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr, s.stderr)
	}
	return r
}

// fds counts the service's open descriptors.
func (s *apiService) fds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// rssKB is the service's resident set size.
func (s *apiService) rssKB(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	return 0
}
