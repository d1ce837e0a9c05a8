package pod

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newExistsCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exists POD",
		Short: "Check whether a pod exists",
		Long:  "Exit 0 if the pod exists, 1 if it does not, 125 if that cannot be told.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.OpenContainers(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			ok, err := rt.PodExists(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !ok {
				return cli.Exit(1)
			}
			return nil
		},
	}
}
