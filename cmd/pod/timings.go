package main

import (
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/rootless"
	"github.com/pod-engine/pod/pkg/timings"
)

// timingsStartEnv carries, across the rootless re-execution, when the
// first process started, so that the table counts the join too.
const timingsStartEnv = "_POD_TIMINGS_START"

// processStart is when this process's work began, for --timings: main's
// start, or earlier when the rootless join ran before main (in the
// constructor) or in a process that re-executed this one. It consumes the
// variables that say so, so that no child inherits them.
type processStart struct {
	began      time.Time // main started
	join       [2]time.Time
	reexecFrom time.Time
}

func takeProcessStart(began time.Time) processStart {
	ps := processStart{began: began}
	if a, b, ok := rootless.JoinSpan(); ok {
		ps.join = [2]time.Time{a, b}
	}
	if v, ok := os.LookupEnv(timingsStartEnv); ok {
		os.Unsetenv(timingsStartEnv)
		ps.reexecFrom = unixNano(v)
	}
	return ps
}

func unixNano(s string) time.Time {
	ns, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ns <= 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func timingsFromEnv() bool {
	v, _ := strconv.ParseBool(os.Getenv("POD_TIMINGS"))
	return v
}

// startTimings puts a Recorder in cmd's context, counting a rootless join
// that happened before main. A process about to re-execute itself in the
// user namespace leaves its start time for the next one to find.
func startTimings(cmd *cobra.Command, g *cli.Globals, ps processStart) {
	start := ps.began
	var join [2]time.Time
	switch {
	case !ps.reexecFrom.IsZero() && ps.reexecFrom.Before(ps.began):
		join = [2]time.Time{ps.reexecFrom, ps.began}
	case !ps.join[0].IsZero() && ps.join[0].Before(ps.join[1]) && !ps.join[1].After(ps.began):
		join = ps.join
	}
	if !join[0].IsZero() {
		start = join[0]
	}
	rec := timings.New(start)
	if !join[0].IsZero() {
		rec.Add("rootless join", join[0], join[1])
	} else if os.Geteuid() != 0 {
		os.Setenv(timingsStartEnv, strconv.FormatInt(ps.began.UnixNano(), 10))
	}
	g.Recorder = rec
	cmd.SetContext(timings.With(cmd.Context(), rec))
}
