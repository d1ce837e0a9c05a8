package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/docker/go-units"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	podnet "github.com/pod-engine/pod/pkg/network"
	"github.com/pod-engine/pod/pkg/state"
)

func (s *Server) containerList(w http.ResponseWriter, req *http.Request) {
	fs, err := filterArgs(req)
	if err != nil {
		writeError(w, err)
		return
	}
	o := engine.ListOptions{All: boolValue(req, "all"), Size: boolValue(req, "size")}
	if o.Last, err = intValue(req, "limit", 0); err != nil {
		writeError(w, err)
		return
	}
	if len(fs) > 0 {
		if o.Filter, err = engine.ParseContainerFilter(fs, time.Now()); err != nil {
			writeError(w, err)
			return
		}
	}
	list, err := s.rt.ListContainers(req.Context(), o)
	if err != nil {
		writeError(w, err)
		return
	}
	now := time.Now()
	out := make([]container.Summary, 0, len(list))
	for _, c := range list {
		out = append(out, summary(c, now))
	}
	writeJSON(w, http.StatusOK, out)
}

// summary is one element of /containers/json.
func summary(c *engine.ListedContainer, now time.Time) container.Summary {
	sm := container.Summary{
		ID:         c.ID,
		Names:      []string{"/" + c.Name},
		Image:      c.ImageName,
		ImageID:    "sha256:" + c.ImageID,
		Command:    c.Command,
		Created:    c.CreatedAt.Unix(),
		Labels:     c.Labels,
		State:      dockerState(c.Status),
		Status:     statusLine(c.Container.Container, now),
		SizeRw:     c.SizeRw,
		SizeRootFs: c.SizeRootFs,
		Ports:      []container.PortSummary{},
		Mounts:     []container.MountPoint{},
	}
	if sm.Labels == nil {
		sm.Labels = map[string]string{}
	}
	if c.Health != "" {
		sm.Status += " (" + c.Health + ")"
	}
	sm.HostConfig.NetworkMode = "bridge"
	if c.Config != nil && c.Config.NetworkMode != "" {
		sm.HostConfig.NetworkMode = c.Config.NetworkMode
	}
	for _, p := range c.Ports {
		for i := uint16(0); i < max(p.Range, 1); i++ {
			ps := container.PortSummary{PrivatePort: p.ContainerPort + i, PublicPort: p.HostPort + i, Type: p.Protocol}
			ip := p.HostIP
			if ip == "" {
				ip = "0.0.0.0"
			}
			ps.IP, _ = netip.ParseAddr(ip)
			sm.Ports = append(sm.Ports, ps)
		}
	}
	if c.Config != nil {
		for _, m := range c.Config.Mounts {
			sm.Mounts = append(sm.Mounts, container.MountPoint{Destination: m.Destination, Source: m.Source, RW: !mountReadOnly(m.Options)})
		}
	}
	return sm
}

func mountReadOnly(opts []string) bool {
	for _, o := range opts {
		if o == "ro" {
			return true
		}
	}
	return false
}

// dockerState names pod's states as Docker's API does.
func dockerState(st state.Status) container.ContainerState {
	switch st {
	case state.StatusRunning, state.StatusStopping:
		return container.StateRunning
	case state.StatusPaused:
		return container.StatePaused
	case state.StatusExited:
		return container.StateExited
	case state.StatusRemoving:
		return container.StateRemoving
	}
	return container.StateCreated
}

// statusLine is the STATUS column Docker's ps prints.
func statusLine(c *state.Container, now time.Time) string {
	switch c.Status {
	case state.StatusRunning, state.StatusStopping:
		return "Up " + units.HumanDuration(now.Sub(c.StartedAt))
	case state.StatusPaused:
		return "Up " + units.HumanDuration(now.Sub(c.StartedAt)) + " (Paused)"
	case state.StatusExited:
		return fmt.Sprintf("Exited (%d) %s ago", c.ExitCode, units.HumanDuration(now.Sub(c.FinishedAt)))
	case state.StatusRemoving:
		return "Removal In Progress"
	}
	return "Created"
}

func (s *Server) containerInspect(w http.ResponseWriter, req *http.Request) {
	ci, err := s.rt.InspectContainer(req.Context(), req.PathValue("id"), boolValue(req, "size"))
	if err != nil {
		writeError(w, err)
		return
	}
	// The engine's inspect view has Docker's field names; moby's type is
	// what the client decodes, so it is what is sent.
	var out container.InspectResponse
	if err := convert(ci, &out); err != nil {
		writeError(w, err)
		return
	}
	out.Name = "/" + strings.TrimPrefix(out.Name, "/")
	if out.State != nil {
		out.State.Status = dockerState(state.Status(ci.State.Status))
	}
	if out.Image != "" && !strings.HasPrefix(out.Image, "sha256:") {
		out.Image = "sha256:" + out.Image
	}
	if out.NetworkSettings == nil {
		out.NetworkSettings = &container.NetworkSettings{}
	}
	if out.NetworkSettings.Networks == nil {
		// A container that does not run has no addresses, but Docker's
		// clients (compose) still read which networks it is on.
		out.NetworkSettings.Networks = map[string]*network.EndpointSettings{}
		if c, err := s.rt.Container(req.Context(), ci.ID); err == nil {
			for _, a := range c.Config.Networks {
				out.NetworkSettings.Networks[a.Network] = &network.EndpointSettings{
					NetworkID: podnet.ID(a.Network), Aliases: append([]string{}, a.Aliases...),
				}
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// convert moves a view with Docker's field names into moby's type through
// JSON; fields whose shape differs are left for the caller to set.
func convert(from, to any) error {
	data, err := json.Marshal(from)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(to); err != nil {
		// A field of another shape: decode what fits, field by field.
		var fields map[string]json.RawMessage
		if jerr := json.Unmarshal(data, &fields); jerr != nil {
			return err
		}
		for k, v := range fields {
			one, _ := json.Marshal(map[string]json.RawMessage{k: v})
			_ = json.Unmarshal(one, to)
		}
	}
	return nil
}

func (s *Server) containerStart(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	ctx := req.Context()
	c, err := s.rt.Container(ctx, id)
	if err != nil {
		writeError(w, err)
		return
	}
	if c.Status == state.StatusRunning || c.Status == state.StatusPaused {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if p := s.takePending(c.ID); p != nil {
		if err := s.startAttached(ctx, c, p); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err := s.rt.Start(ctx, c.ID, engine.StartOptions{}); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// stopTimeout reads `t` (seconds), or Docker's newer `timeout`.
func stopTimeout(req *http.Request) (*int, error) {
	t, err := optIntValue(req, "t")
	if err != nil || t != nil {
		return t, err
	}
	return optIntValue(req, "timeout")
}

func (s *Server) containerStop(w http.ResponseWriter, req *http.Request) {
	t, err := stopTimeout(req)
	if err != nil {
		writeError(w, err)
		return
	}
	ctx := req.Context()
	c, err := s.rt.Container(ctx, req.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	if c.Status != state.StatusRunning && c.Status != state.StatusPaused && c.Status != state.StatusStopping {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if err := s.rt.Stop(ctx, c.ID, t); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) containerRestart(w http.ResponseWriter, req *http.Request) {
	t, err := stopTimeout(req)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.rt.Restart(req.Context(), req.PathValue("id"), t); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) containerKill(w http.ResponseWriter, req *http.Request) {
	sig := req.URL.Query().Get("signal")
	if sig == "" {
		sig = "SIGKILL"
	}
	ctx := req.Context()
	c, err := s.rt.Container(ctx, req.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	if c.Status != state.StatusRunning && c.Status != state.StatusPaused && c.Status != state.StatusStopping {
		writeError(w, errdefs.Conflictf("container %s is not running", c.Name))
		return
	}
	if err := s.rt.Kill(ctx, c.ID, sig); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) containerPause(w http.ResponseWriter, req *http.Request) {
	s.simple(w, req, s.rt.Pause)
}

func (s *Server) containerUnpause(w http.ResponseWriter, req *http.Request) {
	s.simple(w, req, s.rt.Unpause)
}

// simple answers 204 after fn(ctx, id).
func (s *Server) simple(w http.ResponseWriter, req *http.Request, fn func(context.Context, string) error) {
	if err := fn(req.Context(), req.PathValue("id")); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) containerRename(w http.ResponseWriter, req *http.Request) {
	name := req.URL.Query().Get("name")
	if name == "" {
		writeError(w, errdefs.InvalidArgumentf("rename: a new name is required"))
		return
	}
	if err := s.rt.RenameContainer(req.Context(), req.PathValue("id"), strings.TrimPrefix(name, "/")); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) containerDelete(w http.ResponseWriter, req *http.Request) {
	if boolValue(req, "link") {
		writeError(w, errdefs.NotImplementedf("links are not supported"))
		return
	}
	o := engine.RemoveOptions{Force: boolValue(req, "force"), Volumes: boolValue(req, "v")}
	if o.Force {
		// Docker kills a running container it is forced to remove: no
		// grace period.
		zero := 0
		o.Timeout = &zero
	}
	err := s.rt.Remove(req.Context(), req.PathValue("id"), o)
	if err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) containerTop(w http.ResponseWriter, req *http.Request) {
	var args []string
	if a := req.URL.Query().Get("ps_args"); a != "" {
		args = strings.Fields(a)
	}
	rows, err := s.rt.Top(req.Context(), req.PathValue("id"), args)
	if err != nil {
		writeError(w, err)
		return
	}
	out := container.TopResponse{Titles: []string{}, Processes: [][]string{}}
	if len(rows) > 0 {
		out.Titles, out.Processes = rows[0], rows[1:]
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) containerChanges(w http.ResponseWriter, req *http.Request) {
	chs, err := s.rt.Diff(req.Context(), req.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]container.FilesystemChange, 0, len(chs))
	for _, ch := range chs {
		k := container.ChangeModify
		switch ch.Kind {
		case "A":
			k = container.ChangeAdd
		case "D":
			k = container.ChangeDelete
		}
		out = append(out, container.FilesystemChange{Kind: k, Path: ch.Path})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) containerExport(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	if _, err := s.rt.Container(ctx, req.PathValue("id")); err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-tar")
	if err := s.rt.Export(ctx, req.PathValue("id"), w); err != nil {
		// Headers are out; the client sees a short archive.
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) containerPrune(w http.ResponseWriter, req *http.Request) {
	fs, err := filterArgs(req)
	if err != nil {
		writeError(w, err)
		return
	}
	var f *engine.PruneFilter
	if len(fs) > 0 {
		if f, err = engine.ParsePruneFilter(fs, time.Now()); err != nil {
			writeError(w, err)
			return
		}
	}
	reps, err := s.rt.PruneContainers(req.Context(), f)
	if err != nil {
		writeError(w, err)
		return
	}
	out := container.PruneReport{ContainersDeleted: []string{}}
	for _, r := range reps {
		if r.Err != nil {
			continue
		}
		out.ContainersDeleted = append(out.ContainersDeleted, r.ID)
		out.SpaceReclaimed += uint64(max(r.Size, 0))
	}
	writeJSON(w, http.StatusOK, out)
}

// containerWait waits for the condition Docker names: not-running (the
// default: now if it does not run), next-exit, removed. It watches the
// event log from before it looked, so an exit in between is not missed.
func (s *Server) containerWait(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	cond := container.WaitCondition(req.URL.Query().Get("condition"))
	switch cond {
	case "", container.WaitConditionNotRunning, container.WaitConditionNextExit, container.WaitConditionRemoved:
	default:
		writeError(w, errdefs.InvalidArgumentf("wait condition %q: use not-running, next-exit or removed", cond))
		return
	}
	since := time.Now().Add(-time.Millisecond)
	c, err := s.rt.Container(ctx, req.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	active := func(st state.Status) bool {
		return st == state.StatusRunning || st == state.StatusPaused || st == state.StatusStopping || st == state.StatusInitialized
	}
	// Docker sends the status line at once and the result when it comes,
	// so that a client that starts the container after asking is not held.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flush(w)
	reply := func(code int) {
		json.NewEncoder(w).Encode(container.WaitResponse{StatusCode: int64(code)})
	}
	if (cond == "" || cond == container.WaitConditionNotRunning) && !active(c.Status) {
		reply(c.ExitCode)
		return
	}
	code, err := s.waitEvent(ctx, c, since, cond == container.WaitConditionRemoved, active)
	if err != nil {
		json.NewEncoder(w).Encode(container.WaitResponse{StatusCode: -1, Error: &container.WaitExitError{Message: err.Error()}})
		return
	}
	reply(code)
}

// errStopWatch ends an event watch once the awaited event came.
var errStopWatch = errors.New("stop watching")

// waitEvent waits for c's next "died" event after since (with removed,
// its "remove" event) and returns the exit code. A second look at the
// container every second covers an exit whose event was not recorded (a
// monitor killed with its container).
func (s *Server) waitEvent(ctx context.Context, c *engine.Container, since time.Time, removed bool, active func(state.Status) bool) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	code, died := 0, false
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			cur, err := s.rt.Container(ctx, c.ID)
			switch {
			case errdefs.IsNotFound(err):
				cancel()
				return
			case err != nil:
				continue
			case !removed && !active(cur.Status) && cur.FinishedAt.After(since):
				cancel()
				return
			}
		}
	}()
	var lastCode int
	err := s.rt.Events(ctx, engine.EventsOptions{
		Since: since, Stream: true,
		Filters: []string{"type=container", "container=" + c.ID},
	}, func(e *engine.Event) error {
		switch e.Status {
		case "died":
			died = true
			if e.ContainerExitCode != nil {
				lastCode = *e.ContainerExitCode
			}
			code = lastCode
			if !removed {
				return errStopWatch
			}
		case "remove":
			if removed {
				return errStopWatch
			}
		}
		return nil
	})
	cancel()
	<-done
	if err != nil && !errors.Is(err, errStopWatch) {
		return 0, err
	}
	if !died {
		// The second look ended the watch: read the recorded result.
		if cur, err := s.rt.Container(context.WithoutCancel(ctx), c.ID); err == nil {
			return cur.ExitCode, nil
		}
		if ctx.Err() != nil && !removed {
			return 0, ctx.Err()
		}
	}
	return code, nil
}

// containerUpdate changes a container's resource limits, as `pod update`
// does. A restart policy cannot be changed on an existing container.
func (s *Server) containerUpdate(w http.ResponseWriter, req *http.Request) {
	var uc container.UpdateConfig
	if err := decodeJSON(req, &uc, false); err != nil {
		writeError(w, err)
		return
	}
	if uc.RestartPolicy.Name != "" {
		writeError(w, errdefs.NotImplementedf("changing the restart policy of an existing container is not supported"))
		return
	}
	if _, err := s.rt.Update(req.Context(), req.PathValue("id"), limitOptions(uc.Resources)); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, container.UpdateResponse{Warnings: []string{}})
}
