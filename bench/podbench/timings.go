package main

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// A missed target carries its measured reason: the scenario's pod command
// run again, untimed, with POD_TIMINGS=1 (pod --timings), and the median
// of each phase of the table it prints on stderr.

// timingsRounds is how many extra runs a missed row's breakdown takes:
// 5, or 2 in a smoke run, which only checks that the breakdown works.
func (b *bench) timingsRounds() int {
	if b.opts.smoke {
		return 2
	}
	return 5
}

// phaseLine is one line of pod's --timings table: "NAME  12.3ms  4.5%  2"
// (the name may hold spaces; other and total have no CALLS).
var phaseLine = regexp.MustCompile(`^(\S.*?)\s+([0-9]+(?:\.[0-9]+)?)ms\s+(?:[0-9.]+%|-)(?:\s+[0-9]+)?\s*$`)

// parseTimings reads the phases of the --timings table in a command's
// stderr, in the table's order: ms per phase, "other" and "total" included.
// A stderr without the table gives nothing.
func parseTimings(stderr string) (names []string, ms map[string]float64) {
	lines := strings.Split(stderr, "\n")
	start := -1
	for i, l := range lines {
		if f := strings.Fields(l); len(f) == 4 && f[0] == "PHASE" && f[1] == "TIME" && f[2] == "SHARE" && f[3] == "CALLS" {
			start = i + 1 // the last table wins: a command prints one
		}
	}
	if start < 0 {
		return nil, nil
	}
	ms = map[string]float64{}
	for _, l := range lines[start:] {
		m := phaseLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		name := strings.TrimSpace(m[1])
		if _, seen := ms[name]; !seen {
			names = append(names, name)
		}
		ms[name] += v
	}
	return names, ms
}

// breakdown is the median time of each phase over several --timings
// tables. A phase missing from a table counts as 0 ms there.
type breakdown struct {
	runs   int
	names  []string // in the order they first appeared
	values map[string][]float64
	// phasesOnly leaves out other and total (a long-running service's
	// are its idle time).
	phasesOnly bool
}

func (bd *breakdown) add(stderr string) bool {
	names, ms := parseTimings(stderr)
	if ms == nil {
		return false
	}
	if bd.values == nil {
		bd.values = map[string][]float64{}
	}
	for _, n := range names {
		if _, seen := bd.values[n]; !seen {
			bd.names = append(bd.names, n)
			// Runs before this one had no such phase.
			bd.values[n] = make([]float64, bd.runs)
		}
	}
	for _, n := range bd.names {
		bd.values[n] = append(bd.values[n], ms[n])
	}
	bd.runs++
	return true
}

// String renders the breakdown as one line, the phases by median time,
// largest first, those under 0.5 ms left out: "runtime create/start 41.0,
// monitor 12.2, ..., other 3.1; total 95.2 ms (median of 5 runs)".
func (bd *breakdown) String() string {
	if bd == nil || bd.runs == 0 {
		return ""
	}
	type ph struct {
		name string
		ms   float64
	}
	var phases []ph
	var total, other float64
	for _, n := range bd.names {
		v := (&series{values: bd.values[n]}).median()
		switch n {
		case "total":
			total = v
		case "other":
			other = v
		default:
			if v >= 0.5 {
				phases = append(phases, ph{n, v})
			}
		}
	}
	sort.SliceStable(phases, func(i, j int) bool { return phases[i].ms > phases[j].ms })
	var parts []string
	for _, p := range phases {
		parts = append(parts, fmt.Sprintf("%s %s", p.name, num(p.ms, "ms")))
	}
	if bd.phasesOnly {
		return strings.Join(parts, ", ") + " ms"
	}
	parts = append(parts, "other "+num(other, "ms"))
	return fmt.Sprintf("%s; total %s ms (pod --timings, median of %d runs)", strings.Join(parts, ", "), num(total, "ms"), bd.runs)
}

// explain runs a missed scenario's pod command again with POD_TIMINGS=1,
// untimed (its before and after included), and sets the row's reason.
func (b *bench) explain(ctx context.Context, r *row, sc timed, pod *engine) {
	if r.met != verdict(false) || !r.pod.ok() || pod.name != "pod" {
		return
	}
	b.logf("  missed: measuring where pod's time goes (%d runs with --timings)", b.timingsRounds())
	bd := &breakdown{}
	tp := pod.withEnv("POD_TIMINGS=1")
	for i := 0; i < b.timingsRounds() && ctx.Err() == nil; i++ {
		n := 1000 + i // names apart from the timed rounds'
		if sc.before != nil {
			if err := sc.before(ctx, tp, n); err != nil {
				b.logf("  timings before: %v", err)
				continue
			}
		}
		res := tp.exec(ctx, sc.args(tp, n)...)
		if sc.after != nil {
			if err := sc.after(ctx, tp, n); err != nil {
				b.logf("  timings after: %v", err)
			}
		}
		if res.failure() != nil || !bd.add(res.stderr) {
			b.logf("  timings: no table from %s (%v)", strings.Join(sc.args(tp, n), " "), res.failure())
		}
	}
	r.why = bd.String()
}

// withEnv is the engine with more environment variables.
func (e *engine) withEnv(env ...string) *engine {
	c := *e
	c.env = append(append([]string(nil), e.env...), env...)
	return &c
}
