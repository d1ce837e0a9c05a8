package engine

import (
	"context"
	"errors"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// removeVolumeUsers removes the containers ids, stopping running ones
// first (volume rm --force).
func (r *Runtime) removeVolumeUsers(ctx context.Context, ids []string, timeout *int) error {
	for _, id := range ids {
		if err := r.Remove(ctx, id, RemoveOptions{Force: true, Timeout: timeout}); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
	}
	return nil
}
