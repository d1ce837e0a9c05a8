package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/state"
)

// recordStartIntent records, before the monitor runs the runtime, that c
// is being started: active (running, or initialized for pod init) with no
// monitor PID yet. A pod killed from here on leaves a row the next command
// settles from the monitor (see adoptLocked): running if it lives, exited
// if it died. Without the intent that pod would leave a live container
// recorded as created or exited. On failure the undo of the start records
// c as it was (undoInit). The caller holds c's lock.
func (r *Runtime) recordStartIntent(ctx context.Context, c *Container, start bool) error {
	c.Status = state.StatusInitialized
	if start {
		c.Status = state.StatusRunning
		c.StartedAt = time.Now()
	}
	c.PID, c.MonitorPID = 0, 0
	if err := r.db.Update(ctx, c.Container); err != nil {
		return err
	}
	crashPoint(faultStartRecorded)
	return nil
}

// adoptLocked settles a row whose start recorded its intent only (active,
// no monitor PID): the pod that started it died before recording the
// monitor. A monitor of c that lives is the truth (the container runs, or
// the monitor is about to report that it could not start it): c gets its
// PIDs. Without one the run is over and is recorded as any dead monitor's
// is. The caller holds c's lock.
func (r *Runtime) adoptLocked(ctx context.Context, c *Container, mayRemove bool) (removed bool, err error) {
	if pid := conmon.Find(c.ID); pid > 0 {
		c.MonitorPID, c.PID = pid, r.recordedPID(c.ID)
		logrus.Debugf("container %s: adopting monitor %d (container PID %d) of an interrupted start", shortID(c.ID), pid, c.PID)
		return false, r.db.Update(ctx, c.Container)
	}
	logrus.Debugf("container %s: its start was interrupted before the monitor ran", shortID(c.ID))
	return r.finishLocked(ctx, c, mayRemove)
}

// recordedPID is the container PID the runtime wrote to the pid file of
// c's current run, or 0.
func (r *Runtime) recordedPID(id string) int {
	st, err := r.storage()
	if err != nil {
		return 0
	}
	runDir, err := st.ContainerRunDirectory(id)
	if err != nil {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(runDir, "pidfile"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}
