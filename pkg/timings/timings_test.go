package timings

import (
	"context"
	"strings"
	"testing"
	"time"
)

func at(base time.Time, ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }

func TestPhasesChargeNestedSpansOnce(t *testing.T) {
	t0 := time.Unix(1000, 0)
	r := New(t0)
	r.Add("storage open", at(t0, 5), at(t0, 15))
	r.Add("monitor", at(t0, 20), at(t0, 60))
	r.Add("runtime create/start", at(t0, 30), at(t0, 55)) // inside monitor
	r.Add("DB", at(t0, 60), at(t0, 62))
	r.Add("cleanup", at(t0, 70), at(t0, 90))
	r.Add("DB", at(t0, 80), at(t0, 83)) // inside cleanup

	phases, other := r.Phases(at(t0, 100))
	want := []struct {
		name  string
		self  time.Duration
		calls int
	}{
		{"storage open", 10 * time.Millisecond, 1},
		{"monitor", 15 * time.Millisecond, 1},
		{"runtime create/start", 25 * time.Millisecond, 1},
		{"DB", 5 * time.Millisecond, 2},
		{"cleanup", 17 * time.Millisecond, 1},
	}
	if len(phases) != len(want) {
		t.Fatalf("phases = %+v, want %d of them", phases, len(want))
	}
	var sum time.Duration
	for i, w := range want {
		p := phases[i]
		if p.Name != w.name || p.Self != w.self || p.Calls != w.calls {
			t.Errorf("phase %d = %s %v x%d, want %s %v x%d", i, p.Name, p.Self, p.Calls, w.name, w.self, w.calls)
		}
		sum += p.Self
	}
	// 100 ms of wall time, 72 covered by top-level spans.
	if other != 28*time.Millisecond {
		t.Errorf("other = %v, want 28ms", other)
	}
	if sum+other != 100*time.Millisecond {
		t.Errorf("phases and other add up to %v, not the wall time", sum+other)
	}
}

func TestWriteShape(t *testing.T) {
	t0 := time.Unix(1000, 0)
	r := New(t0)
	r.Add("mount", at(t0, 0), at(t0, 50))
	var b strings.Builder
	if err := r.Write(&b, at(t0, 100)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("report has %d lines, want header, mount, other, total:\n%s", len(lines), b.String())
	}
	for i, want := range [][]string{
		{"PHASE", "TIME", "SHARE", "CALLS"},
		{"mount", "50.0ms", "50.0%", "1"},
		{"other", "50.0ms", "50.0%"},
		{"total", "100.0ms", "100.0%"},
	} {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("line %d = %q, want fields %q", i, lines[i], want)
		}
	}
}

func TestNoRecorderRecordsNothing(t *testing.T) {
	end := Start(context.Background(), "anything")
	end() // must not panic
	var r *Recorder
	r.Add("x", time.Now(), time.Now())
	r.Start("y")()
}

func TestContextCarriesRecorder(t *testing.T) {
	r := New(time.Now())
	ctx := With(context.Background(), r)
	Start(ctx, "network")()
	if s := r.Spans(); len(s) != 1 || s[0].Name != "network" {
		t.Fatalf("spans = %+v, want one named network", s)
	}
}
