package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
)

// Init prepares a created or exited container as start would (root
// filesystem mounted, bundle written, monitor running, the runtime's
// create done) without starting its process: it shows as initialized
// until Start runs it. Initializing an initialized container does
// nothing; a running one is an error, as in podman.
func (r *Runtime) Init(ctx context.Context, idOrName string) error {
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return err
	}
	defer l.Release()
	switch {
	case c.Status == state.StatusInitialized:
		return nil
	case isActive(c.Status):
		return errdefs.WithCategory(fmt.Errorf("container %s has already been created in runtime: it is %s", c.Name, c.Status), ErrCtrStateInvalid)
	}
	prev := c.Status
	if _, err := r.initLocked(ctx, c, initHow{}); err != nil {
		return r.discardFailed(ctx, c, err)
	}
	if err := r.db.Update(ctx, c.Container); err != nil {
		r.undoInit(ctx, c, prev)
		return err
	}
	return nil
}

// undoInit takes back initLocked (the runtime's container, the monitor,
// the network, the mounts) after a failure, and records c as it was before: prev, or
// created when it came in initialized. Its lock is held, so the cleanup
// the dying monitor runs finds it inactive and leaves it alone.
func (r *Runtime) undoInit(ctx context.Context, c *Container, prev state.Status) {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if rt, err := r.ociFor(c); err == nil {
		_ = killAll(uctx, rt, c.ID)
		if err := rt.Delete(uctx, c.ID, true); err != nil {
			logrus.Warnf("undo start of %s: %v", shortID(c.ID), err)
		}
	}
	if err := r.teardownNetwork(uctx, c); err != nil {
		logrus.Warnf("undo start of %s: %v", shortID(c.ID), err)
	}
	r.unmountVolumes(uctx, c)
	if st, err := r.storage(); err == nil {
		if err := r.unmountRootfs(st, c); err != nil {
			logrus.Warnf("undo start of %s: unmount: %v", shortID(c.ID), err)
		}
	}
	c.PID, c.MonitorPID = 0, 0
	c.Status = prev
	if prev == state.StatusInitialized {
		c.Status = state.StatusCreated
		if !c.FinishedAt.IsZero() {
			c.Status = state.StatusExited
		}
	}
	// Recorded whatever prev was: the start's intent is in the DB.
	if err := r.db.Update(uctx, c.Container); err != nil {
		logrus.Warnf("undo start of %s: %v", shortID(c.ID), err)
	}
}
