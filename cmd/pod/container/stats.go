package container

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
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
	format := o.format
	if format == "" {
		format = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"
	}
	var emit func([]engine.ContainerStats) error
	if format == "json" {
		emit = func(s []engine.ContainerStats) error { return cli.WriteJSON(g.Stdout, statsJSON(s, o.noTrunc)) }
	} else {
		tmpl, table, err := cli.ParseTemplate(format)
		if err != nil {
			return err
		}
		clear := !o.noStream && !o.noReset && isTerminal(g.Stdout)
		emit = func(s []engine.ContainerStats) error {
			if clear {
				fmt.Fprint(g.Stdout, "\033[2J\033[H")
			}
			w := tabwriter.NewWriter(g.Stdout, 12, 2, 2, ' ', 0)
			if table {
				if err := tmpl.Execute(w, statsHeader); err != nil {
					return fmt.Errorf("execute --format template: %w", err)
				}
			}
			for i := range s {
				if err := tmpl.Execute(w, statsRow{s: &s[i], noTrunc: o.noTrunc}); err != nil {
					return fmt.Errorf("execute --format template: %w", err)
				}
			}
			return w.Flush()
		}
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

// statsRow is one container's line; its methods are the --format fields
// (Docker's and podman's names).
type statsRow struct {
	s       *engine.ContainerStats
	noTrunc bool
}

// statsHeader is the header row: every field's column title.
var statsHeader = map[string]string{
	"ID": "ID", "Container": "CONTAINER", "Name": "NAME", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT",
	"MemPerc": "MEM %", "NetIO": "NET IO", "BlockIO": "BLOCK IO", "PIDs": "PIDS", "CPU": "CPU TIME",
	"AVGCPU": "AVG CPU %", "UpTime": "UP TIME", "MemUsageBytes": "MEM USAGE / LIMIT",
}

func (r statsRow) ID() string {
	if r.noTrunc || len(r.s.ID) <= 12 {
		return r.s.ID
	}
	return r.s.ID[:12]
}
func (r statsRow) Container() string { return r.ID() }
func (r statsRow) Name() string      { return r.s.Name }
func (r statsRow) CPUPerc() string   { return fmt.Sprintf("%.2f%%", r.s.CPUPercent) }
func (r statsRow) AVGCPU() string    { return fmt.Sprintf("%.2f%%", r.s.AvgCPUPercent) }
func (r statsRow) CPU() string       { return time.Duration(r.s.CPUNanos).String() }
func (r statsRow) MemPerc() string   { return fmt.Sprintf("%.2f%%", r.s.MemPercent) }
func (r statsRow) MemUsage() string  { return pair(r.s.MemUsage, r.s.MemLimit, human) }
func (r statsRow) MemUsageBytes() string {
	return pair(r.s.MemUsage, r.s.MemLimit, units.BytesSize)
}
func (r statsRow) NetIO() string   { return pair(r.s.NetInput, r.s.NetOutput, human) }
func (r statsRow) BlockIO() string { return pair(r.s.BlockInput, r.s.BlockOutput, human) }
func (r statsRow) PIDs() string    { return fmt.Sprint(r.s.PIDs) }
func (r statsRow) UpTime() string  { return r.s.UpTime.Round(time.Second).String() }

// pair prints "a / b" with f.
func pair(a, b uint64, f func(float64) string) string {
	return f(float64(a)) + " / " + f(float64(b))
}

// human is podman's size format: decimal units, 3 significant digits.
func human(v float64) string { return units.HumanSizeWithPrecision(v, 3) }

// statsJSONEntry is podman's `stats --format json` object.
type statsJSONEntry struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	CPUTime    string `json:"cpu_time"`
	CPUPercent string `json:"cpu_percent"`
	AvgCPU     string `json:"avg_cpu"`
	MemUsage   string `json:"mem_usage"`
	MemPercent string `json:"mem_percent"`
	NetIO      string `json:"net_io"`
	BlockIO    string `json:"block_io"`
	PIDs       string `json:"pids"`
}

func statsJSON(s []engine.ContainerStats, noTrunc bool) []statsJSONEntry {
	out := make([]statsJSONEntry, 0, len(s))
	for i := range s {
		r := statsRow{s: &s[i], noTrunc: noTrunc}
		out = append(out, statsJSONEntry{ID: r.ID(), Name: r.Name(), CPUTime: r.CPU(), CPUPercent: r.CPUPerc(),
			AvgCPU: r.AVGCPU(), MemUsage: r.MemUsage(), MemPercent: r.MemPerc(), NetIO: r.NetIO(),
			BlockIO: r.BlockIO(), PIDs: r.PIDs()})
	}
	return out
}
