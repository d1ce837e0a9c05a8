package engine

import (
	"context"
	"errors"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// removeNetworkUsers force-removes containers (network rm -f), killing
// those that run without a grace period: the user asked for the network
// to go, not for the containers to shut down cleanly.
func (r *Runtime) removeNetworkUsers(ctx context.Context, names []string) error {
	zero := 0
	for _, n := range names {
		if err := r.Remove(ctx, n, RemoveOptions{Force: true, Timeout: &zero}); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
	}
	return nil
}
