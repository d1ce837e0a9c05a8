package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAPICompose brings a two-service app up with Debian's docker-compose
// (1.29, docker-py) through the service: a user network where the client
// reaches the server by name, a named volume, a published port reached
// from the host, depends_on with a healthcheck condition; then logs, ps
// and down -v, which leaves nothing behind.
func TestAPICompose(t *testing.T) {
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Skip("docker-compose is not installed (Debian's docker-compose package)")
	}
	forEachUserInTurn(t, func(t *testing.T, e *Env) {
		s := startService(t, e)
		port, subnet := "20510", "10.124.20.0/24"
		if e.Rootless() {
			port, subnet = "20511", "10.124.21.0/24"
		}
		file := writeComposeApp(t, e, s, port, subnet)
		dcompose := func(args ...string) (*Result, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := s.dockerCmd(ctx, "")
			cmd.Path, _ = exec.LookPath("docker-compose")
			cmd.Args = append([]string{"docker-compose", "-p", "podapp", "-f", file}, args...)
			return runCompose(cmd)
		}
		checkComposeApp(t, e, s, port, "_", dcompose)
	})
}

// runCompose runs a compose command to its end.
func runCompose(cmd *exec.Cmd) (*Result, error) {
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := &Result{Args: cmd.Args, Stdout: out.String(), Stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.Code = ee.ExitCode()
		err = nil
	}
	return r, err
}

// writeComposeApp writes the two-service app (a web server on a user
// network with a named volume seeded by a one-shot service, a client that
// reaches it by name once it is healthy) and returns the file's path.
func writeComposeApp(t *testing.T, e *Env, s *apiService, port, subnet string) string {
	t.Helper()
	img := suite.images.Busybox
	s.mustDocker(t, "pull", "-q", img)
	dir := filepath.Join(e.Dir, "app")
	os.MkdirAll(dir, 0o755)
	compose := `services:
  web:
    image: ` + img + `
    command: ["sh", "-c", "mkdir -p /www && cat /data/seed > /www/index.html && exec httpd -f -v -p 8080 -h /www"]
    ports: ["127.0.0.1:` + port + `:8080"]
    volumes: ["data:/data"]
    networks: [appnet]
    depends_on:
      seed:
        condition: service_completed_successfully
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 1s
      timeout: 2s
      retries: 30
  seed:
    image: ` + img + `
    command: ["sh", "-c", "echo hello-from-the-volume > /data/seed"]
    volumes: ["data:/data"]
    networks: [appnet]
  client:
    image: ` + img + `
    command: ["sh", "-c", "wget -q -O - http://web:8080/ && echo client-done && exec sleep 300"]
    networks: [appnet]
    depends_on:
      web:
        condition: service_healthy
volumes:
  data: {}
networks:
  appnet:
    ipam:
      config: [{subnet: "` + subnet + `"}]
`
	if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	if e.rootless && os.Geteuid() == 0 {
		os.Chown(dir, e.uid, e.gid)
	}
	return filepath.Join(dir, "docker-compose.yml")
}

// checkComposeApp brings the app up with dcompose (a compose CLI with the
// project name podapp; sep joins its container names' parts), checks it
// from the host and from inside, and takes it down.
func checkComposeApp(t *testing.T, e *Env, s *apiService, port, sep string, dcompose func(args ...string) (*Result, error)) {
	t.Helper()
	run := func(args ...string) *Result {
		t.Helper()
		r, err := dcompose(args...)
		if err != nil {
			t.Fatal(err)
		}
		if r.Code != 0 {
			t.Fatalf("%v: exit %d\nstdout: %s\nstderr: %s\nservice: %s", args, r.Code, r.Stdout, r.Stderr, s.stderr)
		}
		return r
	}
	// A failed test still takes its network (bridge, firewall rules) down.
	t.Cleanup(func() { dcompose("down", "-v", "--timeout", "1") })
	run("up", "-d")
	var body string
	waitFor(t, func() bool {
		resp, err := http.Get("http://127.0.0.1:" + port + "/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		body = string(data)
		return resp.StatusCode == 200
	})
	if body != "hello-from-the-volume\n" {
		t.Errorf("published port: %q", body)
	}
	var logs string
	waitFor(t, func() bool {
		logs = run("logs", "--no-color", "client").Stdout
		return strings.Contains(logs, "client-done")
	})
	if !strings.Contains(logs, "hello-from-the-volume") {
		t.Errorf("client did not reach web by name: %q", logs)
	}
	ps := run("ps").Stdout
	for _, want := range []string{"podapp" + sep + "web" + sep + "1", "podapp" + sep + "client" + sep + "1", "(healthy)"} {
		if !strings.Contains(ps, want) {
			t.Errorf("docker-compose ps: no %q in\n%s", want, ps)
		}
	}
	run("down", "-v", "--timeout", "2")
	time.Sleep(100 * time.Millisecond)
	if out := e.MustPod("ps", "-aq").Stdout; out != "" {
		t.Errorf("down left containers %q", out)
	}
	if out := e.MustPod("volume", "ls", "-q").Stdout; out != "" {
		t.Errorf("down -v left volumes %q", out)
	}
	if out := e.MustPod("network", "ls", "--format", "{{.Name}}").Stdout; strings.Contains(out, "podapp") {
		t.Errorf("down left networks %q", out)
	}
}
