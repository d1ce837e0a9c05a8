package e2e

import (
	"strings"
	"testing"
)

// TestAPIDockerBasics drives the service with the real docker CLI:
// version, info, run --rm, run -d with logs -f and stop, ps, inspect.
func TestAPIDockerBasics(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		s := startService(t, e)
		img := suite.images.Busybox

		v := s.mustDocker(t, "version", "--format", "{{.Server.Version}} {{.Server.APIVersion}} {{.Client.APIVersion}}")
		f := strings.Fields(v.Stdout)
		if len(f) != 3 || f[1] != "1.51" {
			t.Errorf("docker version: %q", v.Stdout)
		}
		info := s.mustDocker(t, "info", "--format", "{{.DockerRootDir}} {{.Images}}")
		if !strings.HasPrefix(info.Stdout, e.Root+" ") {
			t.Errorf("docker info: %q, want the graph root %s first", info.Stdout, e.Root)
		}

		// Not pulled yet: the CLI pulls on the create's 404.
		r := s.mustDocker(t, "run", "--rm", img, "echo", "hello from pod")
		if r.Stdout != "hello from pod\n" {
			t.Errorf("run --rm: stdout %q stderr %q", r.Stdout, r.Stderr)
		}
		if ps := e.MustPod("ps", "-aq").Stdout; ps != "" {
			t.Errorf("run --rm left %q", ps)
		}
		r = s.docker(t, "run", "--rm", img, "sh", "-c", "echo out; echo err >&2; exit 3")
		if r.Code != 3 || r.Stdout != "out\n" || !strings.Contains(r.Stderr, "err\n") {
			t.Errorf("run exit 3: code %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
		}

		id := strings.TrimSpace(s.mustDocker(t, "run", "-d", "--name", "talker", img,
			"sh", "-c", "echo one; sleep 1; echo two; trap 'echo bye; exit 0' TERM; while :; do sleep 0.1; done").Stdout)
		if len(id) != 64 {
			t.Fatalf("run -d printed %q", id)
		}
		// The CLI and the service share the state: pod sees it running.
		if st := strings.TrimSpace(e.MustPod("inspect", "-f", "{{.State.Status}}", "talker").Stdout); st != "running" {
			t.Errorf("pod inspect after docker run -d: %q", st)
		}
		ps := s.mustDocker(t, "ps", "-a", "--format", "{{.Names}}|{{.Image}}|{{.State}}")
		if strings.TrimSpace(ps.Stdout) != "talker|"+img+"|running" {
			t.Errorf("docker ps: %q", ps.Stdout)
		}
		stopped := make(chan *Result, 1)
		go func() {
			// logs -f runs until the container exits.
			stopped <- s.docker(t, "logs", "-f", "talker")
		}()
		waitFor(t, func() bool { return strings.Contains(e.MustPod("logs", "talker").Stdout, "two") })
		s.mustDocker(t, "stop", "talker")
		lr := <-stopped
		if lr.Code != 0 || lr.Stdout != "one\ntwo\nbye\n" {
			t.Errorf("logs -f: code %d stdout %q stderr %q", lr.Code, lr.Stdout, lr.Stderr)
		}
		in := s.mustDocker(t, "inspect", "-f", "{{.Name}} {{.State.Status}} {{.State.ExitCode}} {{.Config.Image}}", "talker")
		if strings.TrimSpace(in.Stdout) != "/talker exited 0 "+img {
			t.Errorf("docker inspect: %q", in.Stdout)
		}
		s.mustDocker(t, "rm", "talker")
		if r := s.docker(t, "inspect", "talker"); r.Code == 0 || !strings.Contains(r.Stderr, "talker") {
			t.Errorf("inspect after rm: code %d stderr %q", r.Code, r.Stderr)
		}
	})
}
