package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
)

// Container is a container as the engine sees it: its DB row and its parsed
// config, with a state that reconciliation has made true (a dead monitor
// never shows as running).
type Container struct {
	*state.Container
	Config *ContainerConfig

	// termSize, when set, is the size the container's terminal is created
	// with (the attached client's); it is not stored.
	termSize *TermSize
	// released says this process already ran releaseRun for the
	// container's last run, so removing it need not do it again.
	released bool
}

// unknownExitCode is what a container whose monitor died without writing an
// exit file is recorded as having exited with (it is also what a container
// running when the host rebooted gets). 255 is outside what a process can
// return through a signal (128+N) and what the engine's own codes use.
const unknownExitCode = 255

// ErrNoSuchContainer is the category of "no container with name or ID"; it
// is an errdefs.ErrNotFound.
var ErrNoSuchContainer = errdefs.NotFound(errors.New("no such container"))

// ErrCtrStateInvalid is the category of "the container is in the wrong state
// for this" (rm of a running container without force); an errdefs.ErrConflict.
var ErrCtrStateInvalid = errdefs.Conflict(errors.New("container state improper"))

func noSuchContainer(idOrName string) error {
	return fmt.Errorf("no container with name or ID %q found: %w", idOrName, ErrNoSuchContainer)
}

// Container finds one container by full ID, unique ID prefix or name, and
// reconciles its state when the DB says it runs.
func (r *Runtime) Container(ctx context.Context, idOrName string) (*Container, error) {
	c, err := r.get(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if isActive(c.Status) {
		if removed := r.reconcile(ctx, c); removed {
			return nil, noSuchContainer(idOrName)
		}
	}
	return c, nil
}

// Containers lists every container with one DB query. Only rows the DB says
// are running, paused or stopping are checked (is their monitor alive?);
// stopped ones cost nothing beyond parsing their config.
func (r *Runtime) Containers(ctx context.Context) ([]*Container, error) {
	rows, err := r.db.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Container, 0, len(rows))
	for _, row := range rows {
		c, err := wrap(row)
		if err != nil {
			return nil, err
		}
		if isActive(c.Status) {
			if removed := r.reconcile(ctx, c); removed {
				continue
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// get reads one container without reconciling it.
func (r *Runtime) get(ctx context.Context, idOrName string) (*Container, error) {
	row, err := r.db.Get(ctx, idOrName)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil, noSuchContainer(idOrName)
		}
		return nil, err
	}
	return wrap(row)
}

func wrap(row *state.Container) (*Container, error) {
	cfg := &ContainerConfig{}
	if len(row.Config) > 0 {
		if err := json.Unmarshal(row.Config, cfg); err != nil {
			return nil, fmt.Errorf("container %s: parse stored config: %w", shortID(row.ID), err)
		}
	}
	return &Container{Container: row, Config: cfg}, nil
}

// isActive reports whether a status means a monitor should be alive.
func isActive(s state.Status) bool {
	return s == state.StatusRunning || s == state.StatusPaused || s == state.StatusStopping || s == state.StatusInitialized
}

// reconcile makes c's state true, in the DB too, when its monitor has died.
// The exit file's result is recorded when the monitor wrote one, else
// unknownExitCode; what the run held is released and a --rm container
// removed, which it reports. A container whose exit still has a duty left
// to its monitor's cleanup command (--rm, a restart policy) is only shown
// exited, not recorded, so that the cleanup is not pre-empted.
func (r *Runtime) reconcile(ctx context.Context, c *Container) (removed bool) {
	if c.MonitorPID == 0 {
		return r.reconcileIntent(ctx, c)
	}
	if conmon.AliveFor(c.MonitorPID, c.ID) {
		if c.Status == state.StatusStopping {
			r.reviveInterruptedStop(ctx, c)
		}
		// The monitor outlives its container while it runs the cleanup
		// command; meanwhile the exit it wrote is the truth, as Wait and
		// an attached run already reported it. Only a container whose
		// process is gone can have one, so the common case (it runs)
		// costs a signal 0, not the storage lookup of the exit file.
		if c.PID > 0 && processGone(c.PID) {
			r.viewExit(c)
		}
		return false
	}
	hasExit := r.viewExit(c)
	if hasExit && (c.Config.AutoRemove || restarts(c.Config.RestartPolicy)) {
		return false
	}
	l, ok, err := r.tryLockContainer(c.ID)
	if err != nil || !ok {
		// Its holder (the cleanup, a stop, an rm) is recording the exit
		// right now.
		if !hasExit {
			c.Status, c.ExitCode = state.StatusExited, unknownExitCode
		}
		return false
	}
	defer l.Release()
	fresh, err := r.get(ctx, c.ID)
	if err != nil {
		return errors.Is(err, errdefs.ErrNotFound)
	}
	*c = *fresh
	if !isActive(c.Status) || conmon.AliveFor(c.MonitorPID, c.ID) {
		return false
	}
	logrus.Debugf("container %s: monitor %d is gone, reconciling", shortID(c.ID), c.MonitorPID)
	gone, err := r.finishLocked(ctx, c, true)
	if err != nil {
		logrus.Warnf("container %s: reconcile: %v", shortID(c.ID), err)
		c.Status = state.StatusExited
	}
	return gone
}

// reconcileIntent is reconcile for a row whose start recorded only its
// intent (see recordStartIntent). While the start holds the lock the row
// is shown as recorded; once nobody does, the start's pod died and
// adoptLocked settles the row from the monitor.
func (r *Runtime) reconcileIntent(ctx context.Context, c *Container) (removed bool) {
	l, ok, err := r.tryLockContainer(c.ID)
	if err != nil || !ok {
		return false
	}
	defer l.Release()
	fresh, err := r.get(ctx, c.ID)
	if err != nil {
		return errors.Is(err, errdefs.ErrNotFound)
	}
	*c = *fresh
	if !isActive(c.Status) || c.MonitorPID != 0 {
		return false
	}
	gone, err := r.adoptLocked(ctx, c, true)
	if err != nil {
		logrus.Warnf("container %s: reconcile: %v", shortID(c.ID), err)
	}
	return gone
}

// processGone reports whether no process has pid (a zombie, not yet
// reaped by the monitor, still counts as there).
func processGone(pid int) bool {
	return errors.Is(unix.Kill(pid, 0), unix.ESRCH)
}

// restarts reports whether a restart policy ever restarts.
func restarts(p RestartPolicy) bool { return p.Name != "" && p.Name != "no" }

// reviveInterruptedStop turns a "stopping" container that still runs, and
// whose lock nobody holds, back to running: the stop that set it was
// interrupted (pod killed while waiting for the exit).
func (r *Runtime) reviveInterruptedStop(ctx context.Context, c *Container) {
	l, ok, err := r.tryLockContainer(c.ID)
	if err != nil || !ok {
		return
	}
	defer l.Release()
	fresh, err := r.get(ctx, c.ID)
	if err != nil || fresh.Status != state.StatusStopping || !conmon.Alive(fresh.MonitorPID) || r.viewExit(fresh) {
		return
	}
	fresh.Status = state.StatusRunning
	if err := r.db.Update(ctx, fresh.Container); err != nil {
		logrus.Debugf("container %s: %v", shortID(c.ID), err)
		return
	}
	*c = *fresh
}

// viewExit shows in c (without writing it) the result the exit file
// records, and reports whether there was one.
func (r *Runtime) viewExit(c *Container) bool {
	path, err := r.exitFile(c.ID)
	if err != nil {
		return false
	}
	ex, err := conmon.ReadExit(path)
	if err != nil {
		return false
	}
	c.Status = state.StatusExited
	c.ExitCode, c.OOMKilled, c.FinishedAt = ex.Code, ex.OOMKilled, ex.FinishedAt
	c.PID = 0
	return true
}

// Per-container paths. The userdata directory (storage's, in the graph
// root) holds the bundle, the log and the /etc files; the run directory
// (in the run root) holds what lives only while the container runs.
func (r *Runtime) userdataDir(id string) (string, error) {
	st, err := r.storage()
	if err != nil {
		return "", err
	}
	return st.ContainerDirectory(id)
}

func (r *Runtime) exitFile(id string) (string, error) {
	st, err := r.storage()
	if err != nil {
		return "", err
	}
	d, err := st.ContainerRunDirectory(id)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "exit"), nil
}
