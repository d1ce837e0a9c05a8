package e2e

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// healthOf reads inspect's State.Health.
type healthDoc struct {
	Status        string
	FailingStreak int
	Log           []struct {
		ExitCode int
		Output   string
	}
}

func healthOf(t *testing.T, e *Env, name string) healthDoc {
	t.Helper()
	out := e.MustPod("inspect", "-f", "{{json .State.Health}}", name).Stdout
	var h healthDoc
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatalf("State.Health %q: %v", out, err)
	}
	return h
}

// TestHealthcheckRun drives a healthcheck by hand with `healthcheck run`
// (the timer is an hour away): starting, unhealthy after the retries,
// healthy again; the log keeps the last five results with their output.
func TestHealthcheckRun(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		runID(t, e, "run", "-d", "--name", "hc", "--health-cmd", "echo probing; test -e /tmp/ok",
			"--health-interval", "1h", "--health-retries", "2", img, "sleep", "1000")
		if h := healthOf(t, e, "hc"); h.Status != "starting" || len(h.Log) != 0 {
			t.Fatalf("before any check: %+v", h)
		}
		if got := e.MustPod("ps", "--format", "{{.Status}}").Stdout; !strings.HasSuffix(strings.TrimSpace(got), "(starting)") {
			t.Errorf("ps STATUS %q, want (starting)", got)
		}
		r := e.Pod("healthcheck", "run", "hc")
		if r.Code != 1 || strings.TrimSpace(r.Stdout) != "starting" {
			t.Fatalf("first failure: code %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
		}
		r = e.Pod("healthcheck", "run", "hc")
		if r.Code != 1 || strings.TrimSpace(r.Stdout) != "unhealthy" {
			t.Fatalf("second failure: code %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
		}
		if h := healthOf(t, e, "hc"); h.Status != "unhealthy" || h.FailingStreak != 2 || len(h.Log) != 2 ||
			h.Log[0].ExitCode != 1 || h.Log[0].Output != "probing\n" {
			t.Fatalf("after two failures: %+v", h)
		}
		if got := e.MustPod("ps", "--format", "{{.Status}}").Stdout; !strings.Contains(got, "(unhealthy)") {
			t.Errorf("ps STATUS %q, want (unhealthy)", got)
		}
		e.MustPod("exec", "hc", "touch", "/tmp/ok")
		e.MustPod("healthcheck", "run", "hc")
		for i := 0; i < 4; i++ {
			e.MustPod("healthcheck", "run", "hc")
		}
		h := healthOf(t, e, "hc")
		if h.Status != "healthy" || h.FailingStreak != 0 || len(h.Log) != 5 || h.Log[4].ExitCode != 0 {
			t.Fatalf("after successes: %+v", h)
		}
		if got := e.MustPod("ps", "--format", "{{.Status}}").Stdout; !strings.Contains(got, "(healthy)") {
			t.Errorf("ps STATUS %q, want (healthy)", got)
		}

		runID(t, e, "run", "-d", "--name", "plain", img, "sleep", "1000")
		e.Pod("healthcheck", "run", "plain").Fails(t, 125, "has no defined healthcheck")
		e.Pod("healthcheck", "run", "nosuch").Fails(t, 125, "no such container")
		e.MustPod("stop", "-t", "0", "hc")
		e.Pod("healthcheck", "run", "hc").Fails(t, 125, "is not running")

		// During the start period failures do not count.
		runID(t, e, "run", "-d", "--name", "slowstart", "--health-cmd", "false", "--health-retries", "1",
			"--health-start-period", "1h", "--health-interval", "1h", img, "sleep", "1000")
		if r := e.Pod("healthcheck", "run", "slowstart"); r.Code != 1 || strings.TrimSpace(r.Stdout) != "starting" {
			t.Fatalf("failure in the start period: code %d stdout %q", r.Code, r.Stdout)
		}
		if h := healthOf(t, e, "slowstart"); h.Status != "starting" || h.FailingStreak != 0 || len(h.Log) != 1 {
			t.Fatalf("after a failure in the start period: %+v", h)
		}

		e.Pod("run", "--health-cmd", "true", "--health-interval", "soon", img, "true").Fails(t, 125, "--health-interval")
		e.Pod("run", "--health-cmd", "true", "--health-on-failure", "explode", img, "true").Fails(t, 125, "--health-on-failure")
	})
}

// TestHealthcheckTimer leaves the checks to the container's monitor: the
// container turns healthy, then unhealthy once the check starts failing,
// and a check that outlives its timeout fails.
func TestHealthcheckTimer(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		runID(t, e, "run", "-d", "--name", "timed", "--health-cmd", `["test","!","-e","/tmp/broken"]`,
			"--health-interval", "1s", "--health-retries", "1", img, "sleep", "1000")
		waitFor(t, func() bool { return healthOf(t, e, "timed").Status == "healthy" })
		e.MustPod("exec", "timed", "touch", "/tmp/broken")
		waitFor(t, func() bool { return healthOf(t, e, "timed").Status == "unhealthy" })
		if got := e.MustPod("inspect", "-f", "{{json .Config.Healthcheck.Test}}", "timed").Stdout; strings.TrimSpace(got) != `["CMD","test","!","-e","/tmp/broken"]` {
			t.Errorf("Config.Healthcheck.Test %s", got)
		}

		runID(t, e, "run", "-d", "--name", "slow", "--health-cmd", "sleep 10", "--health-timeout", "1s",
			"--health-interval", "1h", img, "sleep", "1000")
		r := e.Pod("healthcheck", "run", "slow")
		h := healthOf(t, e, "slow")
		if r.Code != 1 || len(h.Log) != 1 || !strings.Contains(h.Log[0].Output, "exceeded timeout") {
			t.Fatalf("a check past its timeout: code %d, %+v", r.Code, h)
		}
	})
}

// TestHealthcheckOnFailure checks the actions taken when a container turns
// unhealthy.
func TestHealthcheckOnFailure(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		for _, tc := range []struct{ action, status string }{{"kill", "exited"}, {"stop", "exited"}, {"restart", "running"}} {
			t.Run(tc.action, func(t *testing.T) {
				name := "fail-" + tc.action
				runID(t, e, "run", "-d", "--name", name, "--health-cmd", "false", "--health-retries", "1",
					"--health-interval", "1h", "--health-on-failure", tc.action, "--stop-timeout", "1", img, "sleep", "1000")
				before := e.MustPod("inspect", "-f", "{{.State.StartedAt}}", name).Stdout
				if r := e.Pod("healthcheck", "run", name); r.Code != 1 || strings.TrimSpace(r.Stdout) != "unhealthy" {
					t.Fatalf("healthcheck run: code %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
				}
				// A killed container's exit is recorded by its monitor's
				// cleanup, just after.
				waitFor(t, func() bool {
					return strings.TrimSpace(e.MustPod("inspect", "-f", "{{.State.Status}}", name).Stdout) == tc.status
				})
				if tc.action == "restart" {
					after := e.MustPod("inspect", "-f", "{{.State.StartedAt}}", name).Stdout
					if after == before {
						t.Errorf("restart: StartedAt unchanged (%s)", after)
					}
					if h := healthOf(t, e, name); h.Status != "starting" {
						t.Errorf("restarted container's health %+v, want starting", h)
					}
				}
			})
		}
	})
}

// TestHealthcheckFromImage loads an image whose configuration has a
// HEALTHCHECK (Docker's config.Healthcheck) and checks containers get it
// unless --no-healthcheck or --health-cmd say otherwise.
func TestHealthcheckFromImage(t *testing.T) {
	data := healthImageArchive(t)
	forEachUser(t, func(t *testing.T, e *Env) {
		archive := e.WriteFile("healthy.tar", data)
		e.MustPod("load", "-q", "-i", archive)
		runID(t, e, "run", "-d", "--name", "imgcheck", "localhost/healthy:latest", "sleep", "1000")
		got := e.MustPod("inspect", "-f", "{{json .Config.Healthcheck}}", "imgcheck").Stdout
		var hc struct {
			Test     []string
			Interval time.Duration
			Retries  int
		}
		if err := json.Unmarshal([]byte(got), &hc); err != nil || strings.Join(hc.Test, " ") != "CMD-SHELL test -d /bin" ||
			hc.Interval != 3*time.Second || hc.Retries != 4 {
			t.Fatalf("Config.Healthcheck %s: %v", got, err)
		}
		e.MustPod("healthcheck", "run", "imgcheck")
		if h := healthOf(t, e, "imgcheck"); h.Status != "healthy" {
			t.Fatalf("health %+v", h)
		}
		runID(t, e, "run", "-d", "--name", "nocheck", "--no-healthcheck", "localhost/healthy:latest", "sleep", "1000")
		if got := e.MustPod("inspect", "-f", "{{.State.Health}}", "nocheck").Stdout; strings.TrimSpace(got) != "<nil>" {
			t.Errorf("--no-healthcheck: State.Health %q", got)
		}
		e.Pod("healthcheck", "run", "nocheck").Fails(t, 125, "no defined healthcheck")
		runID(t, e, "run", "-d", "--name", "override", "--health-interval", "1h", "localhost/healthy:latest", "sleep", "1000")
		got = e.MustPod("inspect", "-f", "{{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.Retries}}", "override").Stdout
		if strings.TrimSpace(got) != "1h0m0s 4" {
			t.Errorf("--health-interval over the image's: %q", got)
		}
	})
}

// healthImageArchive writes a docker-archive of the busybox layer with a
// configuration carrying a HEALTHCHECK, as `docker save` would.
func healthImageArchive(t *testing.T) []byte {
	t.Helper()
	layer, err := os.ReadFile(suite.images.RootfsTar)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(layer)
	diffID := "sha256:" + hex.EncodeToString(sum[:])
	cfg, _ := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{
			"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			"Cmd": []string{"sh"},
			"Healthcheck": map[string]any{
				"Test": []string{"CMD-SHELL", "test -d /bin"}, "Interval": int64(3 * time.Second), "Retries": 4,
			},
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{diffID}},
	})
	cfgSum := sha256.Sum256(cfg)
	cfgName := hex.EncodeToString(cfgSum[:]) + ".json"
	manifest, _ := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{"localhost/healthy:latest"}, "Layers": []string{"layer.tar"}}})
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{{cfgName, cfg}, {"layer.tar", layer}, {"manifest.json", manifest}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
