package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSeries(t *testing.T) {
	tests := []struct {
		name   string
		s      *series
		unit   string
		median float64
		cell   string
	}{
		{"odd", &series{values: []float64{30, 10, 20}}, "ms", 20, "20.0 (10.0–30.0)"},
		{"even", &series{values: []float64{400, 100, 200, 300}}, "ms", 250, "250 (100–400)"},
		{"failures", &series{values: []float64{5}, failures: 2}, "ms", 5, "5.0 (5.0–5.0), 2 failed"},
		{"memory", &series{values: []float64{0.4212, 0.5}}, "MB", 0.4606, "0.46 (0.42–0.50)"},
		{"absent", &series{absent: "not implemented in pod yet (`exec`)"}, "ms", 0, "not implemented in pod yet (`exec`)"},
		{"empty", &series{}, "ms", 0, "no samples"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.s.ok() {
				if got := tt.s.median(); got != tt.median {
					t.Errorf("median = %v, want %v", got, tt.median)
				}
			}
			if got := tt.s.cell(tt.unit); got != tt.cell {
				t.Errorf("cell = %q, want %q", got, tt.cell)
			}
		})
	}
}

func TestTargets(t *testing.T) {
	fast := &series{values: []float64{40}}
	slow := &series{values: []float64{100}}
	failing := &series{values: []float64{40}, failures: 1}
	floor := &series{values: []float64{30}}
	tests := []struct {
		name    string
		t       target
		pod     *series
		podman  *series
		wantMet string
	}{
		{"ratio met", ratioTarget(0.5), fast, slow, "yes"},
		{"ratio missed", ratioTarget(0.5), slow, fast, "**no**"},
		{"ratio without pod", ratioTarget(0.5), &series{absent: "not implemented"}, slow, "not measured"},
		{"memory equal is met", ratioTarget(1), slow, slow, "yes"},
		{"floor met", floorPlus(floor, "runc", 25), &series{values: []float64{55}}, nil, "yes"},
		{"floor missed", floorPlus(floor, "runc", 25), &series{values: []float64{56}}, nil, "**no**"},
		{"parallel met", parallelTarget, fast, slow, "yes"},
		{"parallel with a failure", parallelTarget, failing, slow, "**no**"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, met := tt.t(&row{pod: tt.pod, podman: tt.podman})
			if met != tt.wantMet {
				t.Errorf("met = %q, want %q", met, tt.wantMet)
			}
		})
	}
}

func TestWriteResultsKeepsAnalysis(t *testing.T) {
	p := filepath.Join(t.TempDir(), "RESULTS.md")
	if err := writeResults(p, "# first\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	analysis := string(b) + "\n## why\nhand-written\n"
	if err := os.WriteFile(p, []byte(analysis), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeResults(p, "# second\n"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(p)
	got := string(b)
	if !strings.HasPrefix(got, "# second\n") || strings.Contains(got, "# first") || !strings.HasSuffix(got, "hand-written\n") {
		t.Errorf("results:\n%s", got)
	}
}
