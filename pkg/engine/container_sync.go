package engine

import (
	"context"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/state"
)

// SyncContainers makes the recorded state of every container that should
// run match the truth (podman's ps --sync): a run that ended is recorded
// as ended (as any command that finds a dead monitor does), and a
// container the OCI runtime froze or thawed behind pod's back (`runc pause`
// by hand) is recorded as paused or running. It asks the runtime about
// each such container, so it costs a runtime call per running container.
func (r *Runtime) SyncContainers(ctx context.Context) error {
	rows, err := r.db.List(ctx)
	if err != nil {
		return err
	}
	for _, row := range rows {
		if !isActive(row.Status) {
			continue
		}
		if err := r.syncWithRuntime(ctx, row.ID); err != nil {
			logrus.Warnf("sync container %s: %v", shortID(row.ID), err)
		}
	}
	return nil
}

func (r *Runtime) syncWithRuntime(ctx context.Context, id string) error {
	l, err := r.lockContainer(ctx, id)
	if err != nil {
		return err
	}
	defer l.Release()
	c, err := r.syncLocked(ctx, id)
	if err != nil {
		return err
	}
	if c.Status != state.StatusRunning && c.Status != state.StatusPaused {
		return nil
	}
	rt, err := r.ociFor(c)
	if err != nil {
		return err
	}
	st, err := rt.State(ctx, c.ID)
	if err != nil {
		// Gone from the runtime: its monitor records the end.
		return nil
	}
	next := c.Status
	switch st.Status {
	case "paused":
		next = state.StatusPaused
	case "running":
		next = state.StatusRunning
	}
	if next == c.Status {
		return nil
	}
	logrus.Debugf("container %s: recorded %s, the runtime says %s", shortID(c.ID), c.Status, st.Status)
	c.Status = next
	if err := r.db.Update(ctx, c.Container); err != nil {
		return fmt.Errorf("record container %s %s: %w", shortID(c.ID), next, err)
	}
	return nil
}
