package image

import (
	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
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
	return &cobra.Command{
		Use:   "exists IMAGE",
		Short: "Tell whether a local image exists",
		Long:  "Exit 0 when a local image has this name or ID, 1 when none has.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Open(cmd.Context())
			if err != nil {
				return err
			}
			defer rt.Close()
			ok, err := rt.Images().ImageExists(cmd.Context(), args[0])
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
