// Package timings records where one command's wall time goes, for
// `pod --timings` (or POD_TIMINGS=1): named spans of the work (storage
// open, mount, network, monitor, ...) collected in a Recorder that the
// command's context carries, printed as a small table when it ends.
//
// Recording is opt-in per context: without a Recorder in ctx, Start costs
// one context lookup and records nothing, so the calls can stay on hot
// paths. A Recorder is safe for concurrent use.
package timings

import (
	"context"
	"sync"
	"time"
)

// Span is one measured piece of work. Spans with the same name are summed
// in the report; a span inside another is subtracted from it, so each
// phase is charged only for its own time.
type Span struct {
	Name       string
	Start, End time.Time
}

// Recorder collects the spans of one command.
type Recorder struct {
	start time.Time
	now   func() time.Time

	mu    sync.Mutex
	spans []Span
}

// New returns a Recorder whose command started at start.
func New(start time.Time) *Recorder {
	return &Recorder{start: start, now: time.Now}
}

// Began is when the command started.
func (r *Recorder) Began() time.Time { return r.start }

// Add records a span measured elsewhere (by another process, say).
// Spans that end before they start are ignored.
func (r *Recorder) Add(name string, start, end time.Time) {
	if r == nil || end.Before(start) {
		return
	}
	r.mu.Lock()
	r.spans = append(r.spans, Span{Name: name, Start: start, End: end})
	r.mu.Unlock()
}

// Start begins a span named name and returns the function that ends it.
func (r *Recorder) Start(name string) (end func()) {
	if r == nil {
		return nop
	}
	t0 := r.now()
	return func() { r.Add(name, t0, r.now()) }
}

// Spans returns a copy of the spans recorded so far, in the order they
// ended.
func (r *Recorder) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

func nop() {}

type key struct{}

// With returns ctx carrying r.
func With(ctx context.Context, r *Recorder) context.Context {
	return context.WithValue(ctx, key{}, r)
}

// From returns the Recorder ctx carries, or nil. The methods of a nil
// Recorder record nothing.
func From(ctx context.Context) *Recorder {
	r, _ := ctx.Value(key{}).(*Recorder)
	return r
}

// Start begins a span in ctx's Recorder, if it has one, and returns the
// function that ends it:
//
//	defer timings.Start(ctx, "mount")()
func Start(ctx context.Context, name string) (end func()) {
	return From(ctx).Start(name)
}
