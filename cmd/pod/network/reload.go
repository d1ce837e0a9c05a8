package network

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func newReloadCommand(g *cli.Globals) *cobra.Command {
	var all, latest bool
	c := &cobra.Command{
		Use:   "reload [options] [CONTAINER...]",
		Short: "Re-apply the network set-up of running containers",
		Long: "Detach running containers from their bridge networks and attach them again with the\n" +
			"same addresses, MACs and published ports: restores firewall rules that were flushed\n" +
			"(e.g. by a firewall restart). Prints the IDs of the containers reloaded.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if latest {
				if all || len(args) > 0 {
					return errdefs.InvalidArgumentf("--latest and --all or container names cannot be used together")
				}
				id, err := cli.LatestContainer(cmd.Context(), g)
				if err != nil {
					return err
				}
				args = []string{id}
			}
			if all == (len(args) > 0) {
				return errdefs.InvalidArgumentf("give --all or container names, not both or neither")
			}
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			ids, err := rt.NetworkReload(cmd.Context(), all, args)
			for _, id := range ids {
				fmt.Fprintln(g.Stdout, id)
			}
			return err
		},
	}
	c.Flags().BoolVarP(&all, "all", "a", false, "reload every running container on a bridge network")
	c.Flags().BoolVarP(&latest, "latest", "l", false, "reload the container created last")
	return c
}
