package container

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
)

func newRenameCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "rename CONTAINER NEW_NAME",
		Short: "Rename a container",
		Long:  "Give a container, running or not, a new name. The old name is free at once.",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			r, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			return r.RenameContainer(ctx, args[0], args[1])
		},
	}
}
