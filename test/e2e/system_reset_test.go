package e2e

import (
	"os"
	"strings"
	"testing"
)

// populate gives an Env an image, a running and a stopped container, a
// volume and a network.
func populate(t *testing.T, e *Env) {
	t.Helper()
	img := pulled(t, e)
	e.MustPod("volume", "create", "keep")
	e.MustPod("network", "create", "resetnet")
	e.MustPod("run", "-d", "--name", "running", "-v", "keep:/data", img, "sleep", "1000")
	e.MustPod("create", "--name", "stopped", img, "true")
}

func TestSystemResetAsks(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		populate(t, e)
		for _, answer := range []string{"n\n", "\n", ""} {
			r := e.PodStdin(strings.NewReader(answer), "system", "reset").Success(t)
			if !strings.HasPrefix(r.Stdout, "WARNING! This will remove all containers") || !strings.Contains(r.Stdout, "Are you sure you want to continue? [y/N] ") {
				t.Fatalf("reset did not ask: %q", r.Stdout)
			}
			if !strings.Contains(r.Stdout, e.Root) {
				t.Fatalf("the question does not name the storage %s: %q", e.Root, r.Stdout)
			}
		}
		if got := strings.Join(e.MustPod("ps", "-a", "--format", "{{.Names}} {{.State}}").Lines(), ","); got != "stopped created,running running" && got != "running running,stopped created" {
			t.Fatalf("containers after answering no: %q", got)
		}
		if got := e.MustPod("images", "-q").Lines(); len(got) != 1 {
			t.Fatalf("images after answering no: %q", got)
		}
		if got := e.MustPod("volume", "ls", "-q").Lines(); len(got) != 1 || got[0] != "keep" {
			t.Fatalf("volumes after answering no: %q", got)
		}
	})
}

func TestSystemResetForce(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		populate(t, e)
		pause := e.PausePID()
		if e.Rootless() && pause == 0 {
			t.Fatal("no pause process before reset")
		}
		r := e.MustPod("system", "reset", "-f")
		if strings.Contains(r.Stdout, "Are you sure") {
			t.Fatalf("reset -f asked: %q", r.Stdout)
		}
		if e.Rootless() {
			waitGone(t, pause)
			if pid := e.PausePID(); pid != 0 {
				t.Fatalf("pause process %d left after reset", pid)
			}
		}
		for _, dir := range []string{e.Root, e.RunRoot} {
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 0 {
				t.Fatalf("%s after reset holds %v", dir, entries)
			}
		}
		// The next commands find an empty store and work.
		for _, args := range [][]string{{"ps", "-a", "-q"}, {"images", "-q"}, {"volume", "ls", "-q"}} {
			if got := e.MustPod(args...).Stdout; got != "" {
				t.Fatalf("%v after reset: %q", args, got)
			}
		}
		if got := e.MustPod("network", "ls", "--format", "{{.Name}}").Lines(); len(got) != 1 || got[0] != "podman" {
			t.Fatalf("networks after reset: %q", got)
		}
		if r := e.MustPod("run", "--rm", suite.images.Busybox, "echo", "again"); r.Stdout != "again\n" {
			t.Fatalf("run after reset: %q", r.Stdout)
		}
	})
}

func TestSystemMigrate(t *testing.T) {
	// Root's answer only; the rootless migration is the rest of the test.
	asRoot(t, func(t *testing.T, e *Env) {
		if r := e.MustPod("system", "migrate"); !strings.Contains(r.Stdout, "Nothing to migrate as root") {
			t.Fatalf("migrate as root: %q", r.Stdout)
		}
	})
	if suite.rootless == "" {
		t.Skip("no rootless user")
	}
	e := NewEnv(t, true)
	img := pulled(t, e)
	e.MustPod("run", "-d", "--name", "longrun", "--stop-timeout", "1", img, "sleep", "1000")
	pause := e.PausePID()
	if pause == 0 {
		t.Fatal("no pause process")
	}
	r := e.MustPod("system", "migrate")
	if !strings.Contains(r.Stdout, "stopped longrun") || !strings.Contains(r.Stdout, "Ended the pause process") {
		t.Fatalf("migrate said %q", r.Stdout)
	}
	waitGone(t, pause)
	// The next command makes a new user namespace; the container is
	// stopped, and starts again in it.
	if got := strings.TrimSpace(e.MustPod("ps", "-a", "--format", "{{.State}}").Stdout); got != "exited" {
		t.Fatalf("container after migrate: %q", got)
	}
	if now := e.PausePID(); now == 0 || now == pause {
		t.Fatalf("pause process after migrate: %d (was %d)", now, pause)
	}
	e.MustPod("start", "longrun")
	if got := strings.TrimSpace(e.MustPod("ps", "--format", "{{.Names}}").Stdout); got != "longrun" {
		t.Fatalf("running after a start in the new namespace: %q", got)
	}
	e.MustPod("rm", "-f", "-t", "0", "longrun")
}
