package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/lock"
)

// Renumber is pod's `system renumber`. podman allocates a fixed number of
// numbered locks and renumber hands them out afresh (after num_locks
// changed, or when they ran out). pod has no numbered locks: each container
// and pod has a lock file named by its ID under RUNROOT/pod/locks, made on
// first use and, as the lock package requires, kept while its object can be
// looked up. What accumulates is the lock files of containers and pods that
// were removed; Renumber removes those that nobody holds and returns how
// many. Objects that exist keep theirs, so it is safe while other pod
// commands run (podman asks for none to run).
func (r *Runtime) Renumber(ctx context.Context) (removed int, err error) {
	dir := r.podRunDir("locks")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("renumber: %w", err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".lock")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		isGone := func() (bool, error) {
			var err error
			if id, isPod := strings.CutPrefix(name, "pod-"); isPod {
				_, err = r.db.GetPod(ctx, id)
			} else {
				_, err = r.db.Get(ctx, name)
			}
			if errors.Is(err, errdefs.ErrNotFound) {
				return true, nil
			}
			return false, err
		}
		gone, err := lock.RemoveIfUnused(filepath.Join(dir, e.Name()), isGone)
		if err != nil {
			return removed, fmt.Errorf("renumber: %w", err)
		}
		if gone {
			removed++
		}
	}
	return removed, nil
}
