package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cstorage "github.com/containers/storage"
	stypes "github.com/containers/storage/types"
	"golang.org/x/crypto/bcrypt"
)

// authRegistry starts a second docker-registry that demands htpasswd
// basic auth for user/password, serving plain HTTP on loopback.
func authRegistry(t *testing.T, user, password string) string {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Skip("docker-registry not installed")
	}
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		t.Fatal(err)
	}
	htpasswd := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(user+":"+string(hash)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "config.yml")
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
auth:
  htpasswd:
    realm: pod-test
    path: %s
http:
  addr: %s
`, filepath.Join(dir, "data"), htpasswd, addr)
	if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
	})
	for i := 0; i < 300; i++ {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return addr
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(logf.Name())
	t.Fatalf("auth registry on %s did not come up:\n%s", addr, b)
	return ""
}

// stallingProxy forwards to the suite's registry, but sends only half of
// every blob larger than 256 KiB and then holds the connection open. It
// reports on stalled when the first blob has stalled.
type stallingProxy struct {
	Addr    string
	stalled chan struct{}
	once    sync.Once
	release chan struct{}
	mu      sync.Mutex
	stall   bool
}

func startStallingProxy(t *testing.T) *stallingProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallingProxy{Addr: l.Addr().String(), stalled: make(chan struct{}), release: make(chan struct{}), stall: true}
	srv := &http.Server{Handler: p}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		close(p.release)
		_ = srv.Close()
	})
	return p
}

// Pass lets every later request through whole.
func (p *stallingProxy) Pass() {
	p.mu.Lock()
	p.stall = false
	p.mu.Unlock()
}

func (p *stallingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+suite.registry.Addr+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	p.mu.Lock()
	stall := p.stall
	p.mu.Unlock()
	if !stall || r.Method != http.MethodGet || resp.ContentLength < 256<<10 || !isBlobPath(r.URL.Path) {
		_, _ = io.Copy(w, resp.Body)
		return
	}
	_, _ = io.CopyN(w, resp.Body, resp.ContentLength/2)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	p.once.Do(func() { close(p.stalled) })
	select {
	case <-r.Context().Done():
	case <-p.release:
	}
}

func isBlobPath(path string) bool { return strings.Contains(path, "/blobs/") }

// storageContainer makes a container record in e's storage from image id,
// the way the container commands do, so image commands see the image in
// use. Root Envs only: the test process is not in the rootless user
// namespace.
func storageContainer(t *testing.T, e *Env, imageID string) string {
	t.Helper()
	st, err := cstorage.GetStore(stypes.StoreOptions{GraphRoot: e.Root, RunRoot: e.RunRoot, GraphDriverName: "overlay"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = st.Shutdown(true) }()
	c, err := st.CreateContainer("", nil, imageID, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}
