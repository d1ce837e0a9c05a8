package network

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newPruneCommand(g *cli.Globals) *cobra.Command {
	var (
		force   bool
		filters []string
	)
	c := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove networks no container uses",
		Long:  "Remove every network that no container uses, except the default network. Prints their names.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fs, err := engine.ParseNetworkFilters(filters)
			if err != nil {
				return err
			}
			if !force {
				if !cli.Confirm(g.Stdin, g.Stdout, "This will remove all networks not used by at least one container.") {
					return nil
				}
			}
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			removed, err := rt.NetworkPrune(cmd.Context(), fs)
			for _, n := range removed {
				fmt.Fprintln(g.Stdout, n)
			}
			return err
		},
	}
	c.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	c.Flags().StringArrayVar(&filters, "filter", nil, "prune only networks matching: name=REGEX, id=PREFIX, driver=DRIVER, label=KEY[=VALUE], label!=KEY[=VALUE], until=TIME")
	return c
}
