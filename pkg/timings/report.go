package timings

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Phase is one line of the report: the time charged to a name, which is
// the sum of its spans minus the spans nested in them.
type Phase struct {
	Name  string
	Self  time.Duration
	Calls int
	first time.Time
}

// Phases summarises the spans by name, in the order each name first
// started. Other is the part of the wall time from the start to end that
// no span covers.
func (r *Recorder) Phases(end time.Time) (phases []Phase, other time.Duration) {
	spans := r.Spans()
	// Sort by start, longer first on ties, so that a span's parent is the
	// last earlier span that still contains it.
	sort.SliceStable(spans, func(i, j int) bool {
		if !spans[i].Start.Equal(spans[j].Start) {
			return spans[i].Start.Before(spans[j].Start)
		}
		return spans[i].End.After(spans[j].End)
	})
	self := make([]time.Duration, len(spans))
	var covered time.Duration
	var open []int // the stack of spans containing the current one
	for i, s := range spans {
		self[i] = s.End.Sub(s.Start)
		for len(open) > 0 && !contains(spans[open[len(open)-1]], s) {
			open = open[:len(open)-1]
		}
		if len(open) > 0 {
			self[open[len(open)-1]] -= s.End.Sub(s.Start)
		} else {
			covered += s.End.Sub(s.Start)
		}
		open = append(open, i)
	}
	byName := map[string]int{}
	for i, s := range spans {
		n, ok := byName[s.Name]
		if !ok {
			n = len(phases)
			byName[s.Name] = n
			phases = append(phases, Phase{Name: s.Name, first: s.Start})
		}
		phases[n].Self += max(self[i], 0)
		phases[n].Calls++
	}
	other = max(end.Sub(r.start)-covered, 0)
	return phases, other
}

// contains reports whether s lies within p. Spans of concurrent work
// that overlap without nesting are each charged in full.
func contains(p, s Span) bool {
	return !s.Start.Before(p.Start) && !s.End.After(p.End)
}

// Write prints the report of a command that ended at end: one line per
// phase with its time, its share of the wall time and how many spans it
// had, then the time no phase covers and the total.
func (r *Recorder) Write(w io.Writer, end time.Time) error {
	phases, other := r.Phases(end)
	total := end.Sub(r.start)
	width := len("PHASE")
	for _, p := range phases {
		width = max(width, len(p.Name))
	}
	share := func(d time.Duration) string {
		if total <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(d)/float64(total))
	}
	var b strings.Builder
	line := func(name, t, sh, calls string) {
		fmt.Fprintf(&b, "%-*s  %10s  %6s  %5s\n", width, name, t, sh, calls)
	}
	line("PHASE", "TIME", "SHARE", "CALLS")
	for _, p := range phases {
		line(p.Name, ms(p.Self), share(p.Self), strconv.Itoa(p.Calls))
	}
	line("other", ms(other), share(other), "")
	line("total", ms(total), share(total), "")
	_, err := io.WriteString(w, b.String())
	return err
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}
