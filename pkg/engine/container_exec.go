package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/oci"
	"github.com/pod-engine/pod/pkg/spec"
	"github.com/pod-engine/pod/pkg/specgen"
	"github.com/pod-engine/pod/pkg/state"
)

// ExecOptions describe a process to run in a running container.
type ExecOptions struct {
	Cmd        []string
	Env        []string // -e: KEY=VALUE, or KEY to pass pod's own
	EnvFiles   []string
	User       string // "" = the container's
	WorkingDir string // "" = the container's
	Privileged bool
	Tty        bool
	// Interactive keeps the process's stdin open; Attach.Stdin feeds it.
	Interactive bool
	// Detach starts the process and returns at once; its output is
	// discarded (as podman's exec -d does).
	Detach bool
	// Attach are the client's streams (not with Detach).
	Attach AttachOptions
	// PassFiles are descriptors of the caller's the process receives at 3
	// and up (--preserve-fds).
	PassFiles []*os.File
}

// ExecConfig is what an exec session was asked to run, stored as JSON in
// the session's row. Field names are part of the DB format.
type ExecConfig struct {
	Cmd         []string `json:"cmd"`
	User        string   `json:"user,omitempty"`
	WorkingDir  string   `json:"workingDir,omitempty"`
	Tty         bool     `json:"tty,omitempty"`
	Interactive bool     `json:"interactive,omitempty"`
	Privileged  bool     `json:"privileged,omitempty"`
	Detach      bool     `json:"detach,omitempty"`
}

// errExecNotRunning is podman's wording for exec into a container whose
// process does not run.
func errExecNotRunning(name string, status state.Status) error {
	return errdefs.Conflictf("can only create exec sessions on running containers: container state improper (%s is %s)", name, status)
}

// Exec runs a process in a running container through the OCI runtime's
// exec, under its own pod-conmon (which holds its stdio and terminal, as for
// the container). Attached, it streams until the process exits and returns
// its exit code; a command that cannot be run fails with ErrCommandNotFound
// or ErrCommandCannotRun. With Detach it returns once the process runs.
// The session is recorded in the state DB while it lives (see ExecIDs).
func (r *Runtime) Exec(ctx context.Context, idOrName string, opts ExecOptions) (sessionID string, code int, err error) {
	if len(opts.Cmd) == 0 {
		return "", 0, invalidf("exec: no command given")
	}
	if _, err := conmon.ParseDetachKeys(opts.Attach.DetachKeys); err != nil {
		return "", 0, errdefs.InvalidArgument(err)
	}
	// As create does (and Docker): a later --env-file wins over an earlier
	// one, and -e over them all.
	var settings []string
	for _, f := range opts.EnvFiles {
		lines, err := specgen.ReadEnvFile(f)
		if err != nil {
			return "", 0, err
		}
		settings = append(settings, lines...)
	}
	env := specgen.MergeEnv(nil, append(settings, opts.Env...))

	c, err := r.get(ctx, idOrName)
	if err != nil {
		return "", 0, err
	}
	started, conn, sess, err := r.startExec(ctx, c, opts, env)
	if err != nil {
		return "", 0, err
	}
	r.containerEvent(ctx, c.Container, "exec", "execID", sess.id)
	if opts.Detach {
		return sess.id, 0, nil
	}
	defer conn.Close()
	code, ok, err := stream(ctx, conn, opts.Interactive, opts.Tty, opts.Attach)
	if errors.Is(err, ErrDetached) {
		return sess.id, 0, err
	}
	if err == nil && !ok {
		code, err = waitExit(ctx, sess.exitFile, started.MonitorPID)
	}
	// Removing the session here means inspect no longer lists it once pod
	// exec returns; having done it, pod tells the monitor, which then
	// skips its exit command (conmon.Config.ClientCleans).
	if rmErr := r.removeExecSession(context.WithoutCancel(ctx), c.ID, sess.id); rmErr != nil {
		logrus.Debugf("remove exec session %s: %v", shortID(sess.id), rmErr)
	} else if ok {
		conn.Done()
	}
	return sess.id, code, err
}

// execSession is where a session's files are.
type execSession struct {
	id, dir, exitFile string
}

// startExec records the session and starts its monitor, which runs the
// runtime's exec. The container's lock is held meanwhile, so a stop or rm
// waits until the process runs (and then ends it with the container).
func (r *Runtime) startExec(ctx context.Context, c *Container, opts ExecOptions, env []string) (started *conmon.Started, conn *conmon.Conn, sess *execSession, err error) {
	l, err := r.lockContainer(ctx, c.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	defer l.Release()
	if c, err = r.syncLocked(ctx, c.ID); err != nil {
		return nil, nil, nil, err
	}
	if c.Status != state.StatusRunning || !conmon.Alive(c.MonitorPID) {
		return nil, nil, nil, errExecNotRunning(c.Name, c.Status)
	}
	rt, err := r.ociFor(c)
	if err != nil {
		return nil, nil, nil, err
	}
	monitor, err := r.monitorBinary()
	if err != nil {
		return nil, nil, nil, err
	}
	userdata, err := r.userdataDir(c.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	s, err := spec.ReadBundle(userdata)
	if err != nil {
		return nil, nil, nil, err
	}
	eo := spec.ExecOptions{Args: opts.Cmd, Env: env, Cwd: opts.WorkingDir, Terminal: opts.Tty, Privileged: opts.Privileged}
	if opts.User != "" {
		root := s.Root.Path
		if c.Config.KeepID != nil {
			// Names as the container sees them: keep-id's user is in the
			// /etc/passwd bound over the image's.
			root = fmt.Sprintf("/proc/%d/root", c.PID)
		}
		u, err := spec.ResolveUser(root, opts.User)
		if err != nil {
			return nil, nil, nil, err
		}
		eo.User = &u
	}
	proc, err := spec.ExecProcess(s, eo)
	if err != nil {
		return nil, nil, nil, invalidf("exec: %v", err)
	}
	if r.Rootless() {
		spec.ClampRlimits(proc)
	}
	// The terminal is created with the client's size, so that even the
	// process's first look at it is right.
	var size *TermSize
	if opts.Tty && opts.Attach.Resize != nil {
		select {
		case sz := <-opts.Attach.Resize:
			if sz.Rows > 0 && sz.Cols > 0 {
				size = &sz
				proc.ConsoleSize = &specs.Box{Height: uint(sz.Rows), Width: uint(sz.Cols)}
			}
		default:
		}
	}

	sess = &execSession{id: state.NewID()}
	if sess.dir, err = r.execDir(c.ID, sess.id); err != nil {
		return nil, nil, nil, err
	}
	sess.exitFile = filepath.Join(sess.dir, "exit")
	cfgJSON, err := json.Marshal(ExecConfig{Cmd: opts.Cmd, User: opts.User, WorkingDir: opts.WorkingDir,
		Tty: opts.Tty, Interactive: opts.Interactive, Privileged: opts.Privileged, Detach: opts.Detach})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := os.MkdirAll(sess.dir, 0o700); err != nil {
		return nil, nil, nil, fmt.Errorf("create exec session directory: %w", err)
	}
	if err := r.db.AddExec(ctx, &state.ExecSession{ID: sess.id, ContainerID: c.ID, Config: cfgJSON, CreatedAt: time.Now()}); err != nil {
		os.RemoveAll(sess.dir)
		return nil, nil, nil, err
	}
	sid := sess.id // the results are cleared on failure
	defer func() {
		if err != nil {
			if conn != nil {
				conn.Close()
			}
			r.removeExecSession(context.WithoutCancel(ctx), c.ID, sid)
		}
	}()
	procJSON, err := json.Marshal(proc)
	if err != nil {
		return nil, nil, nil, err
	}
	procFile := filepath.Join(sess.dir, "process.json")
	if err := os.WriteFile(procFile, procJSON, 0o600); err != nil {
		return nil, nil, nil, fmt.Errorf("write exec process: %w", err)
	}
	var console string
	if opts.Tty {
		if console, err = r.consoleSocket(sess.id); err != nil {
			return nil, nil, nil, err
		}
	}
	exitCmd, err := r.exitCommand(c.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	// The container's cleanup command with the exec-cleanup verb instead.
	exitCmd = append(exitCmd[:len(exitCmd)-2], "exec-cleanup", c.ID, sess.id)
	pidFile := filepath.Join(sess.dir, "pidfile")
	cfg := conmon.Config{
		ID:            sess.id,
		RuntimeArgv:   oci.WithPreserveFDs(rt.ExecArgs(c.ID, procFile, pidFile, console), len(opts.PassFiles)),
		PassFiles:     opts.PassFiles,
		PidFile:       pidFile,
		LogDriver:     conmon.LogDriverNone,
		ExitFile:      sess.exitFile,
		Stdin:         opts.Interactive && !opts.Detach,
		StdinOnce:     true,
		ExitCommand:   exitCmd,
		Terminal:      opts.Tty,
		ConsoleSocket: console,
	}
	r.execScope(ctx, c, sess.id)
	if opts.Detach {
		started, err = conmon.Start(ctx, monitor, cfg)
	} else {
		cfg.AttachSocket = filepath.Join(sess.dir, "attach")
		cfg.ClientCleans = true
		started, conn, err = conmon.StartAttached(ctx, monitor, cfg)
	}
	if err != nil {
		var ce *conmon.CreateError
		if errors.As(err, &ce) {
			return nil, nil, nil, execError(rt.Name(), ce)
		}
		return nil, nil, nil, err
	}
	if size != nil && conn != nil {
		conn.Resize(size.Rows, size.Cols)
	}
	if err := r.db.SetExecRunning(ctx, sess.id, started.PID, started.MonitorPID); err != nil {
		logrus.Warnf("record exec session %s: %v", shortID(sess.id), err)
	}
	return started, conn, sess, nil
}

// execError words a failed runtime exec as createError does a failed
// create (exit codes 127 and 126 at the CLI).
func execError(runtime string, ce *conmon.CreateError) error {
	err := createError(runtime, ce)
	if errdefs.IsCommandNotFound(err) || errdefs.IsCannotInvoke(err) {
		return err
	}
	return fmt.Errorf("exec: %w", err)
}

// execDir is where an exec session's files live: beside the container's
// exit file, under the run root.
func (r *Runtime) execDir(ctrID, sessionID string) (string, error) {
	exit, err := r.exitFile(ctrID)
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(exit), "exec", sessionID), nil
}

// ExecCleanup forgets an exec session whose process ended: its row and
// files. It is what the session's monitor runs at the end; repeating it is
// harmless.
func (r *Runtime) ExecCleanup(ctx context.Context, ctrID, sessionID string) error {
	return r.removeExecSession(ctx, ctrID, sessionID)
}

func (r *Runtime) removeExecSession(ctx context.Context, ctrID, sessionID string) error {
	if dir, err := r.execDir(ctrID, sessionID); err == nil {
		os.RemoveAll(dir)
	}
	return r.db.RemoveExec(ctx, sessionID)
}

// execStartLimit bounds how long starting an exec session can take.
const execStartLimit = 2 * time.Minute

// ExecIDs lists the exec sessions running in a container. Sessions whose
// monitor died without cleaning up are forgotten on the way.
func (r *Runtime) ExecIDs(ctx context.Context, c *Container) ([]string, error) {
	sessions, err := r.db.ExecSessions(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	ids := []string{}
	for _, s := range sessions {
		// A session still without a monitor after execStartLimit was
		// abandoned by a pod killed while starting it.
		dead := s.MonitorPID != 0 && !conmon.Alive(s.MonitorPID)
		if s.MonitorPID == 0 && time.Since(s.CreatedAt) > execStartLimit {
			dead = true
		}
		if dead {
			if err := r.removeExecSession(ctx, c.ID, s.ID); err != nil {
				logrus.Debugf("forget exec session %s: %v", shortID(s.ID), err)
			}
			continue
		}
		ids = append(ids, s.ID)
	}
	return ids, nil
}

// waitExit waits for an exit file, or for its monitor to die without one.
func waitExit(ctx context.Context, path string, monitorPID int) (int, error) {
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		ex, err := conmon.ReadExit(path)
		if err == nil {
			return ex.Code, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
		if !conmon.Alive(monitorPID) {
			if ex, err := conmon.ReadExit(path); err == nil {
				return ex.Code, nil
			}
			return unknownExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// inspectInteractive fills what inspect shows of exec sessions and
// healthchecks.
func (r *Runtime) inspectInteractive(ctx context.Context, c *Container, doc *ContainerInspect) {
	doc.ExecIDs = []string{}
	if isActive(c.Status) {
		if ids, err := r.ExecIDs(ctx, c); err == nil {
			doc.ExecIDs = ids
		} else {
			logrus.Debugf("exec sessions of %s: %v", shortID(c.ID), err)
		}
	}
	if hc := c.Config.Healthcheck; hc != nil {
		doc.Config.Healthcheck = &InspectHealthcheck{Test: hc.Test, Interval: hc.Interval, Timeout: hc.Timeout,
			StartPeriod: hc.StartPeriod, Retries: hc.Retries}
		doc.Config.HealthcheckOnFailureAction = hc.OnFailure
		if doc.Config.HealthcheckOnFailureAction == "" {
			doc.Config.HealthcheckOnFailureAction = "none"
		}
		h, err := r.Health(ctx, c)
		if err != nil {
			logrus.Debugf("health of %s: %v", shortID(c.ID), err)
		}
		doc.State.Health, doc.State.Healthcheck = h, h
	}
}

// InspectHealthcheck is Config.Healthcheck, durations in nanoseconds as
// Docker shows them.
type InspectHealthcheck struct {
	Test        []string      `json:"Test"`
	Interval    time.Duration `json:"Interval"`
	Timeout     time.Duration `json:"Timeout"`
	StartPeriod time.Duration `json:"StartPeriod"`
	Retries     int           `json:"Retries"`
}
