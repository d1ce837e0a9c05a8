package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

var tcBuild struct {
	once sync.Once
	bin  string
	err  error
	out  []byte
}

// TestAPITestcontainers runs testcontainers-go's own test (the module in
// test/testcontainers: start a container with log and port wait
// strategies, talk to it, exec in it, terminate it) against the service.
// The reaper (ryuk) is disabled: its image is not available offline.
func TestAPITestcontainers(t *testing.T) {
	tcBuild.once.Do(func() {
		goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
		tcBuild.bin = filepath.Join(suite.tmpRoot, "testcontainers.test")
		cmd := exec.Command(goBin, "test", "-c", "-o", tcBuild.bin, ".")
		cmd.Dir = filepath.Join("..", "testcontainers")
		tcBuild.out, tcBuild.err = cmd.CombinedOutput()
		os.Chmod(tcBuild.bin, 0o755)
	})
	if tcBuild.err != nil {
		t.Fatalf("build test/testcontainers: %v\n%s", tcBuild.err, tcBuild.out)
	}
	forEachUser(t, func(t *testing.T, e *Env) {
		s := startService(t, e)
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, tcBuild.bin, "-test.v", "-test.run", "TestContainer")
		cmd.Env = append(e.environ(), "DOCKER_HOST=unix://"+s.sock, "TESTCONTAINERS_RYUK_DISABLED=true",
			"POD_TC_IMAGE="+suite.images.Busybox,
			// testcontainers takes a host with /.dockerenv for a container
			// and would reach published ports through a bridge gateway;
			// the ports are on this host's loopback.
			"TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1")
		cmd.Dir = e.Dir
		if e.rootless && os.Geteuid() == 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(e.uid), Gid: uint32(e.gid), Groups: []uint32{}}}
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("testcontainers-go: %v\n%s\nservice: %s", err, out.String(), s.stderr)
		}
		if !bytes.Contains(out.Bytes(), []byte("--- PASS: TestContainer")) {
			t.Errorf("testcontainers-go did not pass:\n%s", out.String())
		}
		if ps := e.MustPod("ps", "-aq").Stdout; ps != "" {
			t.Errorf("terminate left %q", ps)
		}
	})
}
