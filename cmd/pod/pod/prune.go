package pod

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newPruneCommand(g *cli.Globals) *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove all stopped pods and their containers",
		Long:  "Remove every pod none of whose containers runs. Prints the IDs removed.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !force && !cli.Confirm(g.Stdin, g.Stdout, "This will remove all stopped/exited pods.") {
				return nil
			}
			ctx := cmd.Context()
			rt, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			removed, errs := rt.PrunePods(ctx)
			for _, id := range removed {
				fmt.Fprintln(g.Stdout, id)
			}
			return cli.ReportErrors(g.Stderr, errs)
		},
	}
	c.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	return c
}
