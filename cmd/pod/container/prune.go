package container

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newPruneCommand(g *cli.Globals) *cobra.Command {
	var (
		force   bool
		filters []string
	)
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove all non running containers",
		Long:  "Remove every container that is not running (created or exited), after asking unless -f. Prints the ID of each container removed.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			filter, err := engine.ParsePruneFilter(filters, time.Now())
			if err != nil {
				return err
			}
			if !force {
				if !cli.Confirm(g.Stdin, g.Stdout, "This will remove all non running containers.") {
					return nil
				}
			}
			ctx := cmd.Context()
			r, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			reports, err := r.PruneContainers(ctx, filter)
			if err != nil {
				return err
			}
			var errs []error
			for _, rep := range reports {
				if rep.Err != nil {
					errs = append(errs, rep.Err)
					continue
				}
				fmt.Fprintln(g.Stdout, rep.ID)
			}
			return errors.Join(errs...)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	f.StringArrayVar(&filters, "filter", nil, "remove only containers matching: until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE]")
	return cmd
}
