package pod

import (
	"fmt"
	"os"
	"time"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
)

type statsOptions struct {
	all, noStream, noTrunc, noReset bool
	format                          string
	interval                        int
}

func newStatsCommand(g *cli.Globals) *cobra.Command {
	var o statsOptions
	c := &cobra.Command{
		Use:   "stats [options] [POD...]",
		Short: "Display resource usage of pods",
		Long: "Show the CPU, memory, network, block I/O and PID usage of the running containers of the pods\n" +
			"named (or of every pod), the infra container's too; refreshed every --interval seconds until\n" +
			"interrupted, or once with --no-stream.",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStats(cmd, g, &o, args)
		},
	}
	f := c.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "every pod (the default when none is named)")
	f.BoolVar(&o.noStream, "no-stream", false, "print one report and exit")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "do not truncate IDs")
	f.BoolVar(&o.noReset, "no-reset", false, "do not clear the terminal between reports")
	f.StringVar(&o.format, "format", "", "format the output with a Go template or 'table TEMPLATE'")
	f.IntVarP(&o.interval, "interval", "i", 5, "seconds between reports")
	return c
}

// podStatsRow is one container's usage, as `pod pod stats` shows it.
type podStatsRow struct {
	pod     *engine.Pod
	s       *engine.ContainerStats
	noTrunc bool
}

func (r podStatsRow) short(id string) string {
	if r.noTrunc || len(id) < 12 {
		return id
	}
	return id[:12]
}
func (r podStatsRow) Pod() string      { return r.short(r.pod.ID) }
func (r podStatsRow) CID() string      { return r.short(r.s.ID) }
func (r podStatsRow) Name() string     { return r.s.Name }
func (r podStatsRow) CPU() string      { return fmt.Sprintf("%.2f%%", r.s.CPUPercent) }
func (r podStatsRow) MemUsage() string { return pair(r.s.MemUsage, r.s.MemLimit) }
func (r podStatsRow) Mem() string      { return fmt.Sprintf("%.2f%%", r.s.MemPercent) }
func (r podStatsRow) NetIO() string    { return pair(r.s.NetInput, r.s.NetOutput) }
func (r podStatsRow) BlockIO() string  { return pair(r.s.BlockInput, r.s.BlockOutput) }
func (r podStatsRow) PIDS() string     { return fmt.Sprint(r.s.PIDs) }

func pair(a, b uint64) string {
	return units.HumanSizeWithPrecision(float64(a), 3) + " / " + units.HumanSizeWithPrecision(float64(b), 3)
}

// podStatsHeaders are podman's column titles that are not the field's name.
var podStatsHeaders = map[string]string{
	"Pod":      "POD",
	"CID":      "CID",
	"CPU":      "CPU %",
	"MemUsage": "MEM USAGE / LIMIT",
	"Mem":      "MEM %",
	"NetIO":    "NET IO",
	"BlockIO":  "BLOCK IO",
	"PIDS":     "PIDS",
}

func runStats(cmd *cobra.Command, g *cli.Globals, o *statsOptions, names []string) error {
	if o.interval < 1 {
		return errdefs.InvalidArgumentf("invalid --interval %d: must be at least 1 second", o.interval)
	}
	if o.all && len(names) > 0 {
		return errdefs.InvalidArgumentf("--all and pod names cannot be used together")
	}
	format := o.format
	if format == "" {
		format = "table {{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPU}}\t{{.MemUsage}}\t{{.Mem}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}"
	}
	// A bad template is refused before any work.
	if _, _, err := cli.ParseTemplate(format); err != nil {
		return err
	}
	ctx := cmd.Context()
	rt, err := g.OpenContainers(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	var pods []*engine.Pod
	if len(names) == 0 {
		if pods, err = rt.Pods(ctx); err != nil {
			return err
		}
	}
	for _, n := range names {
		p, err := rt.Pod(ctx, n)
		if err != nil {
			return err
		}
		pods = append(pods, p)
	}
	listed, err := rt.ListPods(ctx, nil)
	if err != nil {
		return err
	}
	podOf := map[string]*engine.Pod{}
	var ids []string
	for _, p := range pods {
		for _, lp := range listed {
			if lp.ID != p.ID {
				continue
			}
			for _, c := range lp.Containers {
				if c.Status == engine.StatusRunning {
					podOf[c.ID] = p
					ids = append(ids, c.ID)
				}
			}
		}
	}
	if len(ids) == 0 {
		return errdefs.Conflictf("no running containers in the pods asked for")
	}
	// A stream on a terminal redraws one report over the last, unless
	// --no-reset: then the reports follow each other.
	clear := !o.noStream && !o.noReset && isTerminal(g.Stdout)
	return rt.Stats(ctx, engine.StatsOptions{Names: ids, Stream: !o.noStream, Interval: time.Duration(o.interval) * time.Second},
		func(s []engine.ContainerStats) error {
			if clear {
				fmt.Fprint(g.Stdout, "\033[2J\033[H")
			}
			rows := make([]podStatsRow, len(s))
			for i := range s {
				rows[i] = podStatsRow{pod: podOf[s[i].ID], s: &s[i], noTrunc: o.noTrunc}
			}
			return cli.Render(g.Stdout, format, rows, cli.View{Headers: podStatsHeaders})
		})
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
