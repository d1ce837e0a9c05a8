package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

var composeV2Build struct {
	once sync.Once
	bin  string
	err  error
	out  []byte
}

// TestAPIComposeV2 brings the same app as TestAPICompose up with docker
// compose v2 (github.com/docker/compose/v5, built from the module in
// test/composev2) as the docker CLI's plugin: `docker compose up -d`,
// logs, ps, down -v.
func TestAPIComposeV2(t *testing.T) {
	composeV2Build.once.Do(func() {
		composeV2Build.bin = filepath.Join(suite.tmpRoot, "docker-compose-v2")
		// make e2e builds the plugin before the suite (POD_COMPOSE_V2):
		// a setup step, like the packages make deps installs.
		if prebuilt := os.Getenv("POD_COMPOSE_V2"); prebuilt != "" {
			_, composeV2Build.err = copyExecutable(prebuilt, composeV2Build.bin)
			return
		}
		goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, goBin, "build", "-o", composeV2Build.bin, "github.com/docker/compose/v5/cmd")
		cmd.Dir = filepath.Join("..", "composev2")
		composeV2Build.out, composeV2Build.err = cmd.CombinedOutput()
		os.Chmod(composeV2Build.bin, 0o755)
	})
	if composeV2Build.err != nil {
		t.Fatalf("build test/composev2: %v\n%s", composeV2Build.err, composeV2Build.out)
	}
	forEachUser(t, func(t *testing.T, e *Env) {
		s := startService(t, e)
		port, subnet := "21110", "10.131.20.0/24"
		if e.Rootless() {
			port, subnet = "21111", "10.131.21.0/24"
		}
		file := writeComposeApp(t, e, s, port, subnet)
		// The plugin is found in DOCKER_CONFIG/cli-plugins.
		plugins := filepath.Join(e.Dir, "docker-config", "cli-plugins")
		if err := os.MkdirAll(plugins, 0o755); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(composeV2Build.bin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(plugins, "docker-compose"), data, 0o755); err != nil {
			t.Fatal(err)
		}
		if e.rootless && os.Geteuid() == 0 {
			os.Chown(plugins, e.uid, e.gid)
			os.Chown(filepath.Join(plugins, "docker-compose"), e.uid, e.gid)
		}
		dcompose := func(args ...string) (*Result, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			return runCompose(s.dockerCmd(ctx, append([]string{"compose", "-p", "podapp", "-f", file}, args...)...))
		}
		if r, err := dcompose("version"); err != nil || r.Code != 0 {
			t.Fatalf("docker compose version: %v %+v", err, r)
		}
		checkComposeApp(t, e, s, port, "-", dcompose)
	})
}
