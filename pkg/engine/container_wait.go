package engine

import (
	"context"
	"slices"
	"time"

	"github.com/pod-engine/pod/pkg/state"
)

// WaitConditions are podman's wait --condition values.
var WaitConditions = []string{"configured", "created", "exited", "healthy", "initialized", "paused", "removing", "running", "stopped", "stopping", "unhealthy"}

// WaitForCondition polls the container every interval until it is in one
// of conditions (WaitConditions; podman's wait --condition) and returns its
// exit code then: -1 unless it has exited, as podman prints it.
func (r *Runtime) WaitForCondition(ctx context.Context, idOrName string, conditions []string, interval time.Duration) (int, error) {
	for _, c := range conditions {
		if !slices.Contains(WaitConditions, c) {
			return 0, invalidf("invalid --condition %q: use one of %v", c, WaitConditions)
		}
	}
	if interval <= 0 {
		interval = 250 * time.Millisecond
	}
	for {
		c, err := r.Container(ctx, idOrName)
		if err != nil {
			return 0, err
		}
		if ok, err := r.inCondition(ctx, c, conditions); err != nil || ok {
			code := -1
			if c.Status == state.StatusExited {
				code = c.ExitCode
			}
			return code, err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(interval):
		}
	}
}

func (r *Runtime) inCondition(ctx context.Context, c *Container, conditions []string) (bool, error) {
	for _, cond := range conditions {
		switch cond {
		case "healthy", "unhealthy":
			if c.Status != state.StatusRunning {
				continue
			}
			h, err := r.Health(ctx, c)
			if err != nil {
				return false, err
			}
			if h != nil && h.Status == cond {
				return true, nil
			}
		case "configured", "created":
			if c.Status == state.StatusCreated {
				return true, nil
			}
		case "exited", "stopped":
			if c.Status == state.StatusExited {
				return true, nil
			}
		default:
			if string(c.Status) == cond {
				return true, nil
			}
		}
	}
	return false, nil
}
