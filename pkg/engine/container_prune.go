package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/logs"
	"github.com/pod-engine/pod/pkg/state"
)

// PruneFilter selects the stopped containers `container prune` removes:
// created before Until (when set) and matching the label conditions.
type PruneFilter struct {
	Until  time.Time
	labels []labelMatch
}

// ParsePruneFilter parses --filter until=TIME, label=K[=V] and label!=K[=V]
// arguments as Docker's `container prune` takes them.
func ParsePruneFilter(args []string, now time.Time) (*PruneFilter, error) {
	f := &PruneFilter{}
	for _, a := range args {
		key, value, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("invalid filter %q: want KEY=VALUE: %w", a, errdefs.ErrInvalidArg)
		}
		switch key {
		case "until":
			t, err := logs.ParseTime(value, now)
			if err != nil {
				return nil, fmt.Errorf("invalid filter %q: %v: %w", a, err, errdefs.ErrInvalidArg)
			}
			if f.Until.IsZero() || t.Before(f.Until) {
				f.Until = t
			}
		case "label", "label!":
			k, v, hasValue := strings.Cut(value, "=")
			f.labels = append(f.labels, labelMatch{key: k, value: v, hasValue: hasValue, negate: key == "label!"})
		default:
			return nil, fmt.Errorf("invalid filter %q: prune filters are until, label and label!: %w", a, errdefs.ErrInvalidArg)
		}
	}
	return f, nil
}

func (f *PruneFilter) match(c *Container) bool {
	if !f.Until.IsZero() && !c.CreatedAt.Before(f.Until) {
		return false
	}
	return (&ContainerFilter{labels: f.labels}).matchLabels(c.Labels)
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
		if !filter.match(c) {
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
