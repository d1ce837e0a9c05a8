package engine

import (
	"context"
	"time"

	"github.com/pod-engine/pod/pkg/filters"
	"github.com/pod-engine/pod/pkg/state"
)

// PruneFilter selects the stopped containers `container prune` removes
// (see pkg/filters): created before until= (when set) and matching every
// label= and label!= condition.
type PruneFilter struct {
	args   filters.Args
	window filters.Window
}

// containerPruneFilterKeys are the filters of `container prune`, as Docker's.
var containerPruneFilterKeys = []string{"until", "label", "label!"}

// ParsePruneFilter parses --filter until=TIME, label=K[=V] and label!=K[=V]
// arguments as Docker's `container prune` takes them.
func ParsePruneFilter(in []string, now time.Time) (*PruneFilter, error) {
	args, err := filters.Parse(in, containerPruneFilterKeys...)
	if err != nil {
		return nil, err
	}
	if err := filters.CheckLabels(args); err != nil {
		return nil, err
	}
	w, err := filters.Created(args, now, nil)
	if err != nil {
		return nil, err
	}
	return &PruneFilter{args: args, window: w}, nil
}

func (f *PruneFilter) match(c *Container) bool {
	return f.window.Contains(c.CreatedAt) && filters.MatchLabels(f.args, c.Labels)
}

// PruneReport is the outcome for one container prune tried to remove.
type PruneReport struct {
	ID   string
	Size int64 // bytes of the container layer freed
	Err  error
}

// PruneContainers removes every container that is not running (created or
// exited) and passes filter. A container that starts meanwhile is left
// alone and reported with its error; the others are still removed.
func (r *Runtime) PruneContainers(ctx context.Context, filter *PruneFilter) ([]PruneReport, error) {
	if filter == nil {
		filter = &PruneFilter{}
	}
	all, err := r.Containers(ctx)
	if err != nil {
		return nil, err
	}
	var out []PruneReport
	for _, c := range all {
		if c.Status != state.StatusExited && c.Status != state.StatusCreated {
			continue
		}
		if !filter.match(c) || r.refuseInfraRemoval(ctx, c) != nil {
			// A pod's infra container goes with its pod (pod pod prune).
			continue
		}
		rep := PruneReport{ID: c.ID}
		if st, err := r.storage(); err != nil {
			return nil, err
		} else if rw, err := st.ContainerSize(c.ID); err == nil && rw > 0 {
			rep.Size = rw
		}
		if err := r.Remove(ctx, c.ID, RemoveOptions{}); err != nil {
			rep.Err, rep.Size = err, 0
		}
		out = append(out, rep)
	}
	return out, nil
}
