package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

type testRow struct {
	ID        string
	Size      int64
	CreatedAt time.Time
	Labels    map[string]string
}

func (r testRow) Label(k string) string { return r.Labels[k] }

func render(t *testing.T, format string, rows []testRow, v View) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, format, rows, v); err != nil {
		t.Fatalf("Render(%q): %v", format, err)
	}
	return b.String()
}

func TestRender(t *testing.T) {
	rows := []testRow{{ID: "abc", Size: 3197040, Labels: map[string]string{"app": "web"}}, {ID: "def", Size: 12}}
	// Numbers print as numbers, not as the float64 a JSON round trip makes.
	if got := render(t, "{{.Size}}", rows, View{}); got != "3197040\n12\n" {
		t.Errorf("sizes: %q", got)
	}
	// Docker's .Id is the views' ID.
	if got := render(t, "{{.Id}}", rows, View{}); got != "abc\ndef\n" {
		t.Errorf(".Id: %q", got)
	}
	// A missing map key prints <no value>, as in Docker and podman.
	if got := render(t, "{{.Labels.app}}", rows, View{}); got != "web\n<no value>\n" {
		t.Errorf("labels: %q", got)
	}
	// Headers: the views' titles, else the field's words upper-cased; a
	// method with an argument is a column like any other.
	got := render(t, "table {{.ID}}\t{{.Label \"app\"}}\t{{.CreatedAt}}\t{{.Size}}", rows[:1], View{Headers: map[string]string{"ID": "THING ID"}})
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "THING ID LABEL CREATED AT SIZE" || !strings.HasPrefix(lines[1], "abc ") {
		t.Errorf("table: %q", got)
	}
	if got := render(t, "table {{.ID}}", rows, View{NoHeading: true}); got != "abc\ndef\n" {
		t.Errorf("--noheading: %q", got)
	}
	// The default, and json: the rows, or what the view says json prints.
	if got := render(t, "", rows, View{Default: "{{.ID}}:{{.Size}}"}); got != "abc:3197040\ndef:12\n" {
		t.Errorf("default: %q", got)
	}
	if got := render(t, "json", rows[:1], View{}); !strings.Contains(got, `"Size": 3197040`) {
		t.Errorf("json: %q", got)
	}
	if got := render(t, "json", nil, View{}); strings.TrimSpace(got) != "[]" {
		t.Errorf("json of none: %q", got)
	}
	if got := render(t, "json", rows, View{JSON: []string{"x"}}); !strings.Contains(got, `"x"`) {
		t.Errorf("json of the view: %q", got)
	}
	var b bytes.Buffer
	if err := Render(&b, "{{.Nope}}", rows, View{}); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("unknown field: %v", err)
	}
	if b.Len() != 0 {
		t.Errorf("a failed template printed %q", b.String())
	}
}

func TestTitle(t *testing.T) {
	for in, want := range map[string]string{"ID": "ID", "CreatedAt": "CREATED AT", "ImageID": "IMAGE ID", "NetworkInterface": "NETWORK INTERFACE", "Pid": "PID"} {
		if got := Title(in); got != want {
			t.Errorf("Title(%q) = %q, want %q", in, got, want)
		}
	}
}

// A field by its JSON name (moby's Go name differs) still prints, and its
// number as an integer.
func TestRenderJSONNames(t *testing.T) {
	type res struct {
		NanoCPUs int64 `json:"NanoCpus"`
	}
	type doc struct {
		ID   string `json:"Id"`
		Host struct{ res }
	}
	d := doc{ID: "abc"}
	d.Host.NanoCPUs = 1500000000
	var b bytes.Buffer
	for _, f := range []string{"{{.Id}} {{.Host.NanoCpus}}", "{{.ID}} {{.Host.NanoCPUs}}"} {
		b.Reset()
		if err := Render(&b, f, []doc{d}, View{}); err != nil || b.String() != "abc 1500000000\n" {
			t.Errorf("%s: %q %v", f, b.String(), err)
		}
	}
	b.Reset()
	if err := Render(&b, "{{.Host.Nope}}", []doc{d}, View{}); err == nil || b.Len() != 0 {
		t.Errorf("unknown JSON name: %v %q", err, b.String())
	}
}
