package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemRenumber checks that system renumber removes the lock files of
// removed containers and keeps those of existing ones.
func TestSystemRenumber(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		gone := out(e.MustPod("create", img, "true"))
		kept := out(e.MustPod("create", img, "true"))
		e.MustPod("start", gone)
		e.MustPod("start", kept)
		e.MustPod("rm", "-f", gone)
		locks := filepath.Join(e.RunRoot, "pod", "locks")
		lockOf := func(id string) bool {
			_, err := os.Stat(filepath.Join(locks, id+".lock"))
			return err == nil
		}
		if !lockOf(gone) || !lockOf(kept) {
			t.Fatalf("lock files before renumber: %v", lsNames(t, locks))
		}
		if r := e.MustPod("system", "renumber"); r.Stdout != "" {
			t.Errorf("renumber printed %q", r.Stdout)
		}
		if lockOf(gone) {
			t.Errorf("the removed container's lock file is still there")
		}
		if !lockOf(kept) {
			t.Errorf("the existing container's lock file was removed")
		}
		e.MustPod("start", kept) // its lock still works
		e.Pod("system", "renumber", "extra").Fails(t, 125, "extra")
	})
}

func lsNames(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}
