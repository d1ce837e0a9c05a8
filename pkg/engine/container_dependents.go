package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// dependsOn reports whether cfg joins a namespace of the container id
// (--network, --ipc, --pid or --uts container:ID) or --requires it: that
// container cannot go while cfg's does.
func dependsOn(cfg *ContainerConfig, id string) bool {
	return cfg.NetworkMode == netModeCtrPfx+id || dependsOnNamespaces(cfg, id) || slices.Contains(cfg.Requires, id)
}

// dependents lists the containers, running or not, that join a namespace
// of the container id, sorted by name.
func (r *Runtime) dependents(ctx context.Context, id string) ([]*Container, error) {
	rows, err := r.db.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Container
	for _, row := range rows {
		c, err := wrap(row)
		if err != nil {
			return nil, err
		}
		if c.ID != id && dependsOn(c.Config, id) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// removeDependents removes the containers that depend on c first (rm
// --depend, rm -f), as podman does, or refuses when opts allow neither:
// removing c would leave them unstartable.
func (r *Runtime) removeDependents(ctx context.Context, c *Container, opts RemoveOptions) error {
	deps, err := r.dependents(ctx, c.ID)
	if err != nil || len(deps) == 0 {
		return err
	}
	if !opts.Force && !opts.Depend {
		names := make([]string, len(deps))
		for i, d := range deps {
			names[i] = d.Name
		}
		return errdefs.Conflictf("container %s has dependent containers which must be removed before it: %s", c.Name, strings.Join(names, ", "))
	}
	for _, d := range deps {
		if err := r.Remove(ctx, d.ID, opts); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return fmt.Errorf("remove %s, which depends on %s: %w", d.Name, c.Name, err)
		}
		if opts.Removed != nil {
			opts.Removed(d.ID)
		}
	}
	return nil
}
