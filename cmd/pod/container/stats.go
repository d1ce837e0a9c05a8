package container

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/views"
)

type statsOptions struct {
	all, noStream, noReset, noTrunc bool
	format                          string
	interval                        int
}

func newStatsCommand(g *cli.Globals) *cobra.Command {
	var o statsOptions
	c := &cobra.Command{
		Use:   "stats [options] [CONTAINER...]",
		Short: "Display a live stream of container resource usage statistics",
		Long: "Show CPU, memory, network, block I/O and process counts of running containers (or of the ones\n" +
			"named), read from their cgroups, every --interval seconds until interrupted, or once with --no-stream.\n" +
			"The first CPU % is the average since the container started; later ones cover the last interval.",
		Example: "pod stats --no-stream\n  pod stats --no-stream --format '{{.Name}} {{.MemUsage}}' web",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStats(cmd, g, &o, args)
		},
	}
	f := c.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "show all containers, with zeros for those not running")
	f.BoolVar(&o.noStream, "no-stream", false, "print one report and exit")
	f.BoolVar(&o.noReset, "no-reset", false, "do not clear the terminal between reports")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "do not truncate IDs")
	f.StringVar(&o.format, "format", "", "format the output with a Go template, 'table TEMPLATE' or 'json'")
	f.IntVarP(&o.interval, "interval", "i", 5, "seconds between reports")
	return c
}

func runStats(cmd *cobra.Command, g *cli.Globals, o *statsOptions, names []string) error {
	if o.interval < 1 {
		return fmt.Errorf("invalid --interval %d: must be at least 1 second", o.interval)
	}
	view := cli.View{
		Default: "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}",
		Headers: views.StatsHeaders,
	}
	// A bad template fails before the first report, not after it.
	if o.format != "" && o.format != "json" {
		if _, _, err := cli.ParseTemplate(o.format); err != nil {
			return err
		}
	}
	clear := o.format != "json" && !o.noStream && !o.noReset && isTerminal(g.Stdout)
	emit := func(s []engine.ContainerStats) error {
		if clear {
			fmt.Fprint(g.Stdout, "\033[2J\033[H")
		}
		if o.format == "json" {
			view.JSON = views.StatsList(s, o.noTrunc)
		}
		return cli.Render(g.Stdout, o.format, views.StatsRows(s, o.noTrunc), view)
	}
	ctx := cmd.Context()
	rt, err := g.OpenContainers(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	return rt.Stats(ctx, engine.StatsOptions{
		Names: names, All: o.all, Stream: !o.noStream, Interval: time.Duration(o.interval) * time.Second,
	}, emit)
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
