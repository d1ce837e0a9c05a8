package engine

import (
	"context"
	"errors"
	"sort"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// networkUsers names the containers (running or not) configured to use a
// network, sorted.
func (r *Runtime) networkUsers(ctx context.Context, name string) ([]string, error) {
	all, err := r.Containers(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range all {
		for _, a := range c.Config.Networks {
			if a.Network == name {
				out = append(out, c.Name)
				break
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

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
