package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// timed is a scenario measured as the wall time of one command per round,
// pod and podman interleaved (pod, podman, pod, podman, ...) so that both
// see the same machine load.
type timed struct {
	title  string
	rounds int      // 0: the -rounds default; else at most this many
	verbs  []string // the pod verbs it needs
	// setup runs once per engine before the rounds, teardown once after;
	// before and after run around each timed command. None is timed.
	setup    func(ctx context.Context, e *engine) error
	before   func(ctx context.Context, e *engine, i int) error
	args     func(e *engine, i int) []string
	after    func(ctx context.Context, e *engine, i int) error
	teardown func(ctx context.Context, e *engine) error
}

// interleave measures sc with each of engines; the result has one series
// per engine, in the same order.
func (b *bench) interleave(ctx context.Context, sc timed, engines ...*engine) []*series {
	out := make([]*series, len(engines))
	live := make([]bool, len(engines))
	for k, e := range engines {
		out[k] = &series{}
		if missing := b.missing(e, sc.verbs); missing != "" {
			out[k].absent = missing
			continue
		}
		if sc.setup != nil {
			if err := sc.setup(ctx, e); err != nil {
				out[k].absent = "setup failed: " + short(err)
				b.logf("  %s: %v", e.name, err)
				continue
			}
		}
		live[k] = true
	}
	rounds := b.opts.rounds
	if sc.rounds > 0 && sc.rounds < rounds {
		rounds = sc.rounds
	}
	var firstErr = make([]error, len(engines))
	// Round -1 warms up (caches, the rootless pause process) and is not kept.
	for i := -1; i < rounds; i++ {
		for k, e := range engines {
			if !live[k] || ctx.Err() != nil {
				continue
			}
			d, err := b.once(ctx, sc, e, i+1)
			if i < 0 {
				if err != nil {
					b.logf("  %s warm-up: %v", e.name, err)
				}
				continue
			}
			if err != nil {
				out[k].failures++
				if firstErr[k] == nil {
					firstErr[k] = err
					out[k].firstErr = short(err)
					b.logf("  %s: %v", e.name, err)
				}
				continue
			}
			out[k].values = append(out[k].values, float64(d)/float64(time.Millisecond))
		}
	}
	for k, e := range engines {
		if live[k] && sc.teardown != nil {
			if err := sc.teardown(ctx, e); err != nil {
				b.logf("  %s teardown: %v", e.name, err)
			}
		}
		if live[k] && len(out[k].values) == 0 && firstErr[k] != nil {
			out[k].absent = "failed: " + short(firstErr[k])
		}
	}
	return out
}

// once runs one round: before, the timed command, after.
func (b *bench) once(ctx context.Context, sc timed, e *engine, i int) (time.Duration, error) {
	if sc.before != nil {
		if err := sc.before(ctx, e, i); err != nil {
			return 0, fmt.Errorf("before: %w", err)
		}
	}
	r := e.exec(ctx, sc.args(e, i)...)
	err := r.failure()
	if sc.after != nil {
		if aerr := sc.after(ctx, e, i); aerr != nil && err == nil {
			err = fmt.Errorf("after: %w", aerr)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", strings.Join(sc.args(e, i), " "), err)
	}
	return r.wall, nil
}

// missing says which pod verbs of verbs pod lacks, as the table shows it.
func (b *bench) missing(e *engine, verbs []string) string {
	var lack []string
	for _, v := range verbs {
		if !e.has(v) {
			lack = append(lack, "`"+v+"`")
		}
	}
	if len(lack) == 0 {
		return ""
	}
	return "not implemented in " + e.name + " yet (" + strings.Join(lack, ", ") + ")"
}

func short(err error) string {
	s := strings.ReplaceAll(err.Error(), "|", "/")
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

// rmForce removes containers without waiting for them to stop politely.
func rmForce(ctx context.Context, e *engine, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	_, err := e.must(ctx, append([]string{"rm", "-f", "-t", "0"}, names...)...)
	return err
}

// rmAll removes every container of the engine.
func rmAll(ctx context.Context, e *engine) error {
	_, err := e.must(ctx, "rm", "-a", "-f", "-t", "0")
	return err
}
