package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/state"
)

func TestInspectDocument(t *testing.T) {
	timeout := 3
	c := &Container{
		Container: &state.Container{
			ID: "abc123", Name: "web", ImageID: "img1", ImageName: "localhost/busybox:latest",
			CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC), Status: state.StatusExited,
			PID: 0, ExitCode: 3, StartedAt: time.Date(2024, 1, 2, 3, 4, 6, 0, time.UTC),
			FinishedAt: time.Date(2024, 1, 2, 3, 4, 7, 0, time.UTC), RestartCount: 1,
		},
		Config: &ContainerConfig{
			Entrypoint: []string{"/bin/sh", "-c"}, Cmd: []string{"exit 3"}, Env: []string{"A=1"},
			Labels: map[string]string{"k": "v"}, StopTimeout: &timeout, LogDriver: "json-file",
			LogPath: "/x/ctr.log", RestartPolicy: RestartPolicy{Name: "on-failure", MaxRetries: 2},
			Mounts: []MountConfig{
				{Type: "bind", Source: "/src", Destination: "/dst", Options: []string{"ro"}},
				{Type: "tmpfs", Destination: "/tmp", Options: []string{"size=1m"}},
			},
			CapAdd: []string{"NET_ADMIN"}, ReadOnly: true, Ulimits: []Ulimit{{Name: "nofile", Soft: 10, Hard: 20}},
		},
	}
	doc := inspectDocument(c)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	get := func(path string) any {
		var v any = m
		for _, k := range strings.Split(path, ".") {
			v = v.(map[string]any)[k]
		}
		return v
	}
	checks := map[string]any{
		"Id":                            "abc123",
		"Name":                          "web",
		"Created":                       "2024-01-02T03:04:05.000000006Z",
		"Path":                          "/bin/sh",
		"Image":                         "img1",
		"ImageName":                     "localhost/busybox:latest",
		"State.Status":                  "exited",
		"State.Running":                 false,
		"State.ExitCode":                float64(3),
		"State.StartedAt":               "2024-01-02T03:04:06Z",
		"State.FinishedAt":              "2024-01-02T03:04:07Z",
		"RestartCount":                  float64(1),
		"LogPath":                       "/x/ctr.log",
		"HostConfig.LogConfig.Type":     "json-file",
		"HostConfig.RestartPolicy.Name": "on-failure",
		"HostConfig.RestartPolicy.MaximumRetryCount": float64(2),
		"HostConfig.ReadonlyRootfs":                  true,
		"HostConfig.NetworkMode":                     "bridge",
		"Config.StopTimeout":                         float64(3),
		"Config.StopSignal":                          "SIGTERM",
		"Config.Image":                               "localhost/busybox:latest",
		"Config.WorkingDir":                          "/",
	}
	for path, want := range checks {
		if got := get(path); got != want {
			t.Errorf("%s = %#v, want %#v", path, got, want)
		}
	}
	if got := doc.Args; len(got) != 2 || got[1] != "exit 3" {
		t.Errorf("Args = %q", got)
	}
	if len(doc.Mounts) != 1 || doc.Mounts[0].RW || doc.Mounts[0].Destination != "/dst" {
		t.Errorf("Mounts = %+v", doc.Mounts)
	}
	if doc.HostConfig.Tmpfs["/tmp"] != "size=1m" || len(doc.HostConfig.Binds) != 1 || doc.HostConfig.Binds[0] != "/src:/dst:ro" {
		t.Errorf("Tmpfs %v Binds %v", doc.HostConfig.Tmpfs, doc.HostConfig.Binds)
	}
	if doc.HostConfig.Ulimits[0].Name != "RLIMIT_NOFILE" {
		t.Errorf("Ulimits = %+v", doc.HostConfig.Ulimits)
	}

	// A container never started shows Docker's zero time.
	c.StartedAt, c.FinishedAt, c.Status = time.Time{}, time.Time{}, state.StatusCreated
	if got := inspectDocument(c).State.StartedAt; got != "0001-01-01T00:00:00Z" {
		t.Errorf("zero StartedAt = %q", got)
	}
	// Pid shows only while running.
	c.Status, c.PID = state.StatusRunning, 42
	if s := inspectDocument(c).State; !s.Running || s.Pid != 42 {
		t.Errorf("running state = %+v", s)
	}
}
