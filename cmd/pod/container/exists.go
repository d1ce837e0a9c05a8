package container

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/errdefs"
)

func newExistsCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exists CONTAINER",
		Short: "Check whether a container exists",
		Long:  "Exit 0 when a container with this name or ID exists, 1 when none does; print nothing.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			r, err := g.OpenContainers(ctx)
			if err != nil {
				return err
			}
			defer r.Close()
			if _, err := r.Container(ctx, args[0]); err != nil {
				if errors.Is(err, errdefs.ErrNotFound) {
					return cli.Exit(1)
				}
				return err
			}
			return nil
		},
	}
}
