package system

import (
	"fmt"
	"io"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newPruneCommand(g *cli.Globals) *cobra.Command {
	var (
		opts  engine.SystemPruneOptions
		force bool
	)
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove stopped containers, unused networks and dangling images",
		Long: "Removes every container that is not running, every network no container uses, every dangling " +
			"image (with -a every image no container uses) and with --volumes every volume no container uses. " +
			"Asks first unless -f.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !force && !confirm(g.Stdout, g.Stdin, pruneQuestion(opts)) {
				return nil
			}
			ctx := cmd.Context()
			r, err := g.Open(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			rep, err := r.SystemPrune(ctx, opts)
			if rep != nil {
				printPruneReport(g.Stdout, rep)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&opts.All, "all", "a", false, "remove every image no container uses, not only dangling ones")
	f.BoolVar(&opts.Volumes, "volumes", false, "remove volumes no container uses too")
	f.BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	f.StringArrayVar(&opts.Filters, "filter", nil, "remove only what matches: label=KEY[=VALUE], label!=KEY[=VALUE], until=TIME (pods are then left alone)")
	return cmd
}

func pruneQuestion(o engine.SystemPruneOptions) string {
	q := "WARNING! This command removes:\n\t- all pods with no running containers\n\t- all stopped containers\n\t- all networks not used by at least one container\n"
	if o.Volumes {
		q += "\t- all volumes not used by at least one container\n"
	}
	if o.All {
		q += "\t- all images without at least one container associated with them\n"
	} else {
		q += "\t- all dangling images\n"
	}
	return q + "\nAre you sure you want to continue? [y/N] "
}

func printPruneReport(w io.Writer, rep *engine.SystemPruneReport) {
	var ctrs []string
	for _, c := range rep.Containers {
		if c.Err == nil {
			ctrs = append(ctrs, c.ID)
		}
	}
	for _, sec := range []struct {
		title string
		items []string
	}{
		{"Deleted Pods", rep.Pods},
		{"Deleted Containers", ctrs},
		{"Deleted Networks", rep.Networks},
		{"Deleted Volumes", rep.Volumes},
		{"Deleted Images", rep.Images},
	} {
		if len(sec.items) == 0 {
			continue
		}
		fmt.Fprintln(w, sec.title)
		for _, it := range sec.items {
			fmt.Fprintln(w, it)
		}
	}
	fmt.Fprintf(w, "Total reclaimed space: %s\n", units.HumanSizeWithPrecision(float64(rep.Reclaimed), 3))
}
