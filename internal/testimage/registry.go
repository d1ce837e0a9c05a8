package testimage

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Registry is a real Docker distribution registry (Debian's docker-registry)
// serving plain HTTP on a free loopback port.
type Registry struct {
	Addr string // host:port
	cmd  *exec.Cmd
	log  *os.File
}

// StartRegistry starts a registry storing its data under dir/registry and
// returns once it answers.
func StartRegistry(ctx context.Context, dir string) (*Registry, error) {
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		return nil, fmt.Errorf("docker-registry not found (make deps installs it): %w", err)
	}
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "registry")
	conf := filepath.Join(dir, "registry.yml")
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, data, addr)
	if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start docker-registry: %w", err)
	}
	r := &Registry{Addr: addr, cmd: cmd, log: logf}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.Stop()
	return nil, fmt.Errorf("registry on %s did not come up (see %s)", addr, logf.Name())
}

// Stop ends the registry.
func (r *Registry) Stop() {
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.log.Close()
}

// FreeAddr returns a loopback address with a port nobody listens on.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// WriteRegistriesConf writes dir/registries.conf making the loopback registry
// at addr the only search registry and allowing plain HTTP to it.
func WriteRegistriesConf(dir, addr string) (string, error) {
	p := filepath.Join(dir, "registries.conf")
	conf := fmt.Sprintf(`unqualified-search-registries = [%q]

[[registry]]
location = %q
insecure = true
`, addr, addr)
	return p, os.WriteFile(p, []byte(conf), 0o644)
}
