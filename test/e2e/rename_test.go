package e2e

import (
	"bytes"
	"strings"
	"testing"
)

// TestRenameExists checks that rename frees the old name and that exists
// answers with its exit status.
func TestRenameExists(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		id := runID(t, e, "run", "-d", "--name", "old", img, "sleep", "1000")
		e.MustPod("rename", "old", "new")
		if got := strings.TrimSpace(e.MustPod("ps", "--format", "{{.ID}} {{.Names}}").Stdout); got != id[:12]+" new" {
			t.Errorf("ps after rename: %q", got)
		}
		if r := e.Pod("container", "exists", "new"); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
			t.Errorf("exists new: %d %q %q", r.Code, r.Stdout, r.Stderr)
		}
		if r := e.Pod("container", "exists", "old"); r.Code != 1 || r.Stdout != "" || r.Stderr != "" {
			t.Errorf("exists old: %d %q %q", r.Code, r.Stdout, r.Stderr)
		}
		// The old name is free at once.
		other := runID(t, e, "create", "--name", "old", img, "true")
		if r := e.Pod("container", "exists", other[:12]); r.Code != 0 {
			t.Errorf("exists by short ID: %d", r.Code)
		}
		e.Pod("rename", "new", "old").Fails(t, 125, "old")
		e.Pod("container", "rename", id, "bad/name").Fails(t, 125, "bad/name")
		e.Pod("rename", "nosuch", "x").Fails(t, 125, "nosuch")
		// A renamed container still works by its new name.
		e.MustPod("stop", "-t", "1", "new")
		if got := strings.TrimSpace(e.MustPod("inspect", "-f", "{{.Name}} {{.State.Status}}", id).Stdout); got != "new exited" {
			t.Errorf("inspect after rename and stop: %q", got)
		}
	})
}

// TestContainerPrune checks that prune removes only containers that do not
// run, asks first, and honours filters.
func TestContainerPrune(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := suite.images.Busybox
		e.MustPod("pull", "-q", img)
		running := runID(t, e, "run", "-d", "--name", "running", img, "sleep", "1000")
		created := runID(t, e, "create", "--name", "created", "-l", "keep=yes", img, "true")
		e.MustPod("run", "--name", "exited", img, "true")
		settled(t, e, "exited")
		exited := strings.TrimSpace(e.MustPod("ps", "-aq", "--no-trunc", "--filter", "name=^exited$").Stdout)

		// Answering no removes nothing.
		r := e.PodStdin(bytes.NewBufferString("n\n"), "container", "prune")
		r.Success(t)
		if !strings.Contains(r.Stdout, "WARNING! This will remove all non running containers.") || !strings.Contains(r.Stdout, "[y/N]") {
			t.Errorf("prompt: %q", r.Stdout)
		}
		if n := len(e.MustPod("ps", "-aq").Lines()); n != 3 {
			t.Fatalf("after answering no: %d containers", n)
		}

		// A filter limits what goes.
		r = e.MustPod("container", "prune", "-f", "--filter", "label!=keep")
		if got := r.Lines(); len(got) != 1 || got[0] != exited {
			t.Errorf("prune label!=keep printed %q, want %s", got, exited)
		}
		// Yes removes the rest that is not running.
		r = e.PodStdin(bytes.NewBufferString("y\n"), "container", "prune")
		r.Success(t)
		if !strings.Contains(r.Stdout, created+"\n") {
			t.Errorf("prune printed %q, want %s", r.Stdout, created)
		}
		if got := e.MustPod("ps", "-aq", "--no-trunc").Lines(); len(got) != 1 || got[0] != running {
			t.Errorf("left after prune: %q, want only %s", got, running)
		}
		e.Pod("container", "prune", "-f", "--filter", "status=exited").Fails(t, 125, "status")
	})
}
