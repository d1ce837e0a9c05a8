package engine

import "context"

// networkUsers names the containers attached to a network. Containers are
// attached to networks only once container networking is wired into the
// lifecycle; until then no container can be.
func (r *Runtime) networkUsers(ctx context.Context, name string) ([]string, error) {
	return nil, nil
}

// removeNetworkUsers force-removes containers (network rm -f).
func (r *Runtime) removeNetworkUsers(ctx context.Context, ids []string) error {
	return nil
}
