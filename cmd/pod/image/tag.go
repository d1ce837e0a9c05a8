package image

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/engine"
)

func newTagCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "tag IMAGE TARGET_NAME [TARGET_NAME...]",
		Short: "Add names to a local image",
		Long:  "Add names to a local image. A name without registry is stored under localhost/, one without tag gets :latest.",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			return rt.Images().TagImage(cmd.Context(), args[0], args[1:]...)
		},
	}
}

func newUntagCommand(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "untag IMAGE [NAME...]",
		Short: "Remove names from a local image",
		Long:  "Remove the given names from a local image, or all its names when none are given. The image stays.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			_, err = rt.Images().UntagImage(cmd.Context(), args[0], args[1:]...)
			return err
		},
	}
}

func newExistsCommand(g *cli.Globals) *cobra.Command {
	return cli.NewExistsCommand(g, "IMAGE", "a local image", g.Open, func(ctx context.Context, rt *engine.Runtime, name string) (bool, error) {
		return rt.Images().ImageExists(ctx, name)
	})
}
