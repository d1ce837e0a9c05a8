package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
	"github.com/pod-engine/pod/pkg/timings"
)

// Cleanup is what the monitor runs (through `pod container cleanup`) once
// the container exited: record the exit code, OOM kill and time, release
// the runtime's record and the root filesystem mount, then remove the
// container (--rm) or restart it (restart policy). Running it again, or
// after another command already did the work, does nothing more.
func (r *Runtime) Cleanup(ctx context.Context, id string) error {
	c, err := r.get(ctx, id)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil
		}
		return err
	}
	l, err := r.lockContainer(ctx, c.ID)
	if err != nil {
		return err
	}
	defer l.Release()
	if c, err = r.get(ctx, c.ID); err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil
		}
		return err
	}
	if !isActive(c.Status) {
		// A --rm container whose exit was recorded by another command, or
		// whose attached pod was killed while removing it: finish the job.
		if c.Config.AutoRemove && (c.Status == state.StatusExited || c.Status == state.StatusRemoving) {
			return r.removeLocked(ctx, c, 0)
		}
		// Another command may have recorded the exit first: the pod's
		// exit policy still applies.
		if c.Status == state.StatusExited {
			r.applyPodExitPolicy(ctx, c)
		}
		return nil
	}
	if !r.hasExited(c) {
		// A newer run than the one whose monitor called us.
		return nil
	}
	removed, err := r.finishLocked(ctx, c, true)
	if err != nil || removed {
		if err == nil {
			r.applyPodExitPolicy(ctx, c)
		}
		return err
	}
	if !shouldRestart(c) {
		r.applyPodExitPolicy(ctx, c)
		return nil
	}
	// Docker's back-off: 100 ms doubling with each restart, at most a
	// minute, so a container that fails at once does not spin. The lock
	// is released meanwhile, so stop and rm are not held up.
	delay := 100 * time.Millisecond << min(c.RestartCount, 10)
	delay = min(delay, time.Minute)
	l.Release()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(delay):
	}
	l, err = r.lockContainer(ctx, c.ID)
	if err != nil {
		return err
	}
	defer l.Release()
	fresh, err := r.get(ctx, c.ID)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil
		}
		return err
	}
	// Someone started, stopped or restarted it meanwhile: their word wins.
	if fresh.Status != state.StatusExited || fresh.StoppedByUser || !fresh.FinishedAt.Equal(c.FinishedAt) {
		return nil
	}
	fresh.RestartCount++
	_, err = r.startLocked(ctx, fresh, startHow{})
	return err
}

// shouldRestart applies the restart policy to a container that just exited
// on its own.
func shouldRestart(c *Container) bool {
	if c.StoppedByUser {
		return false
	}
	p := c.Config.RestartPolicy
	switch p.Name {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		return c.ExitCode != 0 && (p.MaxRetries == 0 || c.RestartCount < p.MaxRetries)
	}
	return false
}

// hasExited reports whether an active container's current run is over: its
// exit file is written or its monitor is gone.
func (r *Runtime) hasExited(c *Container) bool {
	if path, err := r.exitFile(c.ID); err == nil {
		if _, err := os.Stat(path); err == nil {
			return true
		}
	}
	return !conmon.Alive(c.MonitorPID)
}

// syncLocked re-reads a container under its lock and, when its run is over
// but not yet recorded (the monitor's cleanup has not run yet, or never
// will), records it, so that the caller acts on the truth.
func (r *Runtime) syncLocked(ctx context.Context, id string) (*Container, error) {
	c, err := r.get(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case isActive(c.Status) && c.MonitorPID == 0:
		// An interrupted start: under the lock nobody is starting it.
		if _, err := r.adoptLocked(ctx, c, false); err != nil {
			return nil, err
		}
	case isActive(c.Status) && r.hasExited(c):
		if _, err := r.finishLocked(ctx, c, false); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// finishLocked records the end of c's run: the exit file's code, OOM flag
// and time (unknownExitCode when the monitor died without writing one),
// then releases the runtime's record and the rootfs mount. With mayRemove
// a --rm container is removed, which it reports. The caller holds c's lock.
func (r *Runtime) finishLocked(ctx context.Context, c *Container, mayRemove bool) (removed bool, err error) {
	c.ExitCode, c.OOMKilled, c.FinishedAt = unknownExitCode, false, time.Now()
	exitKnown := false
	if path, err := r.exitFile(c.ID); err == nil {
		if ex, err := conmon.ReadExit(path); err == nil {
			c.ExitCode, c.OOMKilled, exitKnown = ex.Code, ex.OOMKilled, true
			if !ex.FinishedAt.IsZero() {
				c.FinishedAt = ex.FinishedAt
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			logrus.Warnf("container %s: %v", shortID(c.ID), err)
		}
	}
	if !exitKnown {
		logrus.Warnf("container %s: its monitor died without recording an exit code; recording %d", shortID(c.ID), unknownExitCode)
	}
	r.releaseRun(ctx, c, !exitKnown)
	monitor := c.MonitorPID
	c.Status = state.StatusExited
	c.PID, c.MonitorPID = 0, 0
	if err := r.db.Update(ctx, c.Container); err != nil {
		return false, err
	}
	r.containerEvent(ctx, c.Container, "died")
	r.containerEvent(ctx, c.Container, "cleanup")
	if mayRemove && c.Config.AutoRemove {
		if err := r.removeLocked(ctx, c, monitor); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, nil
}

// releaseRun frees what a run holds outside the DB: processes left behind
// (when kill is set, because nobody saw the container exit), the runtime's
// record and the rootfs mount. Failures are logged, not returned: they must
// not keep the DB from telling the truth, and a later rm retries them.
func (r *Runtime) releaseRun(ctx context.Context, c *Container, kill bool) {
	ctx = context.WithoutCancel(ctx)
	c.released = true
	if rt, err := r.ociFor(c); err == nil {
		if _, err := os.Stat(filepath.Join(rt.StateDir, c.ID)); err == nil {
			del := func() {
				if err := rt.Delete(ctx, c.ID, true); err != nil {
					logrus.Warnf("container %s: %v", shortID(c.ID), err)
				}
			}
			if kill {
				end := timings.Start(ctx, "runtime delete")
				_ = killAll(ctx, rt, c.ID)
				del()
				end()
			} else {
				// The container's init is gone: the runtime's delete (a
				// process of its own) overlaps the unmounts below.
				done := make(chan struct{})
				go func() { defer close(done); del() }()
				defer func() {
					// Charged only for the wait beyond the overlap.
					end := timings.Start(ctx, "runtime delete")
					<-done
					end()
				}()
			}
		}
	}
	endNetwork := timings.Start(ctx, "network")
	if err := r.teardownNetwork(ctx, c); err != nil {
		logrus.Warnf("container %s: network teardown: %v", shortID(c.ID), err)
	}
	endNetwork()
	defer timings.Start(ctx, "unmount")()
	r.unmountVolumes(ctx, c)
	st, err := r.storage()
	if err != nil {
		logrus.Warnf("container %s: unmount: %v", shortID(c.ID), err)
		return
	}
	if err := r.unmountRootfs(st, c); err != nil {
		logrus.Warnf("container %s: unmount: %v", shortID(c.ID), err)
	}
}
