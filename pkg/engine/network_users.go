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

// removeNetworkUsers force-removes containers (network rm -f), stopping
// those that run, as `pod rm -f` does.
func (r *Runtime) removeNetworkUsers(ctx context.Context, names []string) error {
	for _, n := range names {
		if err := r.Remove(ctx, n, RemoveOptions{Force: true}); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
	}
	return nil
}
