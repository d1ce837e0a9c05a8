package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
)

// Pause freezes every process of a running container through the
// runtime's freezer; the container shows as paused until Unpause.
func (r *Runtime) Pause(ctx context.Context, idOrName string) error {
	return r.setFrozen(ctx, idOrName, true)
}

// Unpause thaws a paused container.
func (r *Runtime) Unpause(ctx context.Context, idOrName string) error {
	return r.setFrozen(ctx, idOrName, false)
}

func (r *Runtime) setFrozen(ctx context.Context, idOrName string, freeze bool) error {
	verb := "pause"
	if !freeze {
		verb = "unpause"
	}
	c, err := r.get(ctx, idOrName)
	if err != nil {
		return err
	}
	if !r.cgroupsUsable() {
		// The freezer is a cgroup controller: without a cgroup of its own
		// the container cannot be frozen apart from the user's session.
		return invalidf("%s is not supported for rootless containers on cgroup v1: they have no freezer cgroup of their own", verb)
	}
	l, err := r.lockContainer(ctx, c.ID)
	if err != nil {
		return err
	}
	defer l.Release()
	if c, err = r.syncLocked(ctx, c.ID); err != nil {
		return err
	}
	want, next := state.StatusRunning, state.StatusPaused
	if !freeze {
		want, next = state.StatusPaused, state.StatusRunning
	}
	if c.Status != want {
		msg := fmt.Sprintf("%q is not running, can't pause it", c.Name)
		switch {
		case freeze && c.Status == state.StatusPaused:
			msg = fmt.Sprintf("%q is already paused", c.Name)
		case !freeze:
			msg = fmt.Sprintf("%q is not paused, can't unpause it", c.Name)
		}
		return errdefs.WithCategory(errors.New(msg), ErrCtrStateInvalid)
	}
	rt, err := r.ociFor(c)
	if err != nil {
		return err
	}
	if freeze {
		err = rt.Pause(ctx, c.ID)
	} else {
		err = rt.Resume(ctx, c.ID)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", verb, c.Name, err)
	}
	c.Status = next
	if err := r.db.Update(ctx, c.Container); err != nil {
		return err
	}
	r.containerEvent(ctx, c.Container, verb)
	return nil
}
