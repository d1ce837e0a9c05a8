package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/moby/moby/api/types/common"
	"github.com/moby/moby/api/types/container"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/state"
)

// execInstance is an exec Docker's way: created, then started once, then
// inspected for its exit code.
type execInstance struct {
	id          string
	containerID string
	req         container.ExecCreateRequest
	started     bool
	running     bool
	exitCode    *int
	ended       time.Time
}

// execKeep is how long a finished exec stays inspectable.
const execKeep = 10 * time.Minute

func (s *Server) execCreate(w http.ResponseWriter, req *http.Request) {
	var er container.ExecCreateRequest
	if err := decodeJSON(req, &er, false); err != nil {
		writeError(w, err)
		return
	}
	if len(er.Cmd) == 0 {
		writeError(w, errdefs.InvalidArgumentf("exec: no command given"))
		return
	}
	c, err := s.rt.Container(req.Context(), req.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	if c.Status != state.StatusRunning {
		writeError(w, errdefs.Conflictf("container %s is not running", c.ID))
		return
	}
	ex := &execInstance{id: state.NewID(), containerID: c.ID, req: er}
	s.execMu.Lock()
	now := time.Now()
	for id, old := range s.execs {
		if !old.ended.IsZero() && now.Sub(old.ended) > execKeep {
			delete(s.execs, id)
		}
	}
	s.execs[ex.id] = ex
	s.execMu.Unlock()
	writeJSON(w, http.StatusCreated, common.IDResponse{ID: ex.id})
}

func (s *Server) execGet(id string) (*execInstance, error) {
	s.execMu.Lock()
	defer s.execMu.Unlock()
	ex := s.execs[id]
	if ex == nil {
		return nil, errdefs.NotFoundf("no such exec instance: %s", id)
	}
	return ex, nil
}

func (s *Server) execInspect(w http.ResponseWriter, req *http.Request) {
	ex, err := s.execGet(req.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	s.execMu.Lock()
	defer s.execMu.Unlock()
	out := container.ExecInspectResponse{
		ID: ex.id, Running: ex.running, ExitCode: ex.exitCode,
		OpenStdin: ex.req.AttachStdin, OpenStdout: ex.req.AttachStdout, OpenStderr: ex.req.AttachStderr,
		ContainerID: ex.containerID, CanRemove: !ex.running && ex.started,
		ProcessConfig: &container.ExecProcessConfig{
			Tty: ex.req.Tty, Entrypoint: ex.req.Cmd[0], Arguments: ex.req.Cmd[1:], User: ex.req.User,
		},
	}
	if out.ProcessConfig.Arguments == nil {
		out.ProcessConfig.Arguments = []string{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) execStart(w http.ResponseWriter, req *http.Request) {
	var sr container.ExecStartRequest
	if err := decodeJSON(req, &sr, true); err != nil {
		writeError(w, err)
		return
	}
	ex, err := s.execGet(req.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	s.execMu.Lock()
	if ex.started {
		s.execMu.Unlock()
		writeError(w, errdefs.Conflictf("exec %s has already been started", ex.id))
		return
	}
	ex.started, ex.running = true, true
	s.execMu.Unlock()
	o := engine.ExecOptions{
		Cmd: ex.req.Cmd, Env: withValues(ex.req.Env), User: ex.req.User, WorkingDir: ex.req.WorkingDir,
		Privileged: ex.req.Privileged, Tty: ex.req.Tty, Interactive: ex.req.AttachStdin, Detach: sr.Detach,
	}
	finish := func(code int, err error) {
		s.execMu.Lock()
		defer s.execMu.Unlock()
		ex.running, ex.ended = false, time.Now()
		if err == nil {
			ex.exitCode = &code
		} else if !errors.Is(err, context.Canceled) {
			c := 126
			if errdefs.IsCommandNotFound(err) {
				c = 127
			}
			ex.exitCode = &c
		}
	}
	if sr.Detach {
		_, code, err := s.rt.Exec(req.Context(), ex.containerID, o)
		if err != nil {
			finish(0, err)
			writeError(w, err)
			return
		}
		// Detached, the exit is not waited for here: it stays unknown.
		s.execMu.Lock()
		ex.running = false
		_ = code
		s.execMu.Unlock()
		w.WriteHeader(http.StatusOK)
		return
	}
	st, err := s.hijack(w, req, ex.req.Tty)
	if err != nil {
		finish(0, err)
		return
	}
	defer st.Close()
	sctx, cancel := context.WithCancel(context.WithoutCancel(req.Context()))
	defer cancel()
	st.hangup = cancel
	stdin := s.clientInput(st, ex.req.AttachStdin)
	stdout, stderr := st.outputs(ex.req.Tty)
	if !ex.req.AttachStdout {
		stdout = io.Discard
	}
	if !ex.req.AttachStderr {
		stderr = io.Discard
	}
	sizes := newSizeQueue()
	if sr.ConsoleSize != nil {
		sizes.put(engine.TermSize{Rows: uint16(sr.ConsoleSize[0]), Cols: uint16(sr.ConsoleSize[1])})
	}
	s.sessions.add(ex.id, sizes)
	defer s.sessions.remove(ex.id, sizes)
	o.Attach = engine.AttachOptions{Stdin: stdin, Stdout: stdout, Stderr: stderr, Resize: sizes.ch}
	if ex.req.Tty {
		o.Attach.DetachKeys = ex.req.DetachKeys
	}
	_, code, err := s.rt.Exec(sctx, ex.containerID, o)
	finish(code, err)
	if err != nil && !errors.Is(err, context.Canceled) {
		st.writeStreamError(ex.req.Tty, err)
	}
	st.closeWrite()
}

func (s *Server) execResize(w http.ResponseWriter, req *http.Request) {
	s.resize(w, req, func(id string) (string, error) {
		ex, err := s.execGet(id)
		if err != nil {
			return "", err
		}
		return ex.id, nil
	})
}

// withValues gives each KEY without a value an empty one: the service's
// own environment is not the client's.
func withValues(env []string) []string {
	out := make([]string, len(env))
	for i, e := range env {
		out[i] = e
		if !containsByte(e, '=') {
			out[i] = e + "="
		}
	}
	return out
}

func containsByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}
