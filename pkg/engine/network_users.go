package engine

import (
	"context"
	"errors"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// removeNetworkUsers force-removes containers (network rm -f), giving
// those that run timeout seconds to stop (network rm's default is none:
// the user asked for the network to go, not for the containers to shut
// down cleanly).
func (r *Runtime) removeNetworkUsers(ctx context.Context, names []string, timeout *int) error {
	for _, n := range names {
		if err := r.Remove(ctx, n, RemoveOptions{Force: true, Timeout: timeout}); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
	}
	return nil
}
