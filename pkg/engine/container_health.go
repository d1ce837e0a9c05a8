package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
)

// Health statuses, as Docker names them.
const (
	HealthStarting  = "starting"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

// healthLogSize is how many results a container's health keeps (Docker
// keeps five).
const healthLogSize = 5

// healthOutputLimit bounds the output a result keeps, as Docker does.
const healthOutputLimit = 4096

// HealthResult is one run of a healthcheck (inspect's State.Health.Log).
type HealthResult struct {
	Start    time.Time `json:"Start"`
	End      time.Time `json:"End"`
	ExitCode int       `json:"ExitCode"`
	Output   string    `json:"Output"`
}

// HealthState is a container's health (inspect's State.Health).
type HealthState struct {
	Status        string         `json:"Status"`
	FailingStreak int            `json:"FailingStreak"`
	Log           []HealthResult `json:"Log"`
}

// ErrNoHealthcheck categorises healthcheck run on a container without one.
var ErrNoHealthcheck = errors.New("no healthcheck defined")

// HealthcheckRun runs c's healthcheck once, now, records the result and
// returns the resulting status. A failure counts towards the retries unless
// it happens during the start period before any success. When the status
// turns unhealthy, the --health-on-failure action is taken. The container's
// monitor runs this every interval; users may too.
func (r *Runtime) HealthcheckRun(ctx context.Context, idOrName string) (string, error) {
	c, err := r.Container(ctx, idOrName)
	if err != nil {
		return "", err
	}
	hc := c.Config.Healthcheck
	if hc == nil {
		return "", errdefs.WithCategory(fmt.Errorf("container %s has no defined healthcheck", c.Name), ErrNoHealthcheck)
	}
	if c.Status != state.StatusRunning || !isRunning(c) {
		return "", errdefs.Conflictf("container %s is not running", c.Name)
	}
	res := r.probe(ctx, c, hc)
	inStartPeriod := time.Since(c.StartedAt) < hc.StartPeriod
	var prev, status string
	err = r.db.UpdateHealth(ctx, c.ID, func(cur *state.Health) (*state.Health, error) {
		h := HealthState{Status: HealthStarting}
		if cur != nil {
			h.Status, h.FailingStreak = cur.Status, cur.FailingStreak
			if len(cur.Log) > 0 {
				if err := json.Unmarshal(cur.Log, &h.Log); err != nil {
					return nil, fmt.Errorf("decode health log of %s: %w", shortID(c.ID), err)
				}
			}
		}
		prev = h.Status
		h.Log = append(h.Log, res)
		if len(h.Log) > healthLogSize {
			h.Log = h.Log[len(h.Log)-healthLogSize:]
		}
		switch {
		case res.ExitCode == 0:
			h.Status, h.FailingStreak = HealthHealthy, 0
		case inStartPeriod && h.Status == HealthStarting:
			// Not counted: the container is still starting.
		default:
			h.FailingStreak++
			if h.FailingStreak >= hc.Retries {
				h.Status = HealthUnhealthy
			}
		}
		status = h.Status
		log, err := json.Marshal(h.Log)
		if err != nil {
			return nil, err
		}
		return &state.Health{ContainerID: c.ID, Status: h.Status, FailingStreak: h.FailingStreak, Log: log}, nil
	})
	if err != nil {
		return "", err
	}
	r.containerEvent(ctx, c.Container, "health_status", "health_status", status)
	if status == HealthHealthy && prev != HealthHealthy && c.Config.SdNotifyMode == "healthy" {
		r.notifyHealthy(c)
	}
	if status == HealthUnhealthy && prev != HealthUnhealthy {
		r.healthFailed(ctx, c, hc.OnFailure)
	}
	return status, nil
}

// healthFailed takes the --health-on-failure action.
func (r *Runtime) healthFailed(ctx context.Context, c *Container, action string) {
	var err error
	switch action {
	case "kill":
		err = r.Kill(ctx, c.ID, "SIGKILL")
	case "stop":
		err = r.Stop(ctx, c.ID, nil)
	case "restart":
		err = r.Restart(ctx, c.ID, nil)
	default:
		return
	}
	if err != nil {
		logrus.Warnf("health-on-failure %s of %s: %v", action, c.Name, err)
	}
}

// probe runs the healthcheck's command in c as an exec session (output
// kept, up to healthOutputLimit) and kills it after the timeout.
func (r *Runtime) probe(ctx context.Context, c *Container, hc *HealthConfig) HealthResult {
	res := HealthResult{Start: time.Now()}
	defer func() { res.End = time.Now() }()
	out := &limitedBuffer{limit: healthOutputLimit}
	started, conn, sess, err := r.startExec(ctx, c, ExecOptions{Cmd: hc.Argv()}, nil)
	if err != nil {
		res.ExitCode, res.Output = execFailureCode(err), err.Error()
		res.End = time.Now()
		return res
	}
	defer r.removeExecSession(context.WithoutCancel(ctx), c.ID, sess.id)
	defer conn.Close()
	tctx, cancel := context.WithTimeout(ctx, hc.Timeout)
	defer cancel()
	code, ok, err := stream(tctx, conn, false, false, AttachOptions{Stdout: out, Stderr: out})
	switch {
	case err != nil && tctx.Err() != nil:
		unix.Kill(started.PID, unix.SIGKILL)
		res.ExitCode = -1
		res.Output = fmt.Sprintf("Health check exceeded timeout (%s)", hc.Timeout)
		res.End = time.Now()
		return res
	case err != nil:
		res.ExitCode, res.Output = 125, err.Error()
		res.End = time.Now()
		return res
	case !ok:
		if code, err = waitExit(ctx, sess.exitFile, started.MonitorPID); err != nil {
			code = 125
		}
	}
	res.ExitCode, res.Output = code, out.String()
	res.End = time.Now()
	return res
}

// execFailureCode is the exit code a shell would report for an exec that
// could not start.
func execFailureCode(err error) int {
	switch {
	case errors.Is(err, ErrCommandNotFound):
		return 127
	case errors.Is(err, ErrCommandCannotRun):
		return 126
	}
	return 125
}

// Health returns c's health: nil when it has no healthcheck; "starting"
// until the first result of the current run.
func (r *Runtime) Health(ctx context.Context, c *Container) (*HealthState, error) {
	if c.Config.Healthcheck == nil {
		return nil, nil
	}
	h := &HealthState{Status: HealthStarting, Log: []HealthResult{}}
	row, ok, err := r.db.GetHealth(ctx, c.ID)
	if err != nil || !ok {
		return h, err
	}
	h.Status, h.FailingStreak = row.Status, row.FailingStreak
	if len(row.Log) > 0 {
		if err := json.Unmarshal(row.Log, &h.Log); err != nil {
			return nil, fmt.Errorf("decode health log of %s: %w", shortID(c.ID), err)
		}
	}
	return h, nil
}

// resetHealth starts a run of a container with a healthcheck from
// "starting", with no failures and no results, as Docker does.
func (r *Runtime) resetHealth(ctx context.Context, c *Container) {
	if c.Config.Healthcheck == nil {
		return
	}
	err := r.db.UpdateHealth(ctx, c.ID, func(*state.Health) (*state.Health, error) {
		return &state.Health{ContainerID: c.ID, Status: HealthStarting, Log: []byte("[]")}, nil
	})
	if err != nil {
		logrus.Warnf("reset health of %s: %v", shortID(c.ID), err)
	}
}

// limitedBuffer keeps the first limit bytes written to it and discards the
// rest, without failing the writer.
type limitedBuffer struct {
	limit int
	b     []byte
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.limit - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }

// fillHealth sets the health of the running containers with a healthcheck
// (one small query each).
func (r *Runtime) fillHealth(ctx context.Context, list []*ListedContainer) {
	for _, lc := range list {
		if lc.Config.Healthcheck == nil || lc.Status != state.StatusRunning {
			continue
		}
		if h, err := r.Health(ctx, lc.Container); err == nil && h != nil {
			lc.Health = h.Status
		}
	}
}
