package container

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
	"github.com/pod-engine/pod/pkg/errdefs"
	"github.com/pod-engine/pod/pkg/views"
)

type psOptions struct {
	all, latest, quiet, noTrunc, size, noHeading, pod bool
	external, ns, sync                                bool
	last, watch                                       int
	filters                                           []string
	format, sort                                      string
}

func newPsCommand(g *cli.Globals) *cobra.Command {
	var o psOptions
	cmd := &cobra.Command{
		Use:     "ps [options]",
		Short:   "List containers",
		Long:    "List containers: the running ones, or with -a all of them, newest first.",
		Args:    cobra.NoArgs,
		Example: "pod ps -a\n  pod ps --filter status=exited --format '{{.ID}} {{.Names}}'",
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.watch < 0 {
				return errdefs.InvalidArgumentf("invalid --watch %d: a number of seconds", o.watch)
			}
			if o.watch == 0 {
				return runPs(cmd, g, &o)
			}
			return watchPs(cmd, g, &o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "show all containers, not only running ones")
	f.BoolVarP(&o.latest, "latest", "l", false, "show only the latest created container (any state)")
	f.IntVarP(&o.last, "last", "n", -1, "show the n last created containers (any state)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only container IDs")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "do not truncate IDs and commands")
	f.BoolVarP(&o.size, "size", "s", false, "show the containers' disk usage")
	f.BoolVar(&o.noHeading, "noheading", false, "do not print the header row")
	f.BoolVarP(&o.pod, "pod", "p", false, "show the pod ID and name of each container")
	f.StringArrayVarP(&o.filters, "filter", "f", nil, "filter output: id=, name=, label=, label!=, status=, exited=, ancestor=, before=, since=, until=")
	f.StringVar(&o.format, "format", "", "format the output with a Go template, 'table TEMPLATE' or 'json'")
	f.BoolVar(&o.ns, "ns", false, "show the namespaces of running containers (podman's columns: PID, CGROUPNS, IPC, MNT, NET, PIDNS, USERNS, UTS)")
	f.BoolVar(&o.external, "external", false, "show the containers of storage that pod does not know too (status Storage)")
	f.BoolVar(&o.sync, "sync", false, "first make the recorded state of running containers match the OCI runtime's (slower)")
	f.IntVarP(&o.watch, "watch", "w", 0, "redraw the list every N seconds until interrupted")
	f.StringVar(&o.sort, "sort", "created", "sort by command, created (newest first), id, image, names, runningfor, size or status")
	return cmd
}

func runPs(cmd *cobra.Command, g *cli.Globals, o *psOptions) error {
	if o.latest && o.last >= 0 {
		return fmt.Errorf("--latest and --last are mutually exclusive")
	}
	if o.quiet && o.size {
		return fmt.Errorf("--quiet conflicts with --size")
	}
	now := time.Now()
	filter, err := engine.ParseContainerFilter(o.filters, now)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	r, err := g.OpenContainers(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	if o.sync {
		if err := r.SyncContainers(ctx); err != nil {
			return err
		}
	}
	list, err := r.ListContainers(ctx, engine.ListOptions{
		All: o.all, Latest: o.latest, Last: o.last, Filter: filter,
		Size:     o.size || o.sort == "size" || strings.Contains(o.format, ".Size"),
		External: o.external,
	})
	if err != nil {
		return err
	}
	if err := sortContainers(list, o.sort); err != nil {
		return err
	}
	if o.quiet && o.format == "" {
		for _, row := range views.ContainerRows(list, now, o.noTrunc) {
			fmt.Fprintln(g.Stdout, row.ID)
		}
		return nil
	}
	view := cli.View{
		Default:   "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
		Headers:   views.ContainerHeaders,
		NoHeading: o.noHeading,
	}
	if o.size {
		view.Default += "\t{{.Size}}"
	}
	if o.pod {
		view.Default += "\t{{.Pod}}\t{{.PodName}}"
	}
	if o.ns {
		view.Default = "table {{.ID}}\t{{.Names}}\t{{.Pid}}\t{{.Namespaces.Cgroup}}\t{{.Namespaces.IPC}}\t{{.Namespaces.MNT}}\t{{.Namespaces.NET}}\t{{.Namespaces.PIDNS}}\t{{.Namespaces.User}}\t{{.Namespaces.UTS}}"
	}
	if o.format == "json" {
		view.JSON = views.ContainerList(list, now)
	}
	return cli.Render(g.Stdout, o.format, views.ContainerRows(list, now, o.noTrunc), view)
}

// watchPs redraws ps every o.watch seconds, on a cleared screen, until
// the command is interrupted, which ends it successfully.
func watchPs(cmd *cobra.Command, g *cli.Globals, o *psOptions) error {
	ctx := cmd.Context()
	tick := time.NewTicker(time.Duration(o.watch) * time.Second)
	defer tick.Stop()
	for {
		// Clear the screen and go home, as watch(1) and podman do.
		fmt.Fprint(g.Stdout, "\033[H\033[2J")
		if err := runPs(cmd, g, o); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// sortContainers orders ps's rows as podman's --sort: created and
// runningfor newest first (the engine's order), size largest first, the
// others ascending.
func sortContainers(list []*engine.ListedContainer, by string) error {
	var less func(a, b *engine.ListedContainer) bool
	switch by {
	case "", "created", "runningfor":
		return nil
	case "command":
		less = func(a, b *engine.ListedContainer) bool { return a.Command < b.Command }
	case "id":
		less = func(a, b *engine.ListedContainer) bool { return a.ID < b.ID }
	case "image":
		less = func(a, b *engine.ListedContainer) bool { return a.ImageName < b.ImageName }
	case "names":
		less = func(a, b *engine.ListedContainer) bool { return a.Name < b.Name }
	case "size":
		less = func(a, b *engine.ListedContainer) bool { return a.SizeRw > b.SizeRw }
	case "status":
		less = func(a, b *engine.ListedContainer) bool { return a.Status < b.Status }
	default:
		return errdefs.InvalidArgumentf("invalid --sort %q: use command, created, id, image, names, runningfor, size or status", by)
	}
	sort.SliceStable(list, func(i, j int) bool { return less(list[i], list[j]) })
	return nil
}
