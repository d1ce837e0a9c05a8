package api

import (
	"encoding/json"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/api/types/system"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/filters"
	"github.com/pod-engine/pod/pkg/version"
)

func serverVersion() string { return version.Version }

func (s *Server) ping(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Cache-Control", "no-cache, no-store, must-revalidate")
	w.Header().Set("Pragma", "no-cache")
	w.Header().Set("Builder-Version", "1")
	w.Header().Set("Ostype", runtime.GOOS)
	if req.Method == http.MethodHead {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", "0")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("OK"))
}

func (s *Server) version(w http.ResponseWriter, req *http.Request) {
	kernel := ""
	if info, err := s.rt.Info(req.Context()); err == nil {
		kernel = info.Host.Kernel
	}
	v := system.VersionResponse{
		Platform:      system.PlatformInfo{Name: "pod"},
		Version:       version.Version,
		APIVersion:    APIVersion,
		MinAPIVersion: MinAPIVersion,
		Os:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		GitCommit:     version.GitCommit,
		GoVersion:     runtime.Version(),
		KernelVersion: kernel,
		BuildTime:     version.BuildDate,
		Components: []system.ComponentVersion{{
			Name: "Engine", Version: version.Version,
			Details: map[string]string{
				"ApiVersion": APIVersion, "MinAPIVersion": MinAPIVersion,
				"GitCommit": version.GitCommit, "GoVersion": runtime.Version(),
				"Os": runtime.GOOS, "Arch": runtime.GOARCH, "KernelVersion": kernel,
			},
		}},
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) info(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	in, err := s.rt.Info(ctx)
	if err != nil {
		writeError(w, err)
		return
	}
	out := system.Info{
		ID:                 in.Host.Hostname,
		Images:             in.Store.ImageStore.Number,
		Driver:             in.Store.GraphDriverName,
		KernelVersion:      in.Host.Kernel,
		OperatingSystem:    osName(),
		OSType:             in.Host.OS,
		Architecture:       in.Host.Arch,
		NCPU:               in.Host.CPUs,
		MemTotal:           memTotal(),
		DockerRootDir:      in.Store.GraphRoot,
		Name:               in.Host.Hostname,
		ServerVersion:      version.Version,
		LoggingDriver:      in.Host.LogDriver,
		CgroupDriver:       "cgroupfs",
		CgroupVersion:      strings.TrimPrefix(in.Host.CgroupsVersion, "v"),
		DefaultRuntime:     in.Host.OCIRuntime.Name,
		Runtimes:           map[string]system.RuntimeWithStatus{in.Host.OCIRuntime.Name: {Runtime: system.Runtime{Path: in.Host.OCIRuntime.Path}}},
		SystemTime:         time.Now().Format(time.RFC3339Nano),
		NGoroutines:        runtime.NumGoroutine(),
		NFd:                countFDs(),
		IndexServerAddress: "https://index.docker.io/v1/",
		MemoryLimit:        true,
		PidsLimit:          true,
		CPUShares:          true,
		CPUSet:             true,
		SecurityOptions:    []string{"name=seccomp,profile=default"},
	}
	if in.Host.Rootless {
		out.SecurityOptions = append(out.SecurityOptions, "name=rootless")
	}
	for k, v := range in.Store.GraphStatus {
		out.DriverStatus = append(out.DriverStatus, [2]string{k, v})
	}
	if cs, err := s.rt.ListContainers(ctx, engine.ListOptions{All: true}); err == nil {
		out.Containers = len(cs)
		for _, c := range cs {
			switch string(c.Status) {
			case "running", "stopping":
				out.ContainersRunning++
			case "paused":
				out.ContainersPaused++
			default:
				out.ContainersStopped++
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// osName is PRETTY_NAME from os-release, as Docker reports it.
func osName() string {
	data, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return runtime.GOOS
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return runtime.GOOS
}

func memTotal() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	var kb int64
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				for _, c := range f[0] {
					kb = kb*10 + int64(c-'0')
				}
			}
		}
	}
	return kb * 1024
}

// countFDs is the number of this process's open descriptors.
func countFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// events streams the event log as Docker's JSON messages, one per line.
func (s *Server) events(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	fs, err := filterArgs(req)
	if err != nil {
		writeError(w, err)
		return
	}
	for i, f := range fs {
		for pod, docker := range dockerActions {
			if f == "event="+docker {
				fs[i] = "event=" + pod
			}
		}
	}
	o := engine.EventsOptions{Filters: fs, Stream: true}
	now := time.Now()
	q := req.URL.Query()
	if v := q.Get("since"); v != "" {
		if o.Since, err = filters.ParseTime(v, now); err != nil {
			writeError(w, errdefs.InvalidArgumentf("since: %v", err))
			return
		}
	}
	if v := q.Get("until"); v != "" {
		if o.Until, err = filters.ParseTime(v, now); err != nil {
			writeError(w, errdefs.InvalidArgumentf("until: %v", err))
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flush(w)
	enc := json.NewEncoder(w)
	err = s.rt.Events(ctx, o, func(e *engine.Event) error {
		m := events.Message{
			Type:   events.Type(e.Type),
			Action: events.Action(dockerAction(e.Type, e.Status)),
			Actor:  events.Actor{ID: e.ID, Attributes: e.Attributes},
			Scope:  "local",
			Time:   e.Time.Unix(), TimeNano: e.TimeNano,
		}
		if m.Actor.Attributes == nil {
			m.Actor.Attributes = map[string]string{}
		}
		if e.Name != "" {
			m.Actor.Attributes["name"] = e.Name
		}
		if err := enc.Encode(m); err != nil {
			return err
		}
		flush(w)
		return nil
	})
	if err != nil && ctx.Err() == nil {
		// The status line went out already: end the stream with the error
		// as Docker's client reads it.
		enc.Encode(map[string]string{"message": err.Error()})
	}
}

// dockerActions are pod's container event actions that Docker names
// otherwise (podman's names are pod's).
var dockerActions = map[string]string{"died": "die", "remove": "destroy"}

func dockerAction(typ, action string) string {
	if d, ok := dockerActions[action]; ok && typ == engine.EventTypeContainer {
		return d
	}
	return action
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}
