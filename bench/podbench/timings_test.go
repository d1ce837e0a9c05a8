package main

import (
	"strings"
	"testing"
	"time"
)

// The table pod --timings prints on stderr (pkg/timings' Write), after
// whatever the command itself wrote there.
const timingsTable = `some warning from pod
PHASE                    TIME   SHARE  CALLS
rootless join           0.6ms    0.5%      1
DB                      4.7ms    3.6%      4
runtime create/start   60.0ms   45.5%      1
storage open            0.2ms    0.2%      1
other                   9.8ms    7.4%       
total                 132.0ms  100.0%       
`

func TestParseTimings(t *testing.T) {
	names, ms := parseTimings(timingsTable)
	want := []string{"rootless join", "DB", "runtime create/start", "storage open", "other", "total"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("names = %q, want %q", names, want)
	}
	if ms["runtime create/start"] != 60 || ms["total"] != 132 || ms["other"] != 9.8 {
		t.Errorf("ms = %v", ms)
	}
	if names, ms := parseTimings("no table here\n"); names != nil || ms != nil {
		t.Errorf("a stderr without a table gave %v %v", names, ms)
	}
}

// The breakdown is the median per phase, largest first, tiny phases left
// out, a phase absent from a run counted as 0 there.
func TestBreakdown(t *testing.T) {
	bd := &breakdown{}
	for _, extra := range []string{"", "network 30.0ms 10% 1\n", "network 50.0ms 10% 1\n"} {
		table := strings.Replace(timingsTable, "other ", extra+"other ", 1)
		if !bd.add(table) {
			t.Fatal("add found no table")
		}
	}
	got := bd.String()
	want := "runtime create/start 60.0, network 30.0, DB 4.7, rootless join 0.6, other 9.8; total 132 ms (pod --timings, median of 3 runs)"
	if got != want {
		t.Errorf("breakdown\n got %q\nwant %q", got, want)
	}
	if (&breakdown{}).String() != "" {
		t.Error("an empty breakdown renders text")
	}
}

// Every row that carries an issue target is listed in the summary, with
// its limit, verdict and, when missed, where pod's time went.
func TestTargetSummary(t *testing.T) {
	b := &bench{opts: options{rounds: 3}, started: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	floor := &series{values: []float64{20, 21, 22}}
	r := b.add(&row{acct: "root", title: "none", unit: "ms", pod: &series{values: []float64{50, 51, 52}},
		podman: &series{values: []float64{100}}, goal: "none ≤ floor + 15", against: floor, againstName: "runc floor"},
		floorPlus(floor, "runc", 15))
	r.why = "monitor 20.0; total 51 ms"
	b.add(&row{acct: "root", title: "ps", unit: "ms", pod: &series{values: []float64{5}}, podman: &series{values: []float64{100}},
		goal: "ps ≤ 0.1×"}, ratioTarget(0.1))
	b.add(&row{acct: "root", title: "informative", unit: "ms", pod: floor, podman: floor}, nil)
	md := b.markdown(&machine{}, time.Minute)
	for _, want := range []string{
		"## The targets of issue #20",
		"| none ≤ floor + 15 | root | 51.0 (50.0–52.0) | runc floor 21.0 (20.0–22.0) | 2.43 | ≤ runc floor + 15 ms (36.0 ms) | **no** | monitor 20.0; total 51 ms |",
		"| ps ≤ 0.1× | root | 5.0 (5.0–5.0) | podman 100 (100–100) | 0.05 | ≤ 0.1× podman | yes |  |",
		"- where pod's time goes, none: monitor 20.0; total 51 ms\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "| informative | root") {
		t.Errorf("a row without a target is in the summary:\n%s", md)
	}
}
