package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/oci"
	"github.com/pod-engine/pod/pkg/state"
)

// defaultStopTimeout is Docker's: seconds between the stop signal and SIGKILL.
const defaultStopTimeout = 10

// Stop sends the container's stop signal, waits up to timeout seconds
// (nil: the container's --stop-timeout, else 10; -1: forever), then sends
// SIGKILL, and returns once the container has exited and been cleaned up.
// Stopping a container that does not run does nothing. A stopped container
// is not restarted by its restart policy.
func (r *Runtime) Stop(ctx context.Context, idOrName string, timeout *int) error {
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return err
	}
	defer l.Release()
	if !isActive(c.Status) {
		// Between two runs of a restart policy (its back-off) a stop
		// still means "no more restarts".
		if !c.StoppedByUser && c.Status == state.StatusExited && restarts(c.Config.RestartPolicy) {
			c.StoppedByUser = true
			return r.db.Update(ctx, c.Container)
		}
		return nil
	}
	return r.stopLocked(ctx, c, timeout, true)
}

// stopLocked stops an active container and records its exit; with
// mayRemove a --rm container is removed too.
func (r *Runtime) stopLocked(ctx context.Context, c *Container, timeout *int, mayRemove bool) error {
	rt, err := r.ociFor(c)
	if err != nil {
		return err
	}
	t := defaultStopTimeout
	switch {
	case timeout != nil:
		t = *timeout
	case c.Config.StopTimeout != nil:
		t = *c.Config.StopTimeout
	}
	sig, err := oci.ParseSignal(c.Config.StopSignal)
	if err != nil || c.Config.StopSignal == "" {
		sig = unix.SIGTERM
	}
	if c.Status == state.StatusPaused {
		// A frozen process gets no signal until it is thawed.
		if err := rt.Resume(ctx, c.ID); err != nil {
			if st, serr := rt.State(ctx, c.ID); serr != nil || st.Status == "paused" {
				return r.killFrozenLocked(ctx, rt, c, mayRemove, err)
			}
		}
	}
	c.StoppedByUser = true
	c.Status = state.StatusStopping
	if err := r.db.Update(ctx, c.Container); err != nil {
		if !isNoSpace(err) {
			return err
		}
		// On a full disk a stop must still stop: the exit is recorded
		// below if there is room by then, else by the next command that
		// finds the monitor gone (or removed with the container).
		logrus.Debugf("stop %s: cannot record stopping: %v", shortID(c.ID), err)
	}
	if err := rt.Kill(ctx, c.ID, sig, false); err != nil && !errors.Is(err, errdefs.ErrConflict) && !errors.Is(err, errdefs.ErrNotFound) {
		return fmt.Errorf("stop %s: %w", c.Name, err)
	}
	exited, err := r.waitExit(ctx, c, t)
	if err != nil {
		return err
	}
	if !exited {
		logrus.Infof("container %s did not stop within %d seconds: sending SIGKILL", c.Name, t)
		if err := killAll(ctx, rt, c.ID); err != nil && !errors.Is(err, errdefs.ErrConflict) && !errors.Is(err, errdefs.ErrNotFound) {
			return fmt.Errorf("stop %s: %w", c.Name, err)
		}
		if _, err := r.waitExit(ctx, c, -1); err != nil {
			return err
		}
	}
	r.containerEvent(ctx, c.Container, "stop")
	_, err = r.finishLocked(ctx, c, mayRemove)
	return err
}

// frozenKillWait is how long a stop waits for a container it could not
// thaw to die of SIGKILL.
const frozenKillWait = 10

// killFrozenLocked stops a paused container that could not be thawed
// (thawErr): its stop signal would wait for a thaw that is not coming, so
// it gets SIGKILL at once, the one signal a frozen process takes (in a
// cgroup v2 freezer, and a v1 one since Linux 6.1), and the user is told
// why. If it does not die of it either, it is recorded paused again and
// the stop fails.
func (r *Runtime) killFrozenLocked(ctx context.Context, rt *oci.Runtime, c *Container, mayRemove bool, thawErr error) error {
	logrus.Warnf("could not unpause %s to stop it (%v): killing it", c.Name, thawErr)
	c.StoppedByUser = true
	c.Status = state.StatusStopping
	if err := r.db.Update(ctx, c.Container); err != nil {
		return err
	}
	if err := killAll(ctx, rt, c.ID); err != nil && !errors.Is(err, errdefs.ErrConflict) && !errors.Is(err, errdefs.ErrNotFound) {
		logrus.Debugf("kill frozen %s: %v", shortID(c.ID), err)
	}
	exited, err := r.waitExit(ctx, c, frozenKillWait)
	if err != nil {
		return err
	}
	if !exited {
		c.Status = state.StatusPaused
		if err := r.db.Update(context.WithoutCancel(ctx), c.Container); err != nil {
			logrus.Warnf("container %s: %v", shortID(c.ID), err)
		}
		return fmt.Errorf("stop %s: it is paused, could not be unpaused (%w) and did not die of SIGKILL", c.Name, thawErr)
	}
	r.containerEvent(ctx, c.Container, "stop")
	_, err = r.finishLocked(ctx, c, mayRemove)
	return err
}

// killAll sends SIGKILL to every process of the container. The runtime
// finds them through the container's cgroup, which a rootless container
// may not have; then killing its init is enough, since every container has
// a PID namespace of its own and the kernel kills the rest with its init.
func killAll(ctx context.Context, rt *oci.Runtime, id string) error {
	err := rt.Kill(ctx, id, unix.SIGKILL, true)
	if err == nil || errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, errdefs.ErrConflict) {
		return err
	}
	logrus.Debugf("kill --all %s: %v; killing its init", shortID(id), err)
	return rt.Kill(ctx, id, unix.SIGKILL, false)
}

// waitExit waits up to timeout seconds (-1: until ctx ends) for the
// container's exit file, or its monitor's death. It reports whether the
// container exited.
func (r *Runtime) waitExit(ctx context.Context, c *Container, timeout int) (bool, error) {
	path, err := r.exitFile(c.ID)
	if err != nil {
		return false, err
	}
	var deadline <-chan time.Time
	if timeout >= 0 {
		tm := time.NewTimer(time.Duration(timeout) * time.Second)
		defer tm.Stop()
		deadline = tm.C
	}
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		if _, err := os.Stat(path); err == nil || !conmon.Alive(c.MonitorPID) {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-deadline:
			return false, nil
		case <-time.After(wait):
		}
	}
}

// Kill sends signal (a name or number; "" is SIGKILL) to the container's
// main process. The container is then not restarted by its restart policy.
func (r *Runtime) Kill(ctx context.Context, idOrName string, signal string) error {
	sig := unix.SIGKILL
	if signal != "" {
		s, err := oci.ParseSignal(signal)
		if err != nil {
			return err
		}
		sig = s
	}
	if c, err := r.get(ctx, idOrName); err == nil && c.Status == state.StatusStopping {
		if l, ok, err := r.tryLockContainer(c.ID); err == nil && !ok {
			return r.killStopping(ctx, c, sig)
		} else if ok {
			l.Release()
		}
	}
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return err
	}
	defer l.Release()
	if !isActive(c.Status) {
		return fmt.Errorf("can only kill running containers. %s is in state %s: %w", c.ID, c.Status, ErrCtrStateInvalid)
	}
	rt, err := r.ociFor(c)
	if err != nil {
		return err
	}
	if !c.StoppedByUser {
		c.StoppedByUser = true
		if err := r.db.Update(ctx, c.Container); err != nil {
			return err
		}
	}
	if err := rt.Kill(ctx, c.ID, sig, false); err != nil {
		return fmt.Errorf("kill %s: %w", c.Name, err)
	}
	r.containerEvent(ctx, c.Container, "kill", "signal", unix.SignalName(sig))
	return nil
}

// killStopping signals a container a stop is stopping right now. That stop
// holds the lifecycle lock while it waits for the exit (up to its timeout),
// so the signal goes without it, as podman's kill of a stopping container:
// it hurries the stop, which records the exit. A container that exited
// meanwhile was stopped, which is what the kill asked for.
func (r *Runtime) killStopping(ctx context.Context, c *Container, sig unix.Signal) error {
	rt, err := r.ociFor(c)
	if err != nil {
		return err
	}
	if err := rt.Kill(ctx, c.ID, sig, false); err != nil {
		if errors.Is(err, errdefs.ErrConflict) || errors.Is(err, errdefs.ErrNotFound) {
			logrus.Infof("container %s stopped before the kill reached it", c.Name)
			return nil
		}
		return fmt.Errorf("kill %s: %w", c.Name, err)
	}
	r.containerEvent(ctx, c.Container, "kill", "signal", unix.SignalName(sig))
	return nil
}

// Wait blocks until the container is not running and returns its exit
// code. A container that never ran returns at once.
func (r *Runtime) Wait(ctx context.Context, idOrName string) (int, error) {
	c, err := r.Container(ctx, idOrName)
	if err != nil {
		return 0, err
	}
	for wait := 5 * time.Millisecond; isActive(c.Status); wait = min(2*wait, 100*time.Millisecond) {
		// The exit file tells before the monitor's cleanup has recorded it.
		if path, err := r.exitFile(c.ID); err == nil {
			if ex, err := conmon.ReadExit(path); err == nil {
				return ex.Code, nil
			}
		}
		if c.MonitorPID > 0 && conmon.Alive(c.MonitorPID) {
			// The monitor writes the exit file before it exits: sleep
			// until then rather than poll. The bound rechecks a container
			// that a restart gave a new monitor.
			wctx, cancel := context.WithTimeout(ctx, time.Second)
			err := conmon.WaitMonitor(wctx, c.MonitorPID)
			cancel()
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				logrus.Debugf("wait for monitor of %s: %v", shortID(c.ID), err)
				time.Sleep(wait)
			}
		} else {
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(wait):
			}
		}
		if c, err = r.Container(ctx, c.ID); err != nil {
			return 0, err
		}
	}
	return c.ExitCode, nil
}

// Restart stops the container (as Stop does) and starts it again.
func (r *Runtime) Restart(ctx context.Context, idOrName string, timeout *int) error {
	c, l, err := r.getLocked(ctx, idOrName)
	if err != nil {
		return err
	}
	defer l.Release()
	if isActive(c.Status) {
		if err := r.stopLocked(ctx, c, timeout, false); err != nil {
			return err
		}
		if c, err = r.get(ctx, c.ID); err != nil {
			return err
		}
	}
	if _, err = r.startLocked(ctx, c, startHow{}); err == nil {
		r.containerEvent(ctx, c.Container, "restart")
	}
	return err
}
