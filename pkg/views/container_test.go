package views

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/state"
)

func TestPsColumns(t *testing.T) {
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name                  string
		c                     state.Container
		status, command, made string
	}{
		{"running", state.Container{Status: state.StatusRunning, StartedAt: now.Add(-3 * time.Second), CreatedAt: now.Add(-5 * time.Second), Command: "sleep 1000"},
			"Up 3 seconds", "sleep 1000", "5 seconds ago"},
		{"exited", state.Container{Status: state.StatusExited, ExitCode: 3, FinishedAt: now.Add(-2 * time.Minute), CreatedAt: now.Add(-time.Hour), Command: "sh -c exit 3"},
			"Exited (3) 2 minutes ago", "sh -c exit 3", "About an hour ago"},
		{"created", state.Container{Status: state.StatusCreated, CreatedAt: now.Add(-2 * 24 * time.Hour), Command: "echo a-long-argument-for-truncation"},
			"Created", "echo a-long-argum...", "2 days ago"},
		{"paused", state.Container{Status: state.StatusPaused, CreatedAt: now}, "Paused", "", "Less than a second ago"},
		{"stopping", state.Container{Status: state.StatusStopping, CreatedAt: now}, "Stopping", "", "Less than a second ago"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.ID = "0123456789abcdef0123"
			row := psRow{c: &engine.ListedContainer{Container: &engine.Container{Container: &c, Config: &engine.ContainerConfig{}}}, now: now}
			if got := row.Status(); got != tc.status {
				t.Errorf("Status = %q, want %q", got, tc.status)
			}
			if got := row.Command(); got != tc.command {
				t.Errorf("Command = %q, want %q", got, tc.command)
			}
			if got := row.CreatedHuman(); got != tc.made {
				t.Errorf("CreatedHuman = %q, want %q", got, tc.made)
			}
			if got := row.ID(); got != "0123456789ab" {
				t.Errorf("ID = %q", got)
			}
			row.noTrunc = true
			if got := row.ID(); got != c.ID {
				t.Errorf("--no-trunc ID = %q", got)
			}
		})
	}
}

// TestPsHeaderFields keeps the header row in step with the fields.
func TestPsHeaderFields(t *testing.T) {
	rows, hdr := reflect.TypeOf(psRow{}), reflect.TypeOf(psHeader{})
	for i := 0; i < rows.NumMethod(); i++ {
		m := rows.Method(i)
		if m.Name == "MarshalJSON" {
			continue
		}
		h, ok := hdr.MethodByName(m.Name)
		if !ok || h.Type.NumIn() != m.Type.NumIn() {
			t.Errorf("psHeader lacks %s with the same arguments", m.Name)
		}
	}
}

func TestPsRowJSON(t *testing.T) {
	c := &state.Container{ID: "0123456789abcdef", Name: "web", Status: state.StatusCreated, Labels: map[string]string{"b": "2", "a": "1"}}
	row := psRow{c: &engine.ListedContainer{Container: &engine.Container{Container: c, Config: &engine.ContainerConfig{}}}}
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
}
