package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAPIDockerCommitImport covers `docker commit` (changes, message,
// author), `docker export` into `docker import` with a change, and an
// attach with logs=1 that replays the log before the live output.
func TestAPIDockerCommitImport(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		s := startService(t, e)
		img := suite.images.Busybox
		s.mustDocker(t, "run", "-d", "--name", "src", img, "sh", "-c", "echo early; echo changed > /newfile; sleep 2; echo late; sleep 300")
		waitFor(t, func() bool { return strings.Contains(e.MustPod("logs", "src").Stdout, "early") })

		// logs=1: the log so far ("early", written before the attach),
		// then the live output ("late").
		if got := s.attachUntil(t, "/containers/src/attach?logs=1&stream=1&stdout=1&stderr=1", "late"); !strings.Contains(got, "early\n") {
			t.Errorf("attach with logs=1 did not replay the log first: %q", got)
		}
		// stream=0: the log alone, and the answer ends.
		code, out := s.raw(t, "POST", "/containers/src/attach?logs=1&stream=0&stdout=1", "")
		if code != 200 || !strings.Contains(out, "early\n") || !strings.Contains(out, "late\n") {
			t.Errorf("attach with logs=1&stream=0: %d %q", code, out)
		}

		c := s.mustDocker(t, "commit", "-c", `CMD ["cat", "/newfile"]`, "-c", "ENV FROM_COMMIT=yes", "-m", "a message", "-a", "someone", "src", "committed:v1")
		if id := strings.TrimSpace(c.Stdout); !strings.HasPrefix(id, "sha256:") || len(id) != 71 {
			t.Errorf("docker commit printed %q", c.Stdout)
		}
		if r := s.mustDocker(t, "run", "--rm", "committed:v1"); r.Stdout != "changed\n" {
			t.Errorf("run of the committed image: %q", r.Stdout)
		}
		in := s.mustDocker(t, "inspect", "-f", "{{.Author}}|{{range .Config.Env}}{{.}} {{end}}", "committed:v1").Stdout
		if !strings.HasPrefix(in, "someone|") || !strings.Contains(in, "FROM_COMMIT=yes") {
			t.Errorf("committed image: %q", in)
		}
		if h := s.mustDocker(t, "history", "--format", "{{.Comment}}", "committed:v1").Stdout; !strings.Contains(h, "a message") {
			t.Errorf("history of the committed image: %q", h)
		}
		if r := s.docker(t, "commit", "nosuch", "x:y"); r.Code == 0 || !strings.Contains(r.Stderr, "nosuch") {
			t.Errorf("commit of a missing container: %d %q", r.Code, r.Stderr)
		}

		// export | import: a one-layer image of the container's files.
		tarball := filepath.Join(e.Dir, "src.tar")
		s.mustDocker(t, "export", "-o", tarball, "src")
		if e.rootless && os.Geteuid() == 0 {
			os.Chown(tarball, e.uid, e.gid)
		}
		imp := s.mustDocker(t, "import", "-c", `CMD ["cat", "/newfile"]`, "-m", "imported", tarball, "imported:v1")
		if !strings.HasPrefix(strings.TrimSpace(imp.Stdout), "sha256:") {
			t.Errorf("docker import printed %q", imp.Stdout)
		}
		if r := s.mustDocker(t, "run", "--rm", "imported:v1"); r.Stdout != "changed\n" {
			t.Errorf("run of the imported image: %q", r.Stdout)
		}
		if r := s.docker(t, "import", "-c", "BOGUS x", tarball, "bad:v1"); r.Code == 0 || !strings.Contains(r.Stderr, "BOGUS") {
			t.Errorf("import with a bad change: %d %q", r.Code, r.Stderr)
		}
		// A path on the service's host is not a source.
		code, out = s.raw(t, "POST", "/images/create?fromSrc=/etc/passwd", "")
		if code != 400 || !strings.Contains(apiError(t, out), "fromSrc") {
			t.Errorf("import of a host path: %d %s", code, out)
		}
		s.mustDocker(t, "rm", "-f", "src")
	})
}

// attachUntil attaches with path and reads the stream until it holds
// want (at most 30 seconds); it returns what it read.
func (s *apiService) attachUntil(t *testing.T, path, want string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", "http://pod"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []byte
	buf := make([]byte, 4096)
	for !strings.Contains(string(got), want) {
		n, err := resp.Body.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Errorf("attach %s: %v after %q", path, err, got)
			break
		}
	}
	return string(got)
}

// TestAPIDockerLogin checks `docker login` against a registry that demands
// credentials: right ones succeed and a push with them works, wrong ones
// and an address nothing answers on fail with the registry's reason.
func TestAPIDockerLogin(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		s := startService(t, e)
		addr, _ := authRegistry(t, "apiuser", "s3cret", false)

		bad := s.dockerStdin(t, strings.NewReader("wrong\n"), "login", "-u", "apiuser", "--password-stdin", addr)
		if bad.Code == 0 || !strings.Contains(bad.Stderr, "invalid username/password") {
			t.Errorf("login with a wrong password: %d %q %q", bad.Code, bad.Stdout, bad.Stderr)
		}
		code, out := s.raw(t, "POST", "/auth", `{"username":"apiuser","password":"wrong","serveraddress":"`+addr+`"}`)
		if code != 401 {
			t.Errorf("POST /auth with a wrong password: %d %s", code, out)
		}
		// Nothing listens on this port of the API tests' range.
		gone := s.dockerStdin(t, strings.NewReader("s3cret\n"), "login", "-u", "apiuser", "--password-stdin", "127.0.0.1:21199")
		if gone.Code == 0 || !strings.Contains(gone.Stderr, "Error response from daemon") || !strings.Contains(gone.Stderr, "127.0.0.1:21199") {
			t.Errorf("login to an address nothing answers on: %d %q", gone.Code, gone.Stderr)
		}

		ok := s.dockerStdin(t, strings.NewReader("s3cret\n"), "login", "-u", "apiuser", "--password-stdin", addr)
		if ok.Code != 0 || !strings.Contains(ok.Stdout, "Login Succeeded") {
			t.Fatalf("login: %d %q %q", ok.Code, ok.Stdout, ok.Stderr)
		}
		var cfg struct {
			Auths map[string]json.RawMessage `json:"auths"`
		}
		data, _ := os.ReadFile(filepath.Join(e.Dir, "docker-config", "config.json"))
		if json.Unmarshal(data, &cfg); cfg.Auths[addr] == nil {
			t.Errorf("the docker CLI kept no credentials for %s: %s", addr, data)
		}
		// The service kept none of its own: the client sends them.
		img := suite.images.Busybox
		s.mustDocker(t, "pull", img)
		dest := addr + "/api/pushed:v1"
		s.mustDocker(t, "tag", img, dest)
		if r := s.mustDocker(t, "push", dest); !strings.Contains(r.Stdout, "digest: sha256:") {
			t.Errorf("push with the login's credentials: %q", r.Stdout)
		}
	})
}
