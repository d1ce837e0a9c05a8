package views

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/state"
)

func listed(c *state.Container) *engine.ListedContainer {
	return &engine.ListedContainer{Container: &engine.Container{Container: c, Config: &engine.ContainerConfig{}}}
}

func TestPsColumns(t *testing.T) {
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name                  string
		c                     state.Container
		health                string
		status, command, made string
	}{
		{"running", state.Container{Status: state.StatusRunning, StartedAt: now.Add(-3 * time.Second), CreatedAt: now.Add(-5 * time.Second), Command: "sleep 1000"}, "",
			"Up 3 seconds", "sleep 1000", "5 seconds ago"},
		{"healthy", state.Container{Status: state.StatusRunning, StartedAt: now.Add(-3 * time.Second), CreatedAt: now.Add(-5 * time.Second)}, "healthy",
			"Up 3 seconds (healthy)", "", "5 seconds ago"},
		{"exited", state.Container{Status: state.StatusExited, ExitCode: 3, FinishedAt: now.Add(-2 * time.Minute), CreatedAt: now.Add(-time.Hour), Command: "sh -c exit 3"}, "",
			"Exited (3) 2 minutes ago", "sh -c exit 3", "About an hour ago"},
		{"created", state.Container{Status: state.StatusCreated, CreatedAt: now.Add(-2 * 24 * time.Hour), Command: "echo a-long-argument-for-truncation"}, "",
			"Created", "echo a-long-argum...", "2 days ago"},
		{"paused", state.Container{Status: state.StatusPaused, CreatedAt: now}, "", "Paused", "", "Less than a second ago"},
		{"stopping", state.Container{Status: state.StatusStopping, CreatedAt: now}, "", "Stopping", "", "Less than a second ago"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.ID = "0123456789abcdef0123"
			lc := listed(&c)
			lc.Health = tc.health
			row := ContainerRows([]*engine.ListedContainer{lc}, now, false)[0]
			if row.Status != tc.status {
				t.Errorf("Status = %q, want %q", row.Status, tc.status)
			}
			if row.Command != tc.command {
				t.Errorf("Command = %q, want %q", row.Command, tc.command)
			}
			if row.CreatedHuman != tc.made {
				t.Errorf("CreatedHuman = %q, want %q", row.CreatedHuman, tc.made)
			}
			if row.ID != "0123456789ab" {
				t.Errorf("ID = %q", row.ID)
			}
			if full := ContainerRows([]*engine.ListedContainer{lc}, now, true)[0]; full.ID != c.ID {
				t.Errorf("--no-trunc ID = %q", full.ID)
			}
		})
	}
}

func TestPsRowJSON(t *testing.T) {
	c := &state.Container{ID: "0123456789abcdef", Name: "web", Status: state.StatusCreated, Labels: map[string]string{"b": "2", "a": "1"}}
	row := ContainerRows([]*engine.ListedContainer{listed(c)}, time.Now(), false)[0]
	b, err := json.Marshal(row)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["ID"] != "0123456789ab" || m["Names"] != "web" || m["Status"] != "Created" || m["Labels"] != "a=1,b=2" {
		t.Fatalf("{{json .}} = %s", b)
	}
	if _, ok := m["Size"]; ok {
		t.Errorf("{{json .}} has a Size without --size: %s", b)
	}
	if row.Label("a") != "1" || row.Label("none") != "" {
		t.Errorf("Label: %q %q", row.Label("a"), row.Label("none"))
	}
}

func TestPsListJSON(t *testing.T) {
	c := &state.Container{ID: "0123456789abcdef", Name: "web", Status: state.StatusExited, ExitCode: 2}
	lc := listed(c)
	lc.SizeRw, lc.SizeRootFs = 10, 20
	got := ContainerList([]*engine.ListedContainer{lc}, time.Now())
	if len(got) != 1 || got[0].ID != c.ID || !got[0].Exited || got[0].ExitCode != 2 || got[0].Size == nil || got[0].Size.RwSize != 10 || len(got[0].Ports) != 0 || got[0].Ports == nil {
		t.Fatalf("ps json %+v", got)
	}
}
